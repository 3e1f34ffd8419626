import { describe, expect, it } from 'vitest';
import { responseDueAt, runSchedule, tokenDueAt, type SchedulerClock } from '../../../src/emulator/timing.ts';

/** A manual clock: timers fire only when the test advances time (and may be made to fire late). */
class FakeClock implements SchedulerClock {
  t = 0;
  timers = new Map<number, { at: number; fn: () => void }>();
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
  /** Move to `t`, firing due timers (each `lateBy` ms after its due time). */
  advanceTo(t: number, lateBy = 0): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const due = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!due || due[1].at + lateBy > t) break;
      this.timers.delete(due[0]);
      this.t = due[1].at + lateBy;
      due[1].fn();
    }
    this.t = t;
  }
}

describe('token schedule', () => {
  it('places token i at start + ttft + i·itl', () => {
    expect(tokenDueAt(1000, 50, 5, 0)).toBe(1050);
    expect(tokenDueAt(1000, 50, 5, 10)).toBe(1100);
    expect(responseDueAt(1000, 50, 5, 11)).toBe(1100);
    expect(responseDueAt(1000, 50, 5, 0)).toBe(1050);
  });

  it('runs steps at their absolute due times', () => {
    const clock = new FakeClock();
    const ran: Array<[number, number]> = [];
    let done = false;
    runSchedule(
      { count: 4, dueAt: (i) => tokenDueAt(0, 50, 10, i), onStep: (i) => void ran.push([i, clock.now()]), onDone: () => (done = true) },
      clock,
    );
    expect(ran).toEqual([]);
    clock.advanceTo(1000);
    expect(ran).toEqual([
      [0, 50],
      [1, 60],
      [2, 70],
      [3, 80],
    ]);
    expect(done).toBe(true);
    expect(clock.timers.size).toBe(0);
  });

  it('does not accumulate drift when timers fire late', () => {
    const clock = new FakeClock();
    const ran: Array<[number, number]> = [];
    runSchedule({ count: 20, dueAt: (i) => tokenDueAt(0, 50, 10, i), onStep: (i) => void ran.push([i, clock.now()]) }, clock);
    // Every timer fires 3 ms late; each token is still written at most 3 ms after its own slot.
    clock.advanceTo(10_000, 3);
    expect(ran).toHaveLength(20);
    for (const [i, t] of ran) expect(t - tokenDueAt(0, 50, 10, i)).toBeLessThanOrEqual(3);
  });

  it('writes every token already due in one tick after a long stall, then keeps the original slots', () => {
    const clock = new FakeClock();
    const ran: Array<[number, number]> = [];
    runSchedule({ count: 10, dueAt: (i) => tokenDueAt(0, 0, 10, i), onStep: (i) => void ran.push([i, clock.now()]) }, clock);
    expect(ran).toEqual([[0, 0]]); // due immediately: runs synchronously
    clock.advanceTo(5);
    clock.t = 45; // the event loop stalled; the pending timer fires now
    const pending = [...clock.timers.values()][0];
    clock.timers.clear();
    pending?.fn();
    expect(ran.map(([i]) => i)).toEqual([0, 1, 2, 3, 4]);
    clock.advanceTo(1000);
    expect(ran.slice(5).map(([i, t]) => t - i * 10)).toEqual([0, 0, 0, 0, 0]);
  });

  it('cancel clears the pending timer and stops further steps', () => {
    const clock = new FakeClock();
    const ran: number[] = [];
    const handle = runSchedule({ count: 5, dueAt: (i) => 10 + i, onStep: (i) => void ran.push(i) }, clock);
    clock.advanceTo(11);
    handle.cancel();
    handle.cancel();
    expect(handle.finished).toBe(true);
    expect(clock.timers.size).toBe(0);
    clock.advanceTo(100);
    expect(ran).toEqual([0, 1]);
  });

  it('a step returning false stops the schedule', () => {
    const clock = new FakeClock();
    const ran: number[] = [];
    let done = false;
    const handle = runSchedule(
      { count: 5, dueAt: (i) => i, onStep: (i) => (ran.push(i), i < 2), onDone: () => (done = true) },
      clock,
    );
    clock.advanceTo(100);
    expect(ran).toEqual([0, 1, 2]);
    expect(done).toBe(false);
    expect(handle.finished).toBe(true);
    expect(clock.timers.size).toBe(0);
  });
});
