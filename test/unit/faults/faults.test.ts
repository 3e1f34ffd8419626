import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { FaultInjector, draw, isFaultKind, parseFaultFlag, pickFault, withoutBlankLine } from '../../../src/emulator/faults.ts';
import { loadFaultsFile, parseFaultSchedule } from '../../../src/emulator/faults-file.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-faults-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('fault kinds and flags', () => {
  it('knows the kinds, http_NNN only for 400–599', () => {
    for (const k of ['reset', 'stall', 'bad_json', 'unknown_event', 'missing_blank', 'slow_headers', 'exit', 'http_429', 'http_529', 'http_500']) {
      expect(isFaultKind(k)).toBe(true);
    }
    for (const k of ['http_200', 'http_600', 'http_42', 'boom', '']) expect(isFaultKind(k)).toBe(false);
  });

  it('parses KIND[:TRIGGER][:PARAM]', () => {
    expect(parseFaultFlag('reset')).toEqual({ kind: 'reset' });
    expect(parseFaultFlag('reset:0.5:3')).toEqual({ kind: 'reset', rate: 0.5, after_tokens: 3 });
    expect(parseFaultFlag('http_429:@2:7')).toEqual({ kind: 'http_429', at_request: 2, params: { retry_after: 7 } });
    expect(parseFaultFlag('stall:*3:5000')).toEqual({ kind: 'stall', every: 3, params: { ms: 5000 } });
    expect(parseFaultFlag('slow_headers::250')).toEqual({ kind: 'slow_headers', params: { ms: 250 } });
    expect(parseFaultFlag('exit:@4')).toEqual({ kind: 'exit', at_request: 4 });
  });

  it.each(['nope', 'reset:2', 'reset:@0', 'reset:*x', 'reset:0.5:-1', 'reset:0.5:1.5', 'exit:@1:3', 'reset:1:2:3'])(
    'refuses %s with a BAD_USAGE naming the flag',
    (flag) => {
      try {
        parseFaultFlag(flag);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(BenchError);
        expect((err as BenchError).code).toBe('BAD_USAGE');
        expect((err as BenchError).message).toContain(`--fault ${flag}`);
      }
    },
  );
});

describe('schedules are deterministic', () => {
  it('draw is a pure function of seed, rule and request, in [0, 1)', () => {
    for (let n = 1; n < 200; n++) {
      const v = draw(7, 0, n);
      expect(v).toBe(draw(7, 0, n));
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
    expect(draw(1, 0, 5)).not.toBe(draw(2, 0, 5));
  });

  it('a rate picks about that share, the same requests for the same seed, others for another', () => {
    const picks = (seed: number) => Array.from({ length: 1000 }, (_, i) => pickFault({ seed, rules: [{ kind: 'reset', rate: 0.3 }] }, i + 1) !== null);
    const a = picks(3);
    expect(picks(3)).toEqual(a);
    expect(picks(4)).not.toEqual(a);
    const share = a.filter(Boolean).length / a.length;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
  });

  it('first matching rule wins; defaults are filled in', () => {
    const s = { rules: [{ kind: 'http_529' as const, at_request: 2, params: { retry_after: 5 } }, { kind: 'stall' as const, every: 2 }] };
    expect(pickFault(s, 1)).toBeNull();
    expect(pickFault(s, 2)).toEqual({ kind: 'http', status: 529, retryAfter: 5 });
    expect(pickFault(s, 4)).toEqual({ kind: 'stall', afterTokens: 0, ms: 600_000 });
    const inj = new FaultInjector({ rules: [{ kind: 'reset' }] });
    expect(inj.next()).toEqual({ kind: 'reset', afterTokens: 1 });
    expect(inj.requests).toBe(1);
  });

  it('withoutBlankLine drops exactly one newline', () => {
    expect(withoutBlankLine('data: {}\n\n')).toBe('data: {}\n');
  });
});

describe('fault schedule files', () => {
  it('accepts a list and the {seed, faults} form', async () => {
    const list = path.join(work, 'list.json');
    writeFileSync(list, JSON.stringify([{ kind: 'reset', every: 2, after_tokens: 3 }, { kind: 'http_429', params: { retry_after: 1 } }]));
    expect(await loadFaultsFile(list)).toEqual({ rules: [{ kind: 'reset', every: 2, after_tokens: 3 }, { kind: 'http_429', params: { retry_after: 1 } }] });
    expect(parseFaultSchedule({ seed: 9, faults: [{ kind: 'exit', at_request: 3 }] }, 'x.json')).toEqual({ seed: 9, rules: [{ kind: 'exit', at_request: 3 }] });
  });

  it.each([
    [[{ kind: 'boom' }], '/0/kind'],
    [[{ kind: 'reset', rate: 2 }], '/0/rate'],
    [[{ kind: 'reset', every: 2, rate: 0.5 }], 'at most one of'],
    [[{ kind: 'stall', params: { ms: 'long' } }], '/0/params/ms'],
    [[{ kind: 'reset', colour: 'red' }], "'colour'"],
    [{ faults: [{ kind: 'reset' }], extra: 1 }, "'extra'"],
  ])('refuses %j naming the file and the field (%s)', (value, field) => {
    try {
      parseFaultSchedule(value, 'sched.json');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(BenchError);
      const e = err as BenchError;
      expect(e.code).toBe('BAD_CONFIG');
      expect(e.message).toContain('faults sched.json');
      expect(e.message).toContain(field);
    }
  });

  it('a missing file and broken JSON name the file', async () => {
    await expect(loadFaultsFile(path.join(work, 'none.json'))).rejects.toThrow(/none\.json.*ENOENT/);
    const bad = path.join(work, 'bad.json');
    writeFileSync(bad, '[{');
    await expect(loadFaultsFile(bad)).rejects.toThrow(/bad\.json: not valid JSON/);
  });
});
