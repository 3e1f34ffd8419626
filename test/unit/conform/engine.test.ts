import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../src/client/index.ts';
import { defineChecks, type Check, type CheckSpec } from '../../../src/conform/check.ts';
import { runChecks } from '../../../src/conform/engine.ts';
import type { Target, Verdict } from '../../../src/types.ts';

// Checks here never send: the client is real but idle (port 9 is never contacted).
const client = createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'unused' });
afterAll(() => client.close());
const target: Target = { baseUrl: 'http://127.0.0.1:9', apiKey: 'unused', model: 'm', kind: 'external', emulated: false, description: 'no target' };

const spec = (run: CheckSpec['run'], severity: CheckSpec['severity'] = 'blocker'): CheckSpec => ({ title: 'a test check', area: 'streaming', severity, refs: ['owner/repo#1'], run });
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const TEST = defineChecks({
  A: spec(async () => ({ status: 'pass', detail: 'fine' })),
  B: spec(async () => {
    throw new TypeError('boom');
  }),
  C: spec(async () => ({ status: 'fail', detail: 'bad frame', evidence: 'x'.repeat(10_000), request_ids: ['r1'] }), 'degraded'),
  SLOW: spec(async () => {
    await wait(40);
    return { status: 'warn', detail: 'slow' };
  }),
});

describe('runChecks', () => {
  it('maps outcomes to verdicts, turns a throw into an error verdict and keeps going', async () => {
    const seen: Verdict[] = [];
    const verdicts = await runChecks({ target, client, checks: [TEST.A, TEST.B, TEST.C], onVerdict: (v) => seen.push(v) });
    expect(verdicts.map((v) => [v.id, v.status])).toEqual([
      ['A', 'pass'],
      ['B', 'error'],
      ['C', 'fail'],
    ]);
    expect(seen).toEqual(verdicts);
    const [a, b, c] = verdicts as [Verdict, Verdict, Verdict];
    expect(a).toMatchObject({ title: 'a test check', area: 'streaming', severity: 'blocker', detail: 'fine', refs: ['owner/repo#1'] });
    expect(a.duration_ms).toBeGreaterThanOrEqual(0);
    expect(a.evidence).toBeUndefined();
    expect(a.request_ids).toBeUndefined();
    expect(b.detail).toBe('the check could not run: TypeError: boom');
    expect(c.severity).toBe('degraded');
    expect(c.request_ids).toEqual(['r1']);
    expect(c.evidence?.length).toBeLessThan(2200);
    expect(c.evidence).toMatch(/more characters\]$/);
  });

  it('returns verdicts in check order when checks run concurrently', async () => {
    const order: string[] = [];
    const verdicts = await runChecks({ target, client, checks: [TEST.SLOW, TEST.A, TEST.C], concurrency: 3, onVerdict: (v) => order.push(v.id) });
    expect(verdicts.map((v) => v.id)).toEqual(['SLOW', 'A', 'C']);
    expect(order.at(-1)).toBe('SLOW');
  });

  it('stops at the abort signal and leaves unfinished checks out', async () => {
    const controller = new AbortController();
    const stopper: Check = { ...spec(async () => {
      controller.abort();
      return { status: 'pass', detail: 'cut short' };
    }), id: 'STOP' };
    const verdicts = await runChecks({ target, client, checks: [TEST.A, stopper, TEST.C], signal: controller.signal });
    expect(verdicts.map((v) => v.id)).toEqual(['A']);
  });
});
