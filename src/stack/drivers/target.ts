/** The Target a real (docker or process) stack hands on, from its spec and the environment. */
import { BenchError } from '../../errors.ts';
import type { Target } from '../../types.ts';
import { requireEnv, resolveEnvRefs, type StackSpec } from '../spec.ts';

/** Port clients talk to: the gateway's, or the backend's when it serves /v1/messages itself. */
export function clientPort(spec: StackSpec): number {
  return spec.gateway.kind === 'none' ? spec.backend.port : (spec.gateway.port ?? 0);
}

/** Health URL of the part clients talk to, on loopback. */
export function clientHealthUrl(spec: StackSpec): string {
  const path = spec.gateway.kind === 'none' ? spec.backend.health : (spec.gateway.health ?? '/health');
  return `http://127.0.0.1:${clientPort(spec)}${path}`;
}

/**
 * The key clients send: the variable client.api_key_env names, else the
 * literal the stack documents for Claude Code (Ollama's "ollama"), else ''.
 */
export function clientApiKey(spec: StackSpec, env: NodeJS.ProcessEnv): string {
  const c = spec.client;
  if (c.api_key_env !== undefined) return requireEnv(c.api_key_env, env, `stack ${spec.name}`);
  const documented = c.env['ANTHROPIC_AUTH_TOKEN'] ?? c.env['ANTHROPIC_API_KEY'];
  return documented === undefined ? '' : resolveEnvRefs(documented, env, `stack ${spec.name}`);
}

/** Every key value in play for a spec (for redaction), read from `env`. */
export function specSecrets(spec: StackSpec, env: NodeJS.ProcessEnv): string[] {
  const names = [spec.backend.api_key_env, spec.gateway.master_key_env, spec.client.api_key_env].filter((n): n is string => n !== undefined);
  return [...new Set(names.map((n) => env[n]).filter((v): v is string => v !== undefined && v !== ''))];
}

function nameOf(kind: string): string {
  switch (kind) {
    case 'vllm':
      return 'vLLM';
    case 'llamacpp':
      return 'llama.cpp';
    case 'ollama':
      return 'Ollama';
    case 'litellm':
      return 'LiteLLM';
    default:
      return kind;
  }
}

/** The Target of a running real stack. */
export function realTarget(spec: StackSpec, env: NodeJS.ProcessEnv, model: string | undefined, driver: 'docker' | 'process'): Target {
  if (spec.backend.kind === 'emulator') throw new BenchError('INTERNAL', 'realTarget called for the emulator');
  const backend = nameOf(spec.backend.kind);
  const gateway = spec.gateway.kind === 'none' ? `${backend} /v1/messages` : nameOf(spec.gateway.kind);
  return {
    baseUrl: `http://127.0.0.1:${clientPort(spec)}`,
    apiKey: clientApiKey(spec, env),
    model: model ?? spec.client.model,
    kind: 'embedded',
    emulated: false,
    description: `${spec.name} (${driver}): ${gateway}${spec.gateway.kind === 'none' ? '' : ` → ${backend}`} serving ${spec.backend.model}`,
  };
}
