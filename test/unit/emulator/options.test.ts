import { describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { EMULATOR_DEFAULTS, resolveEmulatorOptions } from '../../../src/emulator/options.ts';
import { bearerMatches } from '../../../src/emulator/server.ts';

describe('resolveEmulatorOptions', () => {
  it('fills every default in one place (auto tool choice ON programmatically)', () => {
    const o = resolveEmulatorOptions();
    expect(o).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      servedModelNames: [EMULATOR_DEFAULTS.servedModelName],
      maxModelLen: 32768,
      enableAutoToolChoice: true,
      toolCallParser: 'hermes',
      apiKey: undefined,
      timing: { ttftMs: 50, itlMs: 5 },
      script: { rules: [] },
    });
  });

  it('keeps several served names, first one first', () => {
    expect(resolveEmulatorOptions({ servedModelName: ['a', 'b'] }).servedModelNames).toEqual(['a', 'b']);
  });

  it('turning auto tool choice off needs no parser; turning it on explicitly needs one', () => {
    expect(resolveEmulatorOptions({ enableAutoToolChoice: false }).toolCallParser).toBeUndefined();
    expect(() => resolveEmulatorOptions({ enableAutoToolChoice: true })).toThrow(/toolCallParser/);
    expect(resolveEmulatorOptions({ enableAutoToolChoice: true, toolCallParser: 'hermes' }).enableAutoToolChoice).toBe(true);
  });

  it.each([
    [{ maxModelLen: 0 }, /maxModelLen/],
    [{ port: 70000 }, /port/],
    [{ timing: { ttftMs: -1 } }, /ttftMs/],
    [{ servedModelName: [] as string[] }, /servedModelName/],
    [{ apiKey: '' }, /apiKey/],
  ])('rejects %j', (options, pattern) => {
    expect(() => resolveEmulatorOptions(options)).toThrow(BenchError);
    expect(() => resolveEmulatorOptions(options)).toThrow(pattern);
  });
});

describe('bearerMatches (vLLM --api-key)', () => {
  it('accepts only "Bearer <key>", scheme case-insensitive', () => {
    expect(bearerMatches('Bearer k1', 'k1')).toBe(true);
    expect(bearerMatches('bearer k1', 'k1')).toBe(true);
    expect(bearerMatches('Bearer k2', 'k1')).toBe(false);
    expect(bearerMatches('Basic k1', 'k1')).toBe(false);
    expect(bearerMatches('k1', 'k1')).toBe(false);
    expect(bearerMatches(undefined, 'k1')).toBe(false);
  });
});
