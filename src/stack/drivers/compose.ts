/**
 * The docker compose project a spec stands for: compose.yaml (backend,
 * gateway, and the documented routes as opt-in profiles) plus the files it
 * mounts. Every port is published on 127.0.0.1 only; keys stay ${VAR}
 * references that compose fills from the environment. Pure.
 */
import { readFileSync } from 'node:fs';
import { MITM_ADDONS } from '../../routes/mitmproxy.ts';
import { renderNginxContainerConf } from '../../routes/nginx-conf.ts';
import type { RouteSpec, StackSpec } from '../spec.ts';
import { backendCommand, backendEnv, BACKEND_SERVICE, CONTAINER_CONFIG_PATH, GATEWAY_SERVICE, type CommandLine } from './commands.ts';
import { gatewayConfigFile, generatedHeader, renderGatewayConfig } from './configs.ts';
import { commented, toYaml, type YamlValue } from './yaml.ts';

/** The compose project name of a stack. */
export function composeProject(spec: StackSpec): string {
  return `claude-bench-${spec.name}`;
}

function commandYaml(line: CommandLine): YamlValue[] {
  return line.items.flatMap((item) => item.tokens.map((t, i) => (i === 0 ? commented(item.why, t) : t)));
}

function loopbackPort(port: number): string {
  return `127.0.0.1:${port}:${port}`;
}

/** A healthcheck that needs only what the image ships. */
function healthcheck(test: readonly string[], startPeriod: string): Record<string, YamlValue> {
  return { test: [...test], interval: '10s', timeout: '5s', retries: 30, start_period: startPeriod };
}

function pythonProbe(port: number, path: string): string[] {
  return ['CMD', 'python3', '-c', `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${port}${path}')`];
}

const GPU_RESERVATION: YamlValue = {
  resources: { reservations: { devices: [{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }] } },
};

function envYaml(env: Readonly<Record<string, string>>, why: Readonly<Record<string, string>> = {}): Record<string, YamlValue> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, commented(why[k], v)]));
}

function backendService(spec: StackSpec): Record<string, YamlValue> {
  const b = spec.backend;
  const env = envYaml(backendEnv(b, 'docker'), b.why);
  const service: Record<string, YamlValue> = { image: b.image ?? '' };
  switch (b.kind) {
    case 'vllm':
      Object.assign(service, {
        ipc: commented('PyTorch shares memory between processes; vLLM documents --ipc=host.', 'host'),
        ports: [loopbackPort(b.port)],
        volumes: ['${HOME}/.cache/huggingface:/root/.cache/huggingface'],
        environment: { HF_TOKEN: '${HF_TOKEN:-}', ...env },
        command: commandYaml(backendCommand(b, 'docker')),
        // Loading 32B weights takes minutes.
        healthcheck: healthcheck(pythonProbe(b.port, b.health), '900s'),
      });
      break;
    case 'llamacpp':
      Object.assign(service, {
        ports: [loopbackPort(b.port)],
        volumes: ['${HOME}/.cache/llama.cpp:/root/.cache/llama.cpp'],
        environment: env,
        command: commandYaml(backendCommand(b, 'docker')),
        healthcheck: healthcheck(['CMD', 'curl', '-fsS', `http://127.0.0.1:${b.port}${b.health}`], '900s'),
      });
      break;
    case 'ollama':
      Object.assign(service, {
        ports: [loopbackPort(b.port)],
        volumes: ['ollama:/root/.ollama'],
        environment: env,
        healthcheck: healthcheck(['CMD', 'ollama', 'list'], '30s'),
      });
      break;
    case 'emulator':
      break;
  }
  if (b.gpus) service['deploy'] = GPU_RESERVATION;
  return service;
}

function gatewayService(spec: StackSpec): Record<string, YamlValue> | null {
  const g = spec.gateway;
  if (g.kind === 'none') return null;
  const port = g.port ?? 0;
  const configFile = gatewayConfigFile(g) ?? '';
  const common = {
    image: g.image ?? '',
    depends_on: { [BACKEND_SERVICE[spec.backend.kind]]: { condition: 'service_healthy' } },
    ports: [loopbackPort(port)],
    environment: envYaml(g.env ?? {}, g.why),
    volumes: [`./${configFile}:${CONTAINER_CONFIG_PATH[g.kind]}:ro`],
  };
  if (g.kind === 'litellm') {
    return {
      ...common,
      command: ['--config', CONTAINER_CONFIG_PATH.litellm, '--port', String(port)],
      healthcheck: healthcheck(pythonProbe(port, g.health ?? '/health/liveliness'), '60s'),
    };
  }
  return {
    ...common,
    command: commented('claude-code-router from npm, pinned (later majors need an unpublished dependency).', ['npx', '--yes', '@musistudio/claude-code-router@1.0.73', 'start']),
    healthcheck: healthcheck(
      ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${port}${g.health ?? '/health'}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
      '120s',
    ),
  };
}

