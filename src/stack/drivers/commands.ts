/**
 * The exact command lines a stack spec stands for: the backend server
 * (`vllm serve …`, `llama-server …`, `ollama serve`) and the gateway
 * (`litellm --config …`, claude-code-router), as the docker driver writes
 * them into a compose file and the process driver spawns them. Pure.
 */
import type { BackendSpec, GatewaySpec, SpecArg } from '../spec.ts';

/** Where a command runs: in a container (the image supplies the entrypoint) or as a local process. */
export type Placement = 'docker' | 'process';

/** One flag (or positional group) with the reason it is there. */
export interface ArgItem {
  readonly tokens: readonly string[];
  readonly why?: string;
}

/** A command: the program (process placement) and its arguments, grouped for comments. */
export interface CommandLine {
  /** Program to run; for docker, the image's entrypoint that `items` are appended to. */
  readonly program: string;
  readonly items: readonly ArgItem[];
}

/** Compose service names by backend kind (also the host name other services use). */
export const BACKEND_SERVICE: Readonly<Record<BackendSpec['kind'], string>> = {
  vllm: 'vllm',
  llamacpp: 'llamacpp',
  ollama: 'ollama',
  emulator: 'emulator',
};

/** Compose service names by gateway kind. */
export const GATEWAY_SERVICE: Readonly<Record<Exclude<GatewaySpec['kind'], 'none'>, string>> = {
  litellm: 'litellm',
  'claude-code-router': 'claude-code-router',
};

/** The pinned claude-code-router (later majors have an unpublished dependency). */
export const CCR_NPM_SPEC = '@musistudio/claude-code-router@1.0.73';

/** Flatten grouped arguments into argv. */
export function flatten(items: readonly ArgItem[]): string[] {
  return items.flatMap((i) => [...i.tokens]);
}

function specArgs(args: readonly SpecArg[]): ArgItem[] {
  return args.map((a) => ({ tokens: a.value === undefined ? [a.flag] : [a.flag, a.value], ...(a.why ? { why: a.why } : {}) }));
}

/** Address a server binds: every interface inside a container (the port is published on loopback), loopback otherwise. */
export function bindHost(place: Placement): string {
  return place === 'docker' ? '0.0.0.0' : '127.0.0.1';
}

/**
 * The backend server's command line. Keys are never on it: vLLM reads
 * VLLM_API_KEY and llama-server LLAMA_API_KEY from the environment, so no
 * secret shows in `ps` or in a compose file.
 */
export function backendCommand(b: BackendSpec, place: Placement): CommandLine {
  const host = bindHost(place);
  const port = String(b.port);
  switch (b.kind) {
    case 'vllm':
      return {
        program: place === 'docker' ? 'vllm serve' : 'vllm',
        items: [
          ...(place === 'process' ? [{ tokens: ['serve'] }] : []),
          { tokens: [b.model] },
          { tokens: ['--host', host] },
          { tokens: ['--port', port] },
          ...(b.served_model_name ? [{ tokens: ['--served-model-name', b.served_model_name], why: 'The name the API answers to.' }] : []),
          ...specArgs(b.args),
        ],
      };
    case 'llamacpp':
      return {
        program: place === 'docker' ? '/app/llama-server' : 'llama-server',
        items: [
          { tokens: ['-hf', b.model], why: 'Downloaded once into the cache volume.' },
          { tokens: ['--host', host] },
          { tokens: ['--port', port] },
          ...(b.served_model_name ? [{ tokens: ['--alias', b.served_model_name] }] : []),
          ...specArgs(b.args),
        ],
      };
    case 'ollama':
      return { program: place === 'docker' ? '/bin/ollama' : 'ollama', items: [{ tokens: ['serve'] }, ...specArgs(b.args)] };
    case 'emulator':
      return {
        program: 'claude-bench',
        items: [{ tokens: ['emulate'] }, { tokens: ['--host', host] }, { tokens: ['--port', port] }, ...(b.served_model_name ? [{ tokens: ['--served-model-name', b.served_model_name] }] : []), ...specArgs(b.args)],
      };
  }
}

/** The backend's environment: the spec's own entries plus the key variable and, for Ollama, where it binds. Values keep their ${VAR} references. */
export function backendEnv(b: BackendSpec, place: Placement): Record<string, string> {
  const env: Record<string, string> = {};
  if (b.kind === 'ollama') env['OLLAMA_HOST'] = `${bindHost(place)}:${b.port}`;
  if (b.api_key_env !== undefined) {
    // The variable the server itself reads its key from.
    const own = b.kind === 'vllm' ? 'VLLM_API_KEY' : b.kind === 'llamacpp' ? 'LLAMA_API_KEY' : b.api_key_env;
    env[own] = `\${${b.api_key_env}:?set ${b.api_key_env}}`;
  }
  return { ...env, ...(b.env ?? {}) };
}

/** The one-shot set-up step after the backend is healthy (Ollama pulls its model), as argv after the program. */
export function backendSetup(b: BackendSpec): readonly string[] | null {
  return b.kind === 'ollama' && b.pull === true ? ['pull', b.model] : null;
}

/** Where the gateway's config file sits inside its container. */
export const CONTAINER_CONFIG_PATH: Readonly<Record<Exclude<GatewaySpec['kind'], 'none'>, string>> = {
  litellm: '/app/config.yaml',
  'claude-code-router': '/root/.claude-code-router/config.json',
};

/** The gateway's command line; `configPath` is the config file the process driver wrote (process placement). */
export function gatewayCommand(g: GatewaySpec, place: Placement, configPath: string): CommandLine | null {
  const port = String(g.port ?? 0);
  switch (g.kind) {
    case 'none':
      return null;
    case 'litellm':
      return {
        program: 'litellm',
        items: [
          { tokens: ['--config', place === 'docker' ? CONTAINER_CONFIG_PATH.litellm : configPath] },
          ...(place === 'process' ? [{ tokens: ['--host', bindHost(place)] }] : []),
          { tokens: ['--port', port] },
        ],
      };
    case 'claude-code-router':
      // CCR reads $HOME/.claude-code-router/config.json; it has no --config flag.
      return place === 'docker'
        ? { program: 'npx', items: [{ tokens: ['--yes', CCR_NPM_SPEC, 'start'] }] }
        : { program: 'ccr', items: [{ tokens: ['start'] }] };
  }
}

/** URL other parts use to reach the backend: the compose service name inside the compose network, loopback otherwise. */
export function backendUrl(b: BackendSpec, place: Placement): string {
  return `http://${place === 'docker' ? BACKEND_SERVICE[b.kind] : '127.0.0.1'}:${b.port}`;
}
