/** Types shared by the route options (`--via nginx | nginx-guide | mitmproxy | mitmproxy-guide`). */
import type { RouteVariant } from './nginx-conf.ts';

/** Route names as given to `--via`. */
export const ROUTE_NAMES = ['nginx', 'nginx-guide', 'mitmproxy', 'mitmproxy-guide'] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export function isRouteName(value: string): value is RouteName {
  return (ROUTE_NAMES as readonly string[]).includes(value);
}

/** Kind and configuration of a route name. */
export function routeParts(name: RouteName): { readonly kind: 'nginx' | 'mitmproxy'; readonly variant: RouteVariant } {
  const kind = name.startsWith('nginx') ? 'nginx' : 'mitmproxy';
  return { kind, variant: name.endsWith('-guide') ? 'guide' : 'corrected' };
}

/** How a client takes the route, exactly as Claude Code would. */
export interface RouteClient {
  /** Base URL the client targets (nginx: https://127.0.0.1:P; mitmproxy: https://api.anthropic.com). */
  readonly baseUrl: string;
  /** Forward proxy (mitmproxy), as in HTTPS_PROXY. */
  readonly proxy?: string;
  /** CA certificate (PEM) the client must trust, and its file (for NODE_EXTRA_CA_CERTS). */
  readonly caCert: string;
  readonly caFile: string;
}

/** A route that is up, in front of a gateway. */
export interface RunningRoute {
  readonly name: RouteName;
  readonly kind: 'nginx' | 'mitmproxy';
  readonly variant: RouteVariant;
  /** e.g. "nginx 1.22.1 (the guide's config)". */
  readonly description: string;
  readonly client: RouteClient;
  /** The environment Claude Code needs to take the same path. */
  readonly claudeCodeEnv: Readonly<Record<string, string>>;
  readonly pid: number | undefined;
  /** name → file (config, logs), copied into the run's log folder. */
  readonly logs: Readonly<Record<string, string>>;
  /** Stop the proxy, keep its logs, remove its private folder. Idempotent; never throws. */
  stop(): Promise<void>;
}

/** Options of startRoute. */
export interface RouteStartOptions {
  /** The gateway the route forwards to, e.g. http://127.0.0.1:3456. */
  readonly upstream: string;
  /** Where configs and logs are kept. */
  readonly logDir: string;
  readonly deadline: number;
  readonly signal?: AbortSignal;
  /** Keys that must never reach the proxy's logs. */
  readonly secrets?: readonly string[];
}
