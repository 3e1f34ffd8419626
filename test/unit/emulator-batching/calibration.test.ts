import { describe, expect, it } from 'vitest';
import { batchingModelFromProfile, predictClosedLoop } from '../../../src/emulator/profile-model.ts';
import { percentile, simulateClosedLoop } from '../../../src/emulator/simulate.ts';
import { loadProfile } from '../../../src/profiles/load.ts';
import { meetsThreshold } from '../../../src/profiles/threshold.ts';
import type { CalibrationPoint, Profile } from '../../../src/profiles/types.ts';

/** Does a predicted point meet every run-scope target of the profile? */
function meetsTargets(profile: Profile, point: CalibrationPoint): boolean {
  const measured: Record<string, number> = {
    ttft_ms: point.ttft_p95_ms,
    output_tokens_per_s: point.output_tokens_per_s_p50,
    e2el_ms: point.e2el_p99_ms,
    error_rate: 0,
  };
  return profile.targets.filter((t) => t.scope === 'run').every((t) => meetsThreshold(t.parsed, measured[t.metric] ?? Number.NaN));
}

describe.each([
  ['e5-2680', { inside: [1, 3, 5], outside: [6, 8, 10], ttft1: [2000, 4000], tps1: [8, 12] }],
  ['e5-2680-deepseek-coder-v2-lite', { inside: [1, 3, 5], outside: [8, 10], ttft1: [1000, 2000], tps1: [12, 18] }],
] as const)('calibration of %s', (id, expected) => {
  it('the predictions recorded in the profile are what the model computes', async () => {
    const profile = await loadProfile(id);
    const recorded = profile.emulator.calibration.predicted;
    const users = recorded.map((p) => p.users);
    expect(users).toEqual([1, 3, 5, 6, 8, 10]);
    expect(predictClosedLoop(batchingModelFromProfile(profile), profile.emulator.calibration.workload, users)).toEqual(recorded);
  });

  it('lands inside the guide\'s figures at the guide\'s concurrency and misses past it', async () => {
    const profile = await loadProfile(id);
    const byUsers = new Map(profile.emulator.calibration.predicted.map((p) => [p.users, p]));
    const one = byUsers.get(1)!;
    expect(one.ttft_p50_ms).toBeGreaterThanOrEqual(expected.ttft1[0]);
    expect(one.ttft_p50_ms).toBeLessThanOrEqual(expected.ttft1[1]);
    expect(one.output_tokens_per_s_p50).toBeGreaterThanOrEqual(expected.tps1[0]);
    expect(one.output_tokens_per_s_p50).toBeLessThanOrEqual(expected.tps1[1]);
    for (const n of expected.inside) expect(meetsTargets(profile, byUsers.get(n)!), `${n} users`).toBe(true);
    for (const n of expected.outside) expect(meetsTargets(profile, byUsers.get(n)!), `${n} users`).toBe(false);
  });
});

describe('simulateClosedLoop', () => {
  const model = { maxNumSeqs: 4, maxNumBatchedTokens: 2048, prefillTokensPerS: 1000, decodeStepMs: 100, decodeStepGrowth: 0, requestOverheadMs: 0, prefixBlockTokens: 16, prefixCacheBlocks: 1000, kvCacheTokens: 100_000 };

  it('one user, no spread: TTFT = step + prefill, tokens/s = 1000 / step', () => {
    const p = simulateClosedLoop(model, { users: 1, requestsPerUser: 3, promptTokens: 500, outputTokens: 11, thinkMs: 1000, spread: 0 });
    expect(p.n).toBe(2); // the first request is warm-up
    expect(p.ttft_ms.p50).toBe(600);
    expect(p.output_tokens_per_s_p50).toBeCloseTo(10, 9);
    expect(p.e2el_ms.p99).toBe(600 + 10 * 100);
  });

  it('a shared prefix is served from the prefix cache after the first request', () => {
    const cold = simulateClosedLoop(model, { users: 1, requestsPerUser: 3, promptTokens: 512, outputTokens: 2, thinkMs: 0, spread: 0 });
    const warm = simulateClosedLoop(model, { users: 1, requestsPerUser: 3, promptTokens: 512, outputTokens: 2, thinkMs: 0, spread: 0, sharedPrefixTokens: 480 });
    expect(cold.ttft_ms.p50).toBe(100 + 512);
    expect(warm.ttft_ms.p50).toBe(100 + 32);
  });

  it('more users on the same engine never make anyone faster', () => {
    const w = { requestsPerUser: 10, promptTokens: 1000, outputTokens: 50, thinkMs: 2000 };
    const one = simulateClosedLoop(model, { ...w, users: 1 });
    const four = simulateClosedLoop(model, { ...w, users: 4 });
    expect(four.ttft_ms.p95).toBeGreaterThanOrEqual(one.ttft_ms.p95);
    expect(four.aggregate_output_tokens_per_s).toBeGreaterThan(one.aggregate_output_tokens_per_s);
  });

  it('percentile interpolates linearly like numpy', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10], 95)).toBe(10);
    expect(percentile([0, 10], 95)).toBeCloseTo(9.5, 9);
    expect(percentile([], 50)).toBeNaN();
  });
});
