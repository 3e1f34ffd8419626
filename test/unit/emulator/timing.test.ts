import { describe, expect, it } from 'vitest';
import { responseDueAt, runSchedule, tokenDueAt } from '../../../src/emulator/timing.ts';
import { FakeClock } from '../../support/fake-clock.ts';


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
