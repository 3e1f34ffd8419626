import { describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { resolveEmulatorOptions } from '../../../src/emulator/options.ts';
import { batchingModelFromProfile } from '../../../src/emulator/profile-model.ts';
import { loadProfile } from '../../../src/profiles/load.ts';

describe('resolveEmulatorOptions with a profile and a time scale', () => {
  it('without a profile: the fixed model, time scale 1', () => {
    const o = resolveEmulatorOptions();
    expect(o.batching).toBeUndefined();
    expect(o.profile).toBeUndefined();
    expect(o.timeScale).toBe(1);
    expect(o.eventLog).toBeUndefined();
  });

  it('a profile brings its batching model, max-model-len and model name; explicit options win', async () => {
    const profile = await loadProfile('e5-2680');
    const o = resolveEmulatorOptions({ profile, timeScale: 0.1, eventLog: '/tmp/x.jsonl' });
    expect(o.batching).toEqual(batchingModelFromProfile(profile));
    expect(o.batching).toMatchObject({ maxNumSeqs: 10, maxNumBatchedTokens: 2048, prefixBlockTokens: 16 });
    expect(o.maxModelLen).toBe(8192);
    expect(o.servedModelNames).toEqual(['Qwen/Qwen2.5-Coder-32B-Instruct']);
    expect(o.timeScale).toBe(0.1);
    expect(o.eventLog).toBe('/tmp/x.jsonl');
    const overridden = resolveEmulatorOptions({ profile, maxModelLen: 32768, servedModelName: 'local' });
    expect(overridden.maxModelLen).toBe(32768);
    expect(overridden.servedModelNames).toEqual(['local']);
  });

  it('the DeepSeek profile serves its own model id', async () => {
    const o = resolveEmulatorOptions({ profile: await loadProfile('e5-2680-deepseek-coder-v2-lite') });
    expect(o.servedModelNames).toEqual(['deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct']);
  });

  it.each([
    [{ timeScale: 0 }, /timeScale/],
    [{ timeScale: -1 }, /timeScale/],
    [{ timeScale: Number.NaN }, /timeScale/],
    [{ profile: 'e5-2680' }, /loaded first/],
    [{ batching: { maxNumSeqs: 0, maxNumBatchedTokens: 1, prefillTokensPerS: 1, decodeStepMs: 1, decodeStepGrowth: 0, requestOverheadMs: 0, prefixBlockTokens: 16, prefixCacheBlocks: 0, kvCacheTokens: 1 } }, /maxNumSeqs/],
  ])('rejects %j', (options, pattern) => {
    expect(() => resolveEmulatorOptions(options)).toThrow(BenchError);
    expect(() => resolveEmulatorOptions(options)).toThrow(pattern);
  });
});
