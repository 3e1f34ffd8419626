/**
 * Every check in the core suite is proven against a purpose-built gateway:
 * it passes when the gateway is correct, and it catches each defect it is
 * designed to catch. The table below is the contract; a core check without
 * a row fails the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../src/client/index.ts';
import { CHECKS, type CheckId } from '../../../src/conform/checks/index.ts';
import { runChecks } from '../../../src/conform/engine.ts';
import { loadSuites } from '../../../src/conform/suites.ts';
import { catchersOf, defectTarget, type Catch as TableCatch } from '../../support/defect-table.ts';
import type { Verdict } from '../../../src/types.ts';
import { DEFECTS, startDefectiveGateway, type Defect, type DefectiveGateway } from '../../support/defective-gateway.ts';

/** A defect a check must catch, and the status it must then report (default fail). */
type Catch = TableCatch<Defect>;

const CATCHES: Readonly<Record<string, readonly Catch[]>> = {
  T1: ['no-beta-query'],
  N1: ['openai-response-shape'],
  N2: ['missing-stop-sequence', 'openai-stop-reason', 'null-stop-reason', 'openai-response-shape'],
  N3: ['no-output-tokens', 'openai-response-shape', { defect: 'zero-usage', status: 'warn' }],
  R1a: ['reject-system-string'],
  R1b: ['reject-system-blocks'],
  S1: ['data-only-frames', 'event-name-mismatch', 'invalid-json'],
  S2: ['data-only-frames', 'no-message-start-usage', 'duplicate-message-start'],
  S3: ['delta-before-block-start', 'blocks-overlap', 'index-from-one', 'unclosed-block', 'data-only-frames'],
  S4: ['wrong-delta-type'],
  S5: ['incomplete-block-start'],
  S6: ['no-message-delta', 'no-delta-usage', 'no-output-tokens', 'null-stop-reason', 'missing-stop-sequence'],
  S7: ['no-message-stop', 'duplicate-message-stop', 'event-after-stop', 'stream-error-event', { defect: 'done-sentinel', status: 'warn' }],
  P1: ['openai-stop-reason', 'null-stop-reason'],
  P2: ['ignore-max-tokens', 'openai-stop-reason'],
  P5: ['openai-stop-reason'],
  G1: ['zero-usage'],
  G2: ['zero-usage', 'no-output-tokens', 'no-delta-usage', 'no-message-delta'],
  N5: ['tool-input-string', 'no-tool-call'],
  U1: ['tool-input-in-start-only', 'tool-input-invalid', 'tool-input-truncated', 'no-tool-call', 'wrong-delta-type'],
  U3: ['tool-stop-end-turn', 'openai-stop-reason'],
  U4: ['bad-tool-id', 'constant-tool-id'],
  U7: ['reject-tool-result'],
  E4: ['openai-error-envelope', 'wrong-error-type', 'invalid-request-500', 'accept-invalid-request'],
  T5: ['openai-error-envelope', 'wrong-error-type', { defect: 'no-auth-check', status: 'warn' }],
  SDK1: ['data-only-frames', 'invalid-json', 'no-message-start-usage', 'duplicate-message-start', 'no-delta-usage', 'no-message-stop', 'stream-error-event'],
};

const core = loadSuites(['core'])[0]?.checkIds ?? [];




async function run(defects: readonly Defect[], ids: readonly CheckId[]): Promise<{ verdicts: Map<string, Verdict>; gateway: DefectiveGateway }> {
  const gateway = await startDefectiveGateway({ defects });
  const client = createClient({ baseUrl: gateway.baseUrl, apiKey: gateway.apiKey, timeoutMs: 20_000 });
  try {
    const verdicts = await runChecks({ target: defectTarget(gateway), client, checks: ids.map((id) => CHECKS[id]), timeoutMs: 20_000 });
    return { verdicts: new Map(verdicts.map((v) => [v.id, v])), gateway };
  } finally {
    client.close();
    await gateway.close();
  }
}

describe('the defect table', () => {
  it('has a row with at least one defect for every check in core, and no row for a check outside it', () => {
    for (const id of core) expect(CATCHES[id]?.length ?? 0, `core check ${id} has no defect row`).toBeGreaterThan(0);
    for (const id of Object.keys(CATCHES)) expect(core as readonly string[]).toContain(id);
  });

  it('uses every defect the gateway can reproduce', () => {
    for (const defect of DEFECTS) expect(catchersOf(CATCHES, defect).length, `no check catches '${defect}'`).toBeGreaterThan(0);
  });
});

describe('against the clean gateway', () => {
  let verdicts: Map<string, Verdict>;
  let requests = 0;
  beforeAll(async () => {
    const result = await run([], core);
    verdicts = result.verdicts;
    requests = result.gateway.requests.length;
  });

  it.each(core.map((id) => [id]))('%s passes', (id) => {
    const v = verdicts.get(id);
    expect(v, `no verdict for ${id}`).toBeDefined();
    expect(v?.status, `${id}: ${v?.detail ?? ''}`).toBe('pass');
    expect(v?.detail.length).toBeGreaterThan(0);
  });

  it('sends each shared request once: 11 exchanges, the auto tool-choice pair of U3, and the SDK request', () => {
    expect(requests).toBe(14);
  });

  it('records the request ids each verdict rests on', () => {
    expect(verdicts.get('S3')?.request_ids?.length).toBe(2);
    expect(verdicts.get('N1')?.request_ids?.length).toBe(1);
    // The SDK's request goes through the client, so it is logged and id'd too.
    expect(verdicts.get('SDK1')?.request_ids?.length).toBe(1);
  });
});

describe('against a gateway with one defect', () => {
  const defects = DEFECTS.filter((d) => catchersOf(CATCHES, d).length > 0);
  const results = new Map<Defect, Map<string, Verdict>>();
  beforeAll(async () => {
    for (const defect of defects) {
      results.set(defect, (await run([defect], catchersOf(CATCHES, defect).map((c) => c.id))).verdicts);
    }
  });
  afterAll(() => results.clear());

  const rows = defects.flatMap((defect) => catchersOf(CATCHES, defect).map((c) => [defect, c.id, c.status] as const));
  it.each(rows)('%s → %s reports %s', (defect, id, status) => {
    const v = results.get(defect)?.get(id);
    expect(v, `no verdict for ${id}`).toBeDefined();
    expect(v?.status, `${id} on '${defect}': ${v?.detail ?? ''}`).toBe(status);
    expect(v?.detail.length).toBeGreaterThan(10);
  });
});
