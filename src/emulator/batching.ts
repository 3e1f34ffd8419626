/**
 * The continuous-batching timing model: a deterministic engine loop in the
 * manner of vLLM's v1 scheduler, driven by an injected clock.
 *
 * - At most `maxNumSeqs` sequences run at once; the rest wait in a FIFO queue.
 * - A request reaches the queue `requestOverheadMs` after it arrives (API
 *   server, tokenisation, hand-off to the engine).
 * - The engine runs one step after another while it has work. A step takes,
 *   in this order, every running sequence (decoding ones 1 token each, ones
 *   still in prefill a chunk of their prompt), then admits waiting requests
 *   while a slot and token budget (`maxNumBatchedTokens`, chunked prefill)
 *   remain. On admission the prefix cache says how many prompt tokens are
 *   already computed: whole blocks, never the block holding the last prompt
 *   token (it is recomputed to sample the first output token).
 * - Step time (model ms) = decodeStepMs × (1 + decodeStepGrowth × (seqs − 1))
 *   + prefillTokens × 1000 / prefillTokensPerS, where seqs counts every
 *   sequence in the step. The first term is the memory-bound pass over the
 *   weights (it grows slowly with the batch: KV reads, sampling); the second
 *   the compute-bound prefill of UNCACHED prompt tokens.
 * - At the end of a step each decoding sequence emits one token, and a
 *   sequence whose prefill completed in the step emits its first token.
 *   Its full prompt blocks then enter the prefix cache.
 *
 * Time: every model duration is multiplied by `timeScale` on the clock
 * (0.1 = ten times faster). Steps are placed on an absolute timeline: a late
 * timer emits every step already due and the next keeps its slot, so
 * lateness does not accumulate. Records and hook times are reported both on
 * the clock and, in FinishedRecord, in model milliseconds (clock / timeScale).
 */
import { PrefixCache } from './prefix-cache.ts';
import { realClock, type SchedulerClock } from './timing.ts';

/** The model's parameters (model time, i.e. as on the emulated hardware). */
export interface BatchingModel {
  /** vLLM --max-num-seqs: sequences in one batch. */
  readonly maxNumSeqs: number;
  /** vLLM --max-num-batched-tokens: tokens (decode + prefill chunk) per step. */
  readonly maxNumBatchedTokens: number;
  /** Prefill speed for uncached prompt tokens, tokens/s. */
  readonly prefillTokensPerS: number;
  /** Step time with one sequence, ms (1000 / decodeStepMs = single-stream tokens/s). */
  readonly decodeStepMs: number;
  /** α in step = decodeStepMs × (1 + α·(seqs − 1)). */
  readonly decodeStepGrowth: number;
  /** Arrival → waiting queue, ms. */
  readonly requestOverheadMs: number;
  /** Tokens per prefix-cache block (vLLM --block-size, 16). */
  readonly prefixBlockTokens: number;
  /** Prefix-cache capacity in blocks; 0 disables prefix caching. */
  readonly prefixCacheBlocks: number;
  /** KV-cache capacity in tokens, for the usage gauge. */
  readonly kvCacheTokens: number;
}

/** Duration of one engine step in model ms. Pure. */
export function stepDurationMs(model: BatchingModel, seqs: number, prefillTokens: number): number {
  if (seqs <= 0) return 0;
  return model.decodeStepMs * (1 + model.decodeStepGrowth * (seqs - 1)) + (prefillTokens * 1000) / model.prefillTokensPerS;
}

/** What one request asks of the engine. */
export interface BatchRequestSpec {
  readonly promptTokens: number;
  /** Tokens to generate (at least 1 is generated). */
  readonly outputTokens: number;
  /** Chained hashes of the prompt's full blocks (prefix-cache.ts blockHashes); [] = nothing cacheable. */
  readonly blockHashes: readonly string[];
}

/** Per-request callbacks. */
export interface BatchRequestHooks {
  /**
   * Token `index` is out. `atMs` is its place on the clock's timeline (the
   * end of the step that produced it), which may be earlier than now when
   * the timer fired late.
   */
  onToken(index: number, last: boolean, atMs: number): void;
}

/** A finished request's timeline, in model ms (as on the emulated hardware). */
export interface FinishedRecord {
  /** The ticket id. */
  readonly id: number;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly outputTokens: number;
  /** Arrival → admission into a batch (overhead + time in the waiting queue). */
  readonly queuedMs: number;
  /** Admission → first token. */
  readonly prefillMs: number;
  /** First → last token. */
  readonly decodeMs: number;
  /** Arrival → first token. */
  readonly ttftMs: number;
  /** Arrival → last token. */
  readonly e2eMs: number;
  /** Gaps between consecutive tokens. */
  readonly itlMs: readonly number[];
}

/** A submitted request. */
export interface BatchTicket {
  /** Engine-internal id (unique per scheduler). */
  readonly id: number;
  /** Drop it (client gone, injected abort): frees its slot from the next step on. Idempotent. */
  cancel(): void;
}

