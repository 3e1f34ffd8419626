import type { SchedulerClock } from '../../src/emulator/timing.ts';

/** A manual clock: timers fire only when the test advances time (optionally late, to test catch-up). */
export class FakeClock implements SchedulerClock {
  t = 0;
  readonly timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + delayMs, fn });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Move to `t`, firing due timers in order (each `lateBy` ms after its due time). Bounded. */
  advanceTo(t: number, lateBy = 0): void {
    for (let guard = 0; guard < 100_000; guard++) {
      const due = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!due || due[1].at + lateBy > t) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at + lateBy);
      due[1].fn();
    }
    this.t = Math.max(this.t, t);
  }
}
