/**
 * `perf --workload gateway-overhead`: a gateway's added latency and
 * throughput ceiling on non-streaming requests, measured with autocannon
 * (fixed duration, fixed connections) against the gateway (Messages) and
 * against its backend directly (chat completions). On the emulator the
 * backend is told to answer at once, so what remains is the gateway's own
 * cost. Summaries and comparison are pure; `runCannon` is the I/O.
 */
import { createRequire } from 'node:module';

/** The part of autocannon's options used here. */
interface CannonOptions {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
  timeout: number;
}
interface CannonInstance {
  stop(): void;
}
type Autocannon = (opts: CannonOptions, cb: (err: Error | null, result: unknown) => void) => CannonInstance;

// autocannon is CommonJS without type declarations: load it through require and type the one call used.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** One side's figures. */
export interface CannonSummary {
  readonly requests_per_s: number;
  readonly requests_total: number;
  readonly latency_p50_ms: number;
  readonly latency_p99_ms: number;
  readonly latency_mean_ms: number;
  readonly ok_2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly duration_s: number;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Read autocannon's result object (requests.average is per second; latencies in ms). */
export function summarizeCannon(raw: unknown): CannonSummary {
  const r = (raw ?? {}) as Record<string, unknown>;
  const requests = (r['requests'] ?? {}) as Record<string, unknown>;
  const latency = (r['latency'] ?? {}) as Record<string, unknown>;
  return {
    requests_per_s: num(requests['average']),
    requests_total: num(requests['total']),
    latency_p50_ms: num(latency['p50']),
    latency_p99_ms: num(latency['p99']),
    latency_mean_ms: num(latency['average']),
    ok_2xx: num(r['2xx']),
    non2xx: num(r['non2xx']),
    errors: num(r['errors']),
    timeouts: num(r['timeouts']),
    duration_s: num(r['duration']),
  };
}

/** What the gateway adds, from both sides' summaries. */
export interface OverheadComparison {
  readonly added_latency_p50_ms: number;
  readonly added_latency_p99_ms: number;
  /** Gateway requests/s over the backend's: below 1, the gateway is the ceiling. */
  readonly throughput_ratio: number | null;
}

export function compareOverhead(gateway: CannonSummary, direct: CannonSummary): OverheadComparison {
  return {
    added_latency_p50_ms: gateway.latency_p50_ms - direct.latency_p50_ms,
    added_latency_p99_ms: gateway.latency_p99_ms - direct.latency_p99_ms,
    throughput_ratio: direct.requests_per_s > 0 ? gateway.requests_per_s / direct.requests_per_s : null,
  };
}

/** The whole finding, for perf.extra.gateway_overhead. */
export interface GatewayOverheadResult {
  readonly connections: number;
  readonly duration_s: number;
  readonly gateway: CannonSummary & { readonly url: string };
  readonly direct: (CannonSummary & { readonly url: string }) | null;
  readonly added: OverheadComparison | null;
  readonly note?: string;
}

/** The request bodies: one output token (a real backend's cost stays small); on the emulator, an instant answer. */
export function overheadBodies(clientModel: string, servedModel: string, emulated: boolean): { messages: string; chat: string } {
  const content = `claude-bench gateway overhead probe.${emulated ? ' [[emulate tokens=1 ttft=0 itl=0]]' : ''}`;
  const messages = [{ role: 'user', content }];
  return {
    messages: JSON.stringify({ model: clientModel, max_tokens: 1, stream: false, messages }),
    chat: JSON.stringify({ model: servedModel, max_tokens: 1, stream: false, messages }),
  };
}

/** Run autocannon against one URL for a fixed duration (stopped early when the signal fires). */
export function runCannon(opts: {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  durationS: number;
  signal: AbortSignal;
}): Promise<CannonSummary> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...opts.headers },
        body: opts.body,
        connections: opts.connections,
        duration: opts.durationS,
        timeout: 30,
      },
      (err, result) => {
        opts.signal.removeEventListener('abort', stop);
        if (err !== null) reject(err);
        else resolve(summarizeCannon(result));
      },
    );
    function stop(): void {
      instance.stop();
    }
    opts.signal.addEventListener('abort', stop, { once: true });
  });
}

function ms(v: number, signed = false): string {
  const t = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1);
  return `${signed && v >= 0 ? '+' : ''}${t} ms`;
}

/** Console lines. */
export function renderOverhead(r: GatewayOverheadResult, tag: string): string[] {
  const row = (name: string, s: CannonSummary): string =>
    `  ${name.padEnd(9)}${`${s.requests_per_s.toFixed(1)} req/s`.padStart(14)}${ms(s.latency_p50_ms).padStart(11)}${ms(s.latency_p99_ms).padStart(11)}` +
    `   ${s.ok_2xx} ok${s.non2xx > 0 ? `, ${s.non2xx} non-2xx` : ''}${s.errors > 0 ? `, ${s.errors} errors` : ''}${s.timeouts > 0 ? `, ${s.timeouts} timeouts` : ''}`;
  const lines = [
    `Gateway overhead${tag}: non-streaming requests, autocannon, ${r.connections} connections × ${r.duration_s} s per side`,
    `  ${'side'.padEnd(9)}${'throughput'.padStart(14)}${'p50'.padStart(11)}${'p99'.padStart(11)}`,
    row('gateway', r.gateway),
  ];
  if (r.direct !== null) lines.push(row('backend', r.direct));
  if (r.added !== null) {
    lines.push(
      `  added by the gateway: p50 ${ms(r.added.added_latency_p50_ms, true)}, p99 ${ms(r.added.added_latency_p99_ms, true)}` +
        `${r.added.throughput_ratio !== null ? `; throughput ${(r.added.throughput_ratio * 100).toFixed(0)} % of the backend's` : ''}`,
    );
  }
  if (r.note !== undefined) lines.push(`  ${r.note}`);
  return lines;
}