export interface BatchSchedulerOptions {
  readonly clock?: SchedulerClock;
  /** Clock ms per model ms; default 1. */
  readonly timeScale?: number;
  /** Called once per request that produced all its tokens. */
  readonly onFinished?: (record: FinishedRecord) => void;
}

/** Prefix-cache counters in tokens, as vLLM's `prefix_cache_queries` / `prefix_cache_hits`. */
export interface PrefixCacheCounters {
  readonly queries: number;
  readonly hits: number;
}

interface Seq {
  readonly id: number;
  readonly spec: BatchRequestSpec;
  readonly outputTokens: number;
  readonly hooks: BatchRequestHooks;
  readonly arrivalAt: number;
  readonly readyAt: number;
  admittedAt: number;
  cachedTokens: number;
  /** Prompt tokens computed or found cached. */
  computed: number;
  /** Blocks already offered to the cache. */
  cachedBlocks: number;
  emitted: number;
  firstAt: number;
  lastAt: number;
  readonly gaps: number[];
  /** live → finished (every token out) or aborted (cancelled, also from inside its own last-token hook). */
  state: 'live' | 'finished' | 'aborted';
}

interface Step {
  readonly start: number;
  readonly end: number;
  readonly parts: ReadonlyArray<{ readonly seq: Seq; readonly prefill: number }>;
}

/** Clock rounding slack, as in timing.ts. */
const EPSILON_MS = 0.05;

/** The engine loop. One timer at most; nothing blocks the event loop. */
export class BatchScheduler {
  private readonly clock: SchedulerClock;
  private readonly timeScale: number;
  private readonly onFinished: ((record: FinishedRecord) => void) | undefined;
  private readonly cache: PrefixCache;
  private readonly waiting: Seq[] = [];
  private readonly running: Seq[] = [];
  private step: Step | undefined;
  private lastEnd = Number.NEGATIVE_INFINITY;
  private timer: unknown = undefined;
  private nextId = 1;
  private closed = false;
  /** Set while pump() runs: a hook that submits (a closed-loop client) must not start a second loop. */
  private pumping = false;
  private queries = 0;
  private hits = 0;

  constructor(
    readonly model: BatchingModel,
    options: BatchSchedulerOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.timeScale = options.timeScale ?? 1;
    this.onFinished = options.onFinished;
    this.cache = new PrefixCache(model.prefixCacheBlocks);
  }

  /** Sequences in the batch (vllm:num_requests_running). */
  get runningCount(): number {
    return this.running.length;
  }

  /** Requests not yet admitted, including those still in the arrival overhead (vllm:num_requests_waiting). */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Share of the KV cache the running sequences hold, 0..1 (vllm:kv_cache_usage_perc). */
  get kvCacheUsage(): number {
    let tokens = 0;
    for (const seq of this.running) tokens += seq.computed + seq.emitted;
    return Math.min(1, tokens / Math.max(1, this.model.kvCacheTokens));
  }

  /** Prefix-cache queries and hits so far, in tokens. */
  get prefixCache(): PrefixCacheCounters {
    return { queries: this.queries, hits: this.hits };
  }

  /** Forget every cached prefix block (vLLM's POST /reset_prefix_cache). Counters are kept. */
  resetPrefixCache(): void {
    this.cache.clear();
  }

  /** Queue a request now. Its tokens come through `hooks.onToken`. */
  submit(spec: BatchRequestSpec, hooks: BatchRequestHooks): BatchTicket {
    const now = this.clock.now();
    const seq: Seq = {
      id: this.nextId++,
      spec,
      outputTokens: Math.max(1, Math.floor(spec.outputTokens)),
      hooks,
      arrivalAt: now,
      readyAt: now + this.model.requestOverheadMs * this.timeScale,
      admittedAt: Number.NaN,
      cachedTokens: 0,
      computed: 0,
      cachedBlocks: 0,
      emitted: 0,
      firstAt: Number.NaN,
      lastAt: Number.NaN,
      gaps: [],
      state: this.closed ? 'aborted' : 'live',
    };
    if (!this.closed) {
      this.waiting.push(seq);
      this.pump();
    }
    return { id: seq.id, cancel: () => this.cancel(seq) };
  }

  /** Cancel everything and stop the timer. Idempotent. */
  close(): void {
    this.closed = true;
    for (const seq of [...this.waiting, ...this.running]) seq.state = 'aborted';
    this.waiting.length = 0;
    this.running.length = 0;
    this.step = undefined;
    this.clearTimer();
  }

