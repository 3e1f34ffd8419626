/**
 * What the batching model predicts for N closed-loop users, computed on a
 * virtual clock (no real time passes): each user sends a request, waits for
 * its last token, thinks, and sends the next. Used to calibrate profiles
 * and by perf to print the model's own prediction next to what it measured.
 * Pure and deterministic.
 */
import { BatchScheduler, type BatchingModel, type FinishedRecord } from './batching.ts';
import type { SchedulerClock } from './timing.ts';

/** The load: every figure in model time. */
export interface ClosedLoopWorkload {
  readonly users: number;
  /** Requests each user sends; the first of each user is warm-up and left out of the figures. */
  readonly requestsPerUser: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Pause between a response's last token and the user's next request, ms. */
  readonly thinkMs: number;
  /** Leading prompt tokens every request shares (a system prompt and tools); default 0. */
  readonly sharedPrefixTokens?: number;
  /** Users start this far apart, ms; default 0 (all at once, as a closed-loop generator does). */
  readonly staggerMs?: number;
  /**
   * Relative spread of prompt length, output length and think time: each is
   * drawn uniformly from value × [1 − spread, 1 + spread] (seeded, so
   * deterministic). Default 0.5. Without it, users that share a batch decode
   * in lockstep, finish together and collide again on every turn (a convoy
   * real traffic does not keep).
   */
  readonly spread?: number;
  /** PRNG seed; default 1. */
  readonly seed?: number;
}

/** The figures design.md defines, predicted (model ms). */
export interface ClosedLoopPrediction {
  readonly users: number;
  /** Requests in the figures (warm-up excluded). */
  readonly n: number;
  readonly ttft_ms: { readonly p50: number; readonly p95: number };
  /** (E2EL − TTFT)/(N − 1) per request. */
  readonly tpot_ms: { readonly p50: number; readonly p95: number };
  /** 1/TPOT per request, median: the guide's "tokens/s per user". */
  readonly output_tokens_per_s_p50: number;
  readonly e2el_ms: { readonly p50: number; readonly p99: number };
  /** Output tokens over the whole simulated time, per second. */
  readonly aggregate_output_tokens_per_s: number;
}

/** A clock that jumps from timer to timer. */
class VirtualClock implements SchedulerClock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { readonly at: number; readonly order: number; readonly fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, delayMs: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, delayMs), order: id, fn });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Fire timers in time order until none is left or `maxFirings` is reached. */
  run(maxFirings: number): void {
    for (let i = 0; i < maxFirings; i++) {
      let next: [number, { at: number; order: number; fn: () => void }] | undefined;
      for (const entry of this.timers) {
        if (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].order < next[1].order)) next = entry;
      }
      if (!next) return;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
  }
}

/** Simulate `workload` on `model` and summarise it. */
export function simulateClosedLoop(model: BatchingModel, workload: ClosedLoopWorkload): ClosedLoopPrediction {
  const clock = new VirtualClock();
  const owners = new Map<number, { readonly user: number; readonly index: number }>();
  const measured: FinishedRecord[] = [];
  let tokens = 0;
  const B = model.prefixBlockTokens;
  const shared = Math.min(workload.sharedPrefixTokens ?? 0, workload.promptTokens);
  const sharedBlocks = Array.from({ length: Math.floor(shared / B) }, (_, i) => `shared-${i}`);
  const random = mulberry32(workload.seed ?? 1);
  const spread = Math.min(1, Math.max(0, workload.spread ?? 0.5));
  const vary = (value: number): number => value * (1 - spread + 2 * spread * random());

  const send = (user: number, index: number): void => {
    const promptTokens = Math.max(shared + 1, Math.round(shared + vary(workload.promptTokens - shared)));
    const outputTokens = Math.max(1, Math.round(vary(workload.outputTokens)));
    // Blocks past the shared prefix are unique to this request: a distinct prompt.
    const unique = Array.from({ length: Math.floor(promptTokens / B) - sharedBlocks.length }, (_, i) => `u${user}-r${index}-${i}`);
    const ticket = scheduler.submit(
      { promptTokens, outputTokens, blockHashes: [...sharedBlocks, ...unique] },
      { onToken: () => void tokens++ },
    );
    owners.set(ticket.id, { user, index });
  };
  const scheduler = new BatchScheduler(model, {
    clock,
    onFinished: (record) => {
      const owner = owners.get(record.id);
      if (!owner) return;
      if (owner.index > 0) measured.push(record);
      if (owner.index + 1 < workload.requestsPerUser) clock.setTimer(() => send(owner.user, owner.index + 1), vary(workload.thinkMs));
    },
  });

  for (let u = 0; u < workload.users; u++) {
    const start = (workload.staggerMs ?? 0) * u;
    clock.setTimer(() => send(u, 0), start);
  }
  clock.run(50_000_000);
  const elapsed = clock.now();
  scheduler.close();
  return summarise(workload.users, measured, tokens, elapsed);
}

function summarise(users: number, records: readonly FinishedRecord[], tokens: number, elapsedMs: number): ClosedLoopPrediction {
  const ttft = records.map((r) => r.ttftMs);
  const tpot = records.filter((r) => r.outputTokens >= 2).map((r) => r.decodeMs / (r.outputTokens - 1));
  const e2el = records.map((r) => r.e2eMs);
  const perUser = tpot.filter((t) => t > 0).map((t) => 1000 / t);
  return {
    users,
    n: records.length,
    ttft_ms: { p50: percentile(ttft, 50), p95: percentile(ttft, 95) },
    tpot_ms: { p50: percentile(tpot, 50), p95: percentile(tpot, 95) },
    output_tokens_per_s_p50: percentile(perUser, 50),
    e2el_ms: { p50: percentile(e2el, 50), p99: percentile(e2el, 99) },
    aggregate_output_tokens_per_s: elapsedMs > 0 ? (tokens * 1000) / elapsedMs : 0,
  };
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Linear-interpolation percentile (numpy's default); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (rank - lo);
}
