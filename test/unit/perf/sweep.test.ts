import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextSweepAction, recordSweepRun, runSweep, startSweep, type LevelOutcome, type SweepOptions } from '../../../src/perf/sweep.ts';

/** A fake box: every N up to `capacity` meets the targets; above it TTFT is the binding constraint. */
const capacityOf = (capacity: number) => async (users: number): Promise<LevelOutcome> =>
  users <= capacity ? { pass: true, failing: [] } : { pass: false, failing: users > capacity + 2 ? ['ttft_p95_ms', 'e2el_p99_ms'] : ['ttft_p95_ms'] };

async function trace(evaluate: (n: number, i: number) => Promise<LevelOutcome>, options?: SweepOptions) {
  const tried: number[] = [];
  const result = await runSweep(async (n, i) => {
    tried.push(n);
    return evaluate(n, i);
  }, options);
  return { tried, result };
}

describe('capacity sweep: bracketing, bisection, boundary repeats', () => {
  it('brackets by doubling, bisects, then repeats both sides of the boundary', async () => {
    const { tried, result } = await trace(capacityOf(5));
    expect(tried).toEqual([1, 2, 4, 8, 6, 5, 5, 5, 6, 6]);
    expect(result).toMatchObject({ max_users: 5, first_failing_users: 6, binding_constraint: 'ttft_p95_ms', stopped: 'converged' });
  });

  it('reports none when the first level fails (confirmed)', async () => {
    const { tried, result } = await trace(capacityOf(0));
    expect(tried).toEqual([1, 1, 1]);
    expect(result).toMatchObject({ max_users: null, first_failing_users: 1, stopped: 'none_pass' });
  });

  it('stops at maxUsers when everything passes', async () => {
    const { tried, result } = await trace(capacityOf(100), { maxUsers: 16 });
    expect(tried).toEqual([1, 2, 4, 8, 16, 16, 16]);
    expect(result).toMatchObject({ max_users: 16, first_failing_users: null, binding_constraint: null, stopped: 'max_users' });
  });

  it('moves the boundary down when a level passes once but fails its repeats', async () => {
    const seen = new Map<number, number>();
    const flaky = async (n: number): Promise<LevelOutcome> => {
      const k = (seen.get(n) ?? 0) + 1;
      seen.set(n, k);
      if (n <= 4) return { pass: true, failing: [] };
      if (n === 5 && k === 1) return { pass: true, failing: [] };
      return { pass: false, failing: ['output_tokens_per_s_p50'] };
    };
    const { result } = await trace(flaky);
    expect(result).toMatchObject({ max_users: 4, first_failing_users: 5, binding_constraint: 'output_tokens_per_s_p50' });
    expect(result.levels.find((l) => l.users === 5)).toMatchObject({ runs: 3, passes: 1, pass: false });
  });

  it('never exceeds its run budget', async () => {
    const { tried, result } = await trace(capacityOf(40), { maxRuns: 4 });
    expect(tried).toHaveLength(4);
    expect(result.stopped).toBe('max_runs');
    expect(result.max_users).toBe(8);
  });

  it('terminates within the budget and brackets the true capacity for any monotone box', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 1, max: 64 }), (capacity, maxUsers) => {
        let state = startSweep({ maxUsers, maxRuns: 40 });
        for (let i = 0; i < 41; i++) {
          const action = nextSweepAction(state);
          if (action.kind === 'done') {
            const r = action.result;
            const expected = Math.min(capacity, maxUsers);
            expect(r.max_users ?? 0).toBe(expected);
            if (capacity < maxUsers) expect(r.first_failing_users).toBe(capacity + 1);
            return;
          }
          expect(action.users).toBeGreaterThanOrEqual(1);
          expect(action.users).toBeLessThanOrEqual(maxUsers);
          state = recordSweepRun(state, action.users, action.users <= capacity ? { pass: true, failing: [] } : { pass: false, failing: ['x'] });
        }
        throw new Error('sweep did not finish within its budget');
      }),
      { numRuns: 300 },
    );
  });

  it('returns what it has when interrupted', async () => {
    const controller = new AbortController();
    const result = await runSweep(async (n) => {
      if (n === 4) controller.abort();
      return capacityOf(10)(n);
    }, {}, controller.signal);
    expect(result).toMatchObject({ max_users: 4, stopped: 'interrupted' });
  });
});
