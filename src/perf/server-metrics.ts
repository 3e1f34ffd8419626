/**
 * The server's view of a load level: vLLM's Prometheus `/metrics` scraped at
 * the start, every second or so, and at the end of the level. The parser and
 * the summary are pure; the scraper is the only I/O (through the project's
 * HTTP client) and is bounded in samples.
 */
import type { Client } from '../client/index.ts';

/** One sample line: `name{labels} value`. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?\s*$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parse Prometheus text exposition (comments and malformed lines skipped). */
export function parsePrometheusText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (m === null) continue;
    const value = Number(m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : m[3]);
    if (Number.isNaN(value)) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1] as string, labels, value });
  }
  return out;
}

/** The few figures perf reads off one scrape (summed over label sets: several engines or models). */
export interface ServerSnapshot {
  /** Client clock, ms since the level's start. */
  readonly t_ms: number;
  readonly running: number | null;
  readonly waiting: number | null;
  /** KV-cache usage 0..1 (vllm:kv_cache_usage_perc, older vllm:gpu_cache_usage_perc); max over engines. */
  readonly kv_cache_usage: number | null;
  /** Counters: prefix-cache queried and hit tokens. */
  readonly prefix_queries: number | null;
  readonly prefix_hits: number | null;
}

function sum(samples: readonly PromSample[], ...names: string[]): number | null {
  for (const name of names) {
    const hits = samples.filter((s) => s.name === name);
    if (hits.length > 0) return hits.reduce((a, s) => a + s.value, 0);
  }
  return null;
}

function max(samples: readonly PromSample[], ...names: string[]): number | null {
  for (const name of names) {
    const hits = samples.filter((s) => s.name === name);
    if (hits.length > 0) return Math.max(...hits.map((s) => s.value));
  }
  return null;
}

/** Read vLLM's gauges and counters out of a /metrics text. */
export function vllmSnapshot(text: string, tMs: number): ServerSnapshot {
  const s = parsePrometheusText(text);
  return {
    t_ms: tMs,
    running: sum(s, 'vllm:num_requests_running'),
    waiting: sum(s, 'vllm:num_requests_waiting'),
    kv_cache_usage: max(s, 'vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'),
    prefix_queries: sum(s, 'vllm:prefix_cache_queries_total', 'vllm:gpu_prefix_cache_queries_total'),
    prefix_hits: sum(s, 'vllm:prefix_cache_hits_total', 'vllm:gpu_prefix_cache_hits_total'),
  };
}

/** The server's view of one level, for PerfRun.extra.server. */
export interface ServerLevelSummary {
  readonly url: string;
  readonly scrapes: number;
  readonly scrape_errors: number;
  readonly max_running: number | null;
  readonly max_waiting: number | null;
  readonly max_kv_cache_usage: number | null;
  /** Prefix-cache hit rate over the level: Δhits / Δqueries between the first and last scrape (null: no queries). */
  readonly prefix_cache_hit_rate: number | null;
  readonly prefix_cache_queried_tokens: number | null;
  /** When nothing could be read: why. */
  readonly note?: string;
}

function maxOf(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length === 0 ? null : Math.max(...v);
}

/** Summarise the snapshots of one level (first → last for the counters; a counter reset counts from zero). */
export function summarizeServer(url: string, snaps: readonly ServerSnapshot[], errors: number): ServerLevelSummary {
  const withPrefix = snaps.filter((s) => s.prefix_queries !== null && s.prefix_hits !== null);
  let rate: number | null = null;
  let queried: number | null = null;
  const first = withPrefix[0];
  const last = withPrefix.at(-1);
  if (first !== undefined && last !== undefined && withPrefix.length >= 2) {
    const reset = (last.prefix_queries as number) < (first.prefix_queries as number);
    const dq = reset ? (last.prefix_queries as number) : (last.prefix_queries as number) - (first.prefix_queries as number);
    const dh = reset ? (last.prefix_hits as number) : (last.prefix_hits as number) - (first.prefix_hits as number);
    queried = dq;
    rate = dq > 0 ? Math.min(1, Math.max(0, dh / dq)) : null;
  }
  return {
    url,
    scrapes: snaps.length,
    scrape_errors: errors,
    max_running: maxOf(snaps.map((s) => s.running)),
    max_waiting: maxOf(snaps.map((s) => s.waiting)),
    max_kv_cache_usage: maxOf(snaps.map((s) => s.kv_cache_usage)),
    prefix_cache_hit_rate: rate,
    prefix_cache_queried_tokens: queried,
    ...(snaps.length === 0 ? { note: errors > 0 ? `${errors} scrapes of /metrics failed` : 'no scrape completed' } : {}),
  };
}

/** A running scraper of one level. */
export interface MetricsScraper {
  /** Take the last scrape, stop, and summarise. */
  stop(): Promise<ServerLevelSummary>;
}

export interface ScraperOptions {
  /** A client on the backend's base URL (its /metrics is scraped). */
  readonly client: Client;
  /** The URL shown in the summary (redacted by the caller). */
  readonly label: string;
  /** Default 1000 ms. */
  readonly intervalMs?: number;
  /** Bound on periodic scrapes per level (start and end come on top). Default 600. */
  readonly maxScrapes?: number;
}

/** Scrape once now, then every interval (one at a time, bounded), and once more at stop(). */
export function startMetricsScraper(options: ScraperOptions): MetricsScraper {
  const t0 = performance.now();
  const snaps: ServerSnapshot[] = [];
  let errors = 0;
  let periodic = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const scrapeOnce = async (): Promise<void> => {
    try {
      const o = await options.client.send({ method: 'GET', path: '/metrics', auth: 'none', label: 'perf:metrics' });
      if (o.status === 200 && o.body !== null) snaps.push(vllmSnapshot(o.body, performance.now() - t0));
      else errors += 1;
    } catch {
      errors += 1;
    }
  };
  const chain = (): void => {
    inFlight = inFlight.then(scrapeOnce);
  };
  chain();
  const maxScrapes = options.maxScrapes ?? 600;
  const timer = setInterval(() => {
    if (periodic >= maxScrapes) return;
    periodic += 1;
    chain();
  }, options.intervalMs ?? 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      chain();
      await inFlight;
      return summarizeServer(options.label, snaps, errors);
    },
  };
}