  private cancel(seq: Seq): void {
    if (seq.state !== 'live') return;
    seq.state = 'aborted';
    remove(this.waiting, seq);
    remove(this.running, seq);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Run every step that is due, then arm the timer for the next event. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.runDue();
    } finally {
      this.pumping = false;
    }
  }

  private runDue(): void {
    this.clearTimer();
    if (this.closed) return;
    const now = this.clock.now();
    for (;;) {
      const step = this.step;
      if (step) {
        if (step.end > now + EPSILON_MS) {
          this.arm(step.end - now);
          return;
        }
        this.step = undefined;
        this.lastEnd = step.end;
        this.complete(step);
        if (this.closed) return;
        this.startStep(step.end);
        continue;
      }
      const head = this.waiting[0];
      if (this.running.length > 0) {
        this.startStep(Math.max(this.lastEnd, now));
        if (this.step) continue;
      }
      if (!head) return;
      if (head.readyAt > now + EPSILON_MS) {
        this.arm(head.readyAt - now);
        return;
      }
      this.startStep(Math.max(head.readyAt, this.lastEnd));
      // No step means no slot and no runner: cannot happen with maxNumSeqs ≥ 1; stop rather than spin.
      if (!this.step) return;
    }
  }

  private arm(delayMs: number): void {
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(1, Math.ceil(delayMs)));
  }

  /** Compose the step starting at `at` (running first, then FIFO admissions) and place it on the timeline. */
  private startStep(at: number): void {
    let budget = this.model.maxNumBatchedTokens;
    const parts: Array<{ seq: Seq; prefill: number }> = [];
    for (const seq of this.running) {
      if (budget <= 0) break;
      const remaining = seq.spec.promptTokens - seq.computed;
      const take = remaining > 0 ? Math.min(remaining, budget) : 0;
      parts.push({ seq, prefill: take });
      budget -= remaining > 0 ? take : 1;
    }
    while (budget > 0 && this.running.length < this.model.maxNumSeqs) {
      const head = this.waiting[0];
      if (!head || head.readyAt > at + EPSILON_MS) break;
      this.waiting.shift();
      this.admit(head, at);
      const take = Math.min(head.spec.promptTokens - head.computed, budget);
      parts.push({ seq: head, prefill: take });
      budget -= take;
    }
    if (parts.length === 0) return;
    const prefill = parts.reduce((sum, p) => sum + p.prefill, 0);
    const duration = stepDurationMs(this.model, parts.length, prefill) * this.timeScale;
    this.step = { start: at, end: at + duration, parts };
  }

  private admit(seq: Seq, at: number): void {
    const prompt = seq.spec.promptTokens;
    const B = this.model.prefixBlockTokens;
    const hitBlocks = this.model.prefixCacheBlocks > 0 ? this.cache.lookup(seq.spec.blockHashes) : 0;
    // As vLLM: the last prompt token is always computed (its logits sample the first output), so a
    // fully cached prompt gives up its last block: at most floor((prompt − 1) / B) blocks count.
    const usable = Math.min(hitBlocks, Math.floor(Math.max(0, prompt - 1) / B));
    seq.cachedTokens = usable * B;
    seq.computed = seq.cachedTokens;
    seq.cachedBlocks = usable;
    seq.admittedAt = at;
    this.queries += prompt;
    this.hits += seq.cachedTokens;
    this.running.push(seq);
  }

  private complete(step: Step): void {
    for (const { seq, prefill } of step.parts) {
      if (seq.state !== 'live') continue;
      if (seq.computed < seq.spec.promptTokens) {
        seq.computed += prefill;
        this.offerBlocks(seq);
        if (seq.computed < seq.spec.promptTokens) continue;
      }
      this.emit(seq, step.end);
    }
  }

  /** Put the prompt blocks computed so far into the prefix cache. */
  private offerBlocks(seq: Seq): void {
    const full = Math.min(seq.spec.blockHashes.length, Math.floor(seq.computed / this.model.prefixBlockTokens));
    for (; seq.cachedBlocks < full; seq.cachedBlocks++) {
      const hash = seq.spec.blockHashes[seq.cachedBlocks];
      if (hash !== undefined) this.cache.insert(hash);
    }
  }

  private emit(seq: Seq, at: number): void {
    const index = seq.emitted++;
    if (index === 0) seq.firstAt = at;
    else seq.gaps.push((at - seq.lastAt) / this.timeScale);
    seq.lastAt = at;
    const last = seq.emitted >= seq.outputTokens;
    if (last) remove(this.running, seq);
    try {
      seq.hooks.onToken(index, last, at);
    } catch {
      // A hook's failure (a socket gone bad) must not stop the engine for everyone else.
    }
    // The hook may have cancelled it (an injected drop at the end): then it did not finish.
    if (last && seq.state === 'live') {
      seq.state = 'finished';
      this.onFinished?.(this.record(seq));
    }
  }

  private record(seq: Seq): FinishedRecord {
    const s = this.timeScale;
    return {
      id: seq.id,
      promptTokens: seq.spec.promptTokens,
      cachedTokens: seq.cachedTokens,
      outputTokens: seq.emitted,
      queuedMs: (seq.admittedAt - seq.arrivalAt) / s,
      prefillMs: (seq.firstAt - seq.admittedAt) / s,
      decodeMs: (seq.lastAt - seq.firstAt) / s,
      ttftMs: (seq.firstAt - seq.arrivalAt) / s,
      e2eMs: (seq.lastAt - seq.arrivalAt) / s,
      itlMs: seq.gaps,
    };
  }
}

function remove<T>(list: T[], item: T): void {
  const at = list.indexOf(item);
  if (at >= 0) list.splice(at, 1);
}