/** The service a route forwards to (the gateway, or the backend when it speaks /v1/messages itself) and its port. */
function routeUpstream(spec: StackSpec): { service: string; port: number } {
  const g = spec.gateway;
  return g.kind === 'none' ? { service: BACKEND_SERVICE[spec.backend.kind], port: spec.backend.port } : { service: GATEWAY_SERVICE[g.kind], port: g.port ?? 0 };
}

function routeService(spec: StackSpec, route: RouteSpec): [string, Record<string, YamlValue>] {
  const up = routeUpstream(spec);
  const dependsOn = [up.service];
  if (route.kind === 'nginx') {
    return [
      'nginx',
      {
        image: 'nginx:stable',
        profiles: ['nginx'],
        depends_on: dependsOn,
        ports: [loopbackPort(route.port)],
        volumes: ['./nginx.conf:/etc/nginx/nginx.conf:ro', commented('server.pem and server.key: see docker/README.md', './certs:/etc/nginx/certs:ro')],
      },
    ];
  }
  return [
    'mitmproxy',
    {
      image: 'mitmproxy/mitmproxy:latest',
      profiles: ['mitmproxy'],
      depends_on: dependsOn,
      ports: [loopbackPort(route.port)],
      // Its CA appears in ./mitmproxy after the first start: Claude Code trusts it through NODE_EXTRA_CA_CERTS.
      volumes: ['./mitm_addon.py:/addons/addon.py:ro', commented("mitmproxy's CA (mitmproxy-ca-cert.pem) for NODE_EXTRA_CA_CERTS", './mitmproxy:/home/mitmproxy/.mitmproxy')],
      command: [
        'mitmdump',
        '--listen-port',
        String(route.port),
        commented('Requests are rewritten to the local gateway: never connect to the real host, nor to copy its certificate.', '--set'),
        'connection_strategy=lazy',
        '--set',
        'upstream_cert=false',
        '-s',
        '/addons/addon.py',
        '--set',
        `gateway_url=http://${up.service}:${up.port}`,
      ],
    },
  ];
}

/** compose.yaml for a spec. */
export function renderCompose(spec: StackSpec): string {
  const services: Record<string, YamlValue> = { [BACKEND_SERVICE[spec.backend.kind]]: backendService(spec) };
  const gateway = gatewayService(spec);
  if (gateway) services[GATEWAY_SERVICE[spec.gateway.kind as 'litellm']] = gateway;
  for (const route of spec.routes ?? []) {
    const [name, service] = routeService(spec, route);
    services[name] = commented(`Plan ${route.kind === 'nginx' ? '2' : '3'} (${route.variant === 'guide' ? "the guide's" : 'corrected'}); opt in with --profile ${route.kind}.`, service);
  }
  const doc: Record<string, YamlValue> = { name: composeProject(spec), services };
  if (spec.backend.kind === 'ollama') doc['volumes'] = { ollama: {} };
  return toYaml(doc, [...generatedHeader(spec), `${spec.title}.`, `Where it has run: ${spec.ran_here}.`]);
}

/** Every file of the compose project, by file name (compose.yaml, gateway config, route files). */
export function renderDockerFiles(spec: StackSpec): Record<string, string> {
  const files: Record<string, string> = { 'compose.yaml': renderCompose(spec) };
  const configFile = gatewayConfigFile(spec.gateway);
  const config = renderGatewayConfig(spec, 'docker');
  if (configFile !== null && config !== null) files[configFile] = config;
  const up = routeUpstream(spec);
  for (const route of spec.routes ?? []) {
    if (route.kind === 'nginx') {
      files['nginx.conf'] = renderNginxContainerConf({ variant: route.variant, listen: String(route.port), upstream: `http://${up.service}:${up.port}` }, generatedHeader(spec));
    } else {
      files['mitm_addon.py'] = readFileSync(MITM_ADDONS[route.variant], 'utf8');
    }
  }
  return files;
}
