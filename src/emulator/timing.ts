/**
 * Token timing. Token i of a request is due at the absolute time
 * start + ttft + i·itl (monotonic clock), never "previous write + itl", so
 * lateness does not accumulate: a late timer writes every token already due
 * and the next one keeps its original slot. One timer per request; nothing
 * blocks the event loop.
 */

/** Absolute due time (ms, same clock as `startMs`) of generated token `index`. */
export function tokenDueAt(startMs: number, ttftMs: number, itlMs: number, index: number): number {
  return startMs + ttftMs + index * itlMs;
}

/** When a non-streaming response is complete: the due time of its last token. */
export function responseDueAt(startMs: number, ttftMs: number, itlMs: number, tokenCount: number): number {
  return tokenDueAt(startMs, ttftMs, itlMs, Math.max(0, tokenCount - 1));
}

/** The clock and timers a schedule runs on (injectable for tests). */
export interface SchedulerClock {
  now(): number;
  setTimer(fn: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const realClock: SchedulerClock = {
  now: () => performance.now(),
  setTimer: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface ScheduleHandle {
  /** Stop: clears the pending timer; no further steps run. Idempotent. */
  cancel(): void;
  /** True once every step ran or the schedule was cancelled. */
  readonly finished: boolean;
}

export interface ScheduleSpec {
  readonly count: number;
  /** Absolute due time of step i, on `clock.now()`'s scale. */
  dueAt(index: number): number;
  /** Run step i. Returning false stops the schedule (e.g. the client went away). */
  onStep(index: number): boolean | void;
  /** Called once after the last step (not after cancel). */
  onDone?(): void;
}

/** Run `count` steps at their due times. The first due step runs synchronously if already due. */
export function runSchedule(spec: ScheduleSpec, clock: SchedulerClock = realClock): ScheduleHandle {
  let next = 0;
  let timer: unknown = undefined;
  let finished = false;

  const stop = (): void => {
    finished = true;
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
  };

  const tick = (): void => {
    timer = undefined;
    if (finished) return;
    const now = clock.now();
    // Everything due by now (within a rounding hair) goes out in this tick.
    while (next < spec.count && spec.dueAt(next) <= now + 0.05) {
      const index = next++;
      if (spec.onStep(index) === false) {
        stop();
        return;
      }
      if (finished) return;
    }
    if (next >= spec.count) {
      finished = true;
      spec.onDone?.();
      return;
    }
    timer = clock.setTimer(tick, Math.max(1, Math.ceil(spec.dueAt(next) - now)));
  };

  tick();
  return {
    cancel: stop,
    get finished() {
      return finished;
    },
  };
}
