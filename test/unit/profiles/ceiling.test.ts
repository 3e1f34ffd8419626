import { describe, expect, it } from 'vitest';
import {
  ceilingForMetric,
  decodeCeilingTokensPerS,
  kvCacheCapacityTokens,
  prefillCeilingTokensPerS,
  profileCeiling,
  ttftFloorMs,
  weightBytesPerToken,
} from '../../../src/profiles/ceiling.ts';
import { loadProfile } from '../../../src/profiles/load.ts';

describe('ceiling formulas (hand-computed)', () => {
  it('decode ≤ bandwidth ÷ bytes of weights read per token', () => {
    // 10e9 params in bf16 = 20 GB per token; 1000 GB/s → 50 tokens/s.
    expect(weightBytesPerToken(10e9, 2)).toBe(20e9);
    expect(decodeCeilingTokensPerS(1000e9, 20e9)).toBe(50);
    // A MoE reads only its active weights: 2e9 active × 2 B = 4 GB → 250 tokens/s.
    expect(decodeCeilingTokensPerS(1000e9, weightBytesPerToken(2e9, 2))).toBe(250);
  });

  it('prefill ≤ FLOP/s ÷ (2 × active params)', () => {
    // 100 TFLOP/s, 10e9 params: 1e14 / 2e10 = 5000 tokens/s.
    expect(prefillCeilingTokensPerS(100e12, 10e9)).toBe(5000);
    expect(ttftFloorMs({ prefill_tokens_per_s: 5000 }, 2500)).toBe(500);
  });

  it('KV capacity = (memory × utilisation − weights) ÷ bytes per token, never negative', () => {
    // 100 GB × 0.9 = 90 GB; − 50 GB weights = 40 GB; ÷ 400 kB = 100,000 tokens.
    expect(kvCacheCapacityTokens(100e9, 0.9, 50e9, 400e3)).toBe(100_000);
    expect(kvCacheCapacityTokens(10e9, 0.9, 50e9, 400e3)).toBe(0);
  });
});

describe('profileCeiling of the shipped profiles', () => {
  it('e5-2680: 2 × A40 (696 GB/s, 149.7 TFLOP/s), 32.5e9 bf16 params', async () => {
    const c = profileCeiling(await loadProfile('e5-2680'));
    expect(c.memory_bandwidth_bytes_per_s).toBe(1392e9);
    expect(c.weight_bytes).toBe(65e9);
    expect(c.weight_bytes_read_per_token).toBe(65e9);
    expect(c.decode_tokens_per_s_per_stream).toBeCloseTo(1392 / 65, 9); // 21.4
    expect(c.prefill_tokens_per_s).toBeCloseTo(299.4e12 / 65e9, 6); // 4606
    // (96 GB × 0.9 − 65 GB) / 262,144 B = 81,634 tokens.
    expect(c.kv_cache_tokens).toBe(Math.floor((86.4e9 - 65e9) / 262144));
    expect(c.derivation.join('\n')).toContain('21.4 tokens/s per stream');
  });

  it('DeepSeek-Coder-V2-Lite: the ceiling uses the 2.4e9 active params, memory the 15.7e9 total', async () => {
    const c = profileCeiling(await loadProfile('e5-2680-deepseek-coder-v2-lite'));
    expect(c.weight_bytes).toBeCloseTo(31.4e9, 0);
    expect(c.decode_tokens_per_s_per_stream).toBeCloseTo(1392e9 / 4.8e9, 9); // 290
    expect(c.prefill_tokens_per_s).toBeCloseTo(299.4e12 / 4.8e9, 6); // 62,375
  });

  it('ceilingForMetric puts the right bound next to each metric', async () => {
    const c = profileCeiling(await loadProfile('e5-2680'));
    expect(ceilingForMetric(c, 'output_tokens_per_s')).toBe(c.decode_tokens_per_s_per_stream);
    expect(ceilingForMetric(c, 'tpot_ms')).toBeCloseTo(1000 / c.decode_tokens_per_s_per_stream, 9);
    expect(ceilingForMetric(c, 'ttft_ms', { promptTokens: 4606 })).toBeCloseTo(1000 * (4606 / c.prefill_tokens_per_s), 9);
    expect(ceilingForMetric(c, 'ttft_ms')).toBeNull();
    expect(ceilingForMetric(c, 'max_users')).toBeNull();
  });
});
