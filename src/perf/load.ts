/**
 * The load generator. Closed loop (N users, each running sessions back to
 * back: "N Claude Code users", the primary mode) or open loop (sessions
 * arriving at a constant or Poisson rate, optionally capped in flight, with
 * the scheduled time of every request kept so client-side queueing shows).
 *
 * Every run is bounded twice and stops by itself: no request is issued past
 * `maxRequests` or past `durationMs`; requests still in flight at the
 * deadline get `drainMs` more, then are cancelled. A shared AbortSignal
 * (SIGINT) stops everything at once. A warm-up phase runs first and is not
 * part of the result.
 */
import { performance } from 'node:perf_hooks';
import type { Observation } from '../types.ts';
import type { MeasuredRequest } from './metrics.ts';
import type { WireProtocol } from './marks.ts';
import { prng } from './workloads/text.ts';
import type { SessionPlan, Workload, WorkloadRequest } from './workloads/types.ts';

/** Sends one request and resolves with what came back; must honour `signal`. */
export type Dispatch = (request: WorkloadRequest, signal: AbortSignal) => Promise<Observation>;

export interface LoadPlan {
  readonly mode: 'closed' | 'constant' | 'poisson';
  /** Closed loop: concurrent users. */
  readonly users?: number;
  /** Open loop: session arrivals per second (wall clock). */
  readonly rateRps?: number;
  /** Open loop: at most this many requests in flight; the rest wait (and the wait shows as queue time). */
  readonly maxInFlight?: number;
  /** No request is issued beyond this count (side requests count). */
  readonly maxRequests: number;
  /** No request is issued after this many wall ms. */
  readonly durationMs: number;
  /** In-flight requests may finish this long after the deadline, then are cancelled. Default 60 000. */
  readonly drainMs?: number;
  /** Wall ms per model-time ms for workload delays (emulator time scale). Default 1. */
  readonly timeScale?: number;
  /** Seed of the Poisson arrivals. */
  readonly seed?: number;
  /** Warm-up requests before measuring (one per user; 0 for none). Default: users (closed) or 2 (open). */
  readonly warmupRequests?: number;
  /** First session index (so repeated runs do not resend the same prompts). Default 0. */
  readonly firstSession?: number;
}

export interface LoadEnv {
  readonly workload: Workload;
  readonly dispatch: Dispatch;
  readonly protocol?: WireProtocol;
  /** Stops the whole run (SIGINT). */
  readonly signal?: AbortSignal;
  /** Called as each request completes (warm-up included), e.g. to log it and draw progress. */
  readonly onRequest?: (request: MeasuredRequest, phase: 'warmup' | 'measure') => void;
}

export type StopReason = 'requests' | 'duration' | 'interrupted' | 'complete';

export interface LoadResult {
  /** Measured requests, in completion order. */
  readonly requests: readonly MeasuredRequest[];
  readonly warmup: readonly MeasuredRequest[];
  /** Why issuing stopped. */
  readonly stopped_by: StopReason;
  readonly issued: number;
  readonly sessions_started: number;
  /** Wall ms from the first measured send to the last completion. */
  readonly wall_ms: number;
}

const DEFAULT_DRAIN_MS = 60_000;

/** Abortable sleep that resolves (never rejects) when the time is up or the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Arrival offsets (wall ms from start) of open-loop sessions: evenly spaced or exponential gaps. Pure. */
export function arrivalOffsets(mode: 'constant' | 'poisson', rateRps: number, count: number, seed = 1): number[] {
  const gap = 1000 / rateRps;
  const out: number[] = [];
  const rand = prng(seed);
  let t = 0;
  for (let k = 0; k < count; k++) {
    out.push(t);
    // Inverse-CDF exponential gap; 1 − u avoids log(0).
    t += mode === 'constant' ? gap : -Math.log(1 - rand()) * gap;
  }
  return out;
}

/** A counting semaphore whose waiters can be released by an abort. */
class Gate {
  private free: number;
  private readonly waiters: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
  }
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      };
      const wake = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      this.waiters.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free += 1;
  }
}

/** Run one load level. Resolves once every request has completed or been cancelled. */
export async function runLoad(plan: LoadPlan, env: LoadEnv): Promise<LoadResult> {
  validatePlan(plan);
  const scale = plan.timeScale ?? 1;
  const external = env.signal;
  // `issuing` ends when no more requests may start; `running` cancels those in flight.
  const issuing = new AbortController();
  const running = new AbortController();
  let stoppedBy: StopReason = 'complete';
  const stopIssuing = (why: StopReason): void => {
    if (issuing.signal.aborted) return;
    stoppedBy = why;
    issuing.abort(new Error(`load stopped: ${why}`));
  };
  const onExternal = (): void => {
    stopIssuing('interrupted');
    running.abort(new Error('interrupted'));
  };
  if (external?.aborted) onExternal();
  external?.addEventListener('abort', onExternal, { once: true });
  const timers: NodeJS.Timeout[] = [];

  const epochNow = (): number => performance.timeOrigin + performance.now();
  const protocol = env.protocol;
  const send = async (req: WorkloadRequest, tSched: number, phase: 'warmup' | 'measure', where: Partial<MeasuredRequest>): Promise<MeasuredRequest> => {
    const observation = await env.dispatch(req, running.signal);
    const measured: MeasuredRequest = {
      observation,
      t_sched_epoch_ms: tSched,
      kind: req.kind,
      ...(protocol !== undefined ? { protocol } : {}),
      ...(req.theoretical_cached_share !== undefined ? { theoretical_cached_share: req.theoretical_cached_share } : {}),
      ...where,
    };
    env.onRequest?.(measured, phase);
    return measured;
  };

  try {
    // Warm-up: unique small requests, concurrently, bounded by the same deadline logic.
    const warmupCount = plan.warmupRequests ?? (plan.mode === 'closed' ? (plan.users ?? 1) : 2);
    const warmup: MeasuredRequest[] = [];
    if (warmupCount > 0 && !issuing.signal.aborted) {
      const warmTimer = setTimeout(() => running.abort(new Error('warm-up took too long')), Math.max(1_000, plan.drainMs ?? DEFAULT_DRAIN_MS));
      timers.push(warmTimer);
      const results = await Promise.all(
        Array.from({ length: warmupCount }, (_, i) => send(env.workload.warmup(i), epochNow(), 'warmup', { user: i })),
      );
      clearTimeout(warmTimer);
      warmup.push(...results);
      if (running.signal.aborted && !external?.aborted) {
        // The warm-up hit its bound: the target is too slow to measure; report nothing measured.
        return { requests: [], warmup, stopped_by: 'duration', issued: 0, sessions_started: 0, wall_ms: 0 };
      }
    }

    const measured: MeasuredRequest[] = [];
    let issued = 0;
    let nextSession = plan.firstSession ?? 0;
    const startedAt = performance.now();
    const take = (): boolean => {
      if (issuing.signal.aborted) return false;
      if (issued >= plan.maxRequests) {
        stopIssuing('requests');
        return false;
      }
      issued += 1;
      return true;
    };
    timers.push(
      setTimeout(() => {
        stopIssuing('duration');
        timers.push(setTimeout(() => running.abort(new Error('run deadline: cancelled in flight')), plan.drainMs ?? DEFAULT_DRAIN_MS));
      }, plan.durationMs),
    );

    const gate = plan.maxInFlight !== undefined ? new Gate(plan.maxInFlight) : null;
    /** Run one session's steps; `firstSched` is when its first request was meant to go (open loop). */
    /** Returns how many requests the session issued. */
    const runSession = async (session: SessionPlan, user: number, firstSched: number | null): Promise<number> => {
      const inFlight: Array<Promise<unknown>> = [];
      let sent = 0;
      for (let k = 0; k < session.steps.length; k++) {
        const step = session.steps[k];
        if (step === undefined) break;
        if (firstSched === null || k > 0) await sleep(step.delay_ms * scale, issuing.signal);
        const tSched = k === 0 && firstSched !== null ? firstSched : epochNow();
        if (!take()) break;
        sent += 1;
        const where = { user, session_id: session.id, turn: k };
        for (const side of step.side ?? []) {
          if (!take()) break;
          sent += 1;
          inFlight.push(guarded(side, tSched, where));
        }
        const main = await guarded(step.main, tSched, where);
        if (main === null) break;
      }
      await Promise.all(inFlight);
      return sent;
    };
    /** Send through the in-flight gate (open loop); null when cancelled while waiting. */
    const guarded = async (req: WorkloadRequest, tSched: number, where: Partial<MeasuredRequest>): Promise<MeasuredRequest | null> => {
      if (gate !== null && !(await gate.acquire(running.signal))) return null;
      try {
        const m = await send(req, tSched, 'measure', where);
        measured.push(m);
        return m;
      } finally {
        gate?.release();
      }
    };

    if (plan.mode === 'closed') {
      const users = plan.users ?? 1;
      await Promise.all(
        Array.from({ length: users }, async (_, user) => {
          while (!issuing.signal.aborted) {
            const sent = await runSession(env.workload.session(nextSession++), user, null);
            // A workload whose sessions send nothing would spin here without yielding: stop instead.
            if (sent === 0 && !issuing.signal.aborted) stopIssuing('complete');
          }
        }),
      );
    } else {
      const rate = plan.rateRps ?? 1;
      const offsets = arrivalOffsets(plan.mode, rate, plan.maxRequests, plan.seed);
      const sessions: Array<Promise<number>> = [];
      for (const [i, offset] of offsets.entries()) {
        await sleep(startedAt + offset - performance.now(), issuing.signal);
        if (issuing.signal.aborted) break;
        const sched = performance.timeOrigin + startedAt + offset;
        sessions.push(runSession(env.workload.session(nextSession++), i, sched));
      }
      if (!issuing.signal.aborted) stopIssuing('requests');
      await Promise.all(sessions);
    }
    const wall = measured.length === 0 ? 0 : performance.now() - startedAt;
    return { requests: measured, warmup, stopped_by: stoppedBy, issued, sessions_started: nextSession - (plan.firstSession ?? 0), wall_ms: wall };
  } finally {
    for (const t of timers) clearTimeout(t);
    external?.removeEventListener('abort', onExternal);
  }
}

function validatePlan(plan: LoadPlan): void {
  const bad = (what: string): never => {
    throw new RangeError(`load plan: ${what}`);
  };
  if (!(plan.maxRequests >= 1) || !Number.isFinite(plan.maxRequests)) bad('maxRequests must be ≥ 1');
  if (!(plan.durationMs > 0) || !Number.isFinite(plan.durationMs)) bad('durationMs must be a positive finite number');
  if (plan.mode === 'closed' && !(Number.isInteger(plan.users ?? 1) && (plan.users ?? 1) >= 1)) bad('users must be a positive integer');
  if (plan.mode !== 'closed' && !((plan.rateRps ?? 0) > 0)) bad('rateRps must be positive for open-loop modes');
}
