/**
 * Every check of the transport, request, response, count-tokens and models
 * suites is proven against the purpose-built gateway: it passes when the
 * gateway is correct, and reports the status in the table below for each
 * defect (or correct variant) it is meant to tell apart. A check of these
 * suites without a row fails the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../src/client/index.ts';
import { CHECKS, type CheckId } from '../../../src/conform/checks/index.ts';
import { runChecks } from '../../../src/conform/engine.ts';
import { loadSuites } from '../../../src/conform/suites.ts';
import { catchersOf, defectTarget, expectation, type Catch as TableCatch } from '../../support/defect-table.ts';
import type { Verdict } from '../../../src/types.ts';
import { CATALOGUE_A_DEFECTS, startDefectiveGateway, type Defect } from '../../support/defective-gateway.ts';

type Catch = TableCatch<Defect>;

const SUITES = ['transport', 'request', 'response', 'count-tokens', 'models'];

const CATCHES: Readonly<Record<string, readonly Catch[]>> = {
  // transport and auth
  T2: ['no-bearer-auth'],
  T3: ['no-x-api-key-auth'],
  T4: ['reject-both-auth-headers'],
  T6: ['reject-unknown-beta'],
  T7: ['reject-unknown-headers'],
  T8: ['head-hangs'],
  T9: ['buffered-stream'],
  T10a: ['no-request-id'],
  T10b: ['no-sse-cache-headers', { defect: 'no-x-accel-buffering', status: 'warn' }],
  T11: ['gzip-buffered-stream', { defect: 'gzip-flushed-stream', status: 'pass' }],
  // The padding that carries the bytes is an unknown field: a strict validator's 400 still proves no size limit.
  T12: ['body-limit-1mb-html', { defect: 'reject-unknown-fields', status: 'pass' }],
  T12b: ['body-limit-1mb-html', { defect: 'body-limit-4mb-json', status: 'warn' }],
  // request tolerance
  R2: ['reject-text-block-array'],
  R3: ['reject-cache-control'],
  R4: ['reject-metadata'],
  R5: ['reject-system-role', 'reject-system-role-string', { defect: 'reject-system-role-retryable', status: 'warn' }],
  R6: ['reject-thinking-adaptive', 'empty-answer-with-thinking'],
  R7: ['reject-thinking-history'],
  R8: ['reject-tool-result-array'],
  R9: ['reject-tool-extra-fields'],
  R10: ['reject-tool-choice-auto', { defect: 'no-tool-call', status: 'warn' }],
  R11: ['ignore-stop-sequences', 'stop-sequence-as-end-turn', 'reject-stop-sequences'],
  R12: ['reject-context-management'],
  R13: ['media-block-500'],
  R14: ['media-block-500'],
  R15: ['context-32k', 'context-8k', { defect: 'context-32k-anthropic-error', status: 'pass' }],
  R16: ['reject-max-tokens-1'],
  R17: ['reject-top-k'],
  R18: ['unknown-model-400-openai', { defect: 'unknown-model-404', status: 'warn' }],
  R19: ['reject-empty-text'],
  R20: ['reject-unknown-blocks'],
  R21: ['reject-unknown-fields'],
  R22: ['accept-invalid-request', 'invalid-request-500', 'openai-error-envelope'],
  CTX1: ['context-32k', 'context-8k', { defect: 'context-32k-anthropic-error', status: 'warn' }],
  // response shape
  N4: ['thinking-last'],
  N6: ['empty-text-block'],
  N7: ['extra-response-keys', 'openai-response-shape'],
  // count_tokens
  C1: ['count-tokens-500', 'count-tokens-zero', 'no-beta-query', { defect: 'no-count-tokens', status: 'warn' }],
  C2: ['count-tokens-ignores-system-tools', { defect: 'no-count-tokens', status: 'skip' }],
  C3: ['count-tokens-reject-system-role', { defect: 'no-count-tokens', status: 'skip' }],
  C4: ['count-tokens-serial', { defect: 'no-count-tokens', status: 'skip' }],
  C5: ['count-tokens-zero', 'count-tokens-500', { defect: 'no-count-tokens', status: 'skip' }],
  // models
  M1: ['models-redirect', 'no-x-api-key-auth', 'no-bearer-auth', { defect: 'no-models', status: 'warn' }, { defect: 'openai-models-list', status: 'warn' }],
  M2: [{ defect: 'openai-models-list', status: 'fail' }, { defect: 'no-models', status: 'skip' }],
  M3: ['models-by-id-broken'],
};

const ids = loadSuites(SUITES).flatMap((s) => s.checkIds);




async function run(defects: readonly Defect[], checkIds: readonly CheckId[]): Promise<Map<string, Verdict>> {
  const gateway = await startDefectiveGateway({ defects });
  const client = createClient({ baseUrl: gateway.baseUrl, apiKey: gateway.apiKey, timeoutMs: 20_000 });
  try {
    const verdicts = await runChecks({ target: defectTarget(gateway), client, checks: checkIds.map((id) => CHECKS[id]), timeoutMs: 20_000 });
    return new Map(verdicts.map((v) => [v.id, v]));
  } finally {
    client.close();
    await gateway.close();
  }
}

describe('the catalogue-A defect table', () => {
  it('has a row for every check of its suites and none for a check outside them', () => {
    expect(ids.length).toBeGreaterThan(40);
    for (const id of ids) expect(CATCHES[id]?.length ?? 0, `check ${id} has no defect row`).toBeGreaterThan(0);
    for (const id of Object.keys(CATCHES)) expect(ids as readonly string[]).toContain(id);
  });

  it('shows every check failing (or, for informational ones, warning) on some defect', () => {
    for (const id of ids) {
      const statuses = (CATCHES[id] ?? []).map((c) => expectation(c).status);
      expect(statuses.some((s) => s === 'fail' || s === 'warn'), `${id} is never seen to fail`).toBe(true);
    }
  });

  it('uses every catalogue-A defect', () => {
    for (const defect of CATALOGUE_A_DEFECTS) expect(catchersOf(CATCHES, defect).length, `no check uses '${defect}'`).toBeGreaterThan(0);
  });
});

describe('against the clean gateway', () => {
  let verdicts: Map<string, Verdict>;
  beforeAll(async () => {
    verdicts = await run([], ids);
  });

  it.each(ids.map((id) => [id]))('%s passes', (id) => {
    const v = verdicts.get(id);
    expect(v, `no verdict for ${id}`).toBeDefined();
    expect(v?.status, `${id}: ${v?.detail ?? ''}`).toBe('pass');
    expect(v?.detail.length).toBeGreaterThan(10);
  });
});

describe('against a gateway with one defect', () => {
  const defects = [...new Set(Object.values(CATCHES).flatMap((cs) => cs.map((c) => expectation(c).defect)))];
  const results = new Map<Defect, Map<string, Verdict>>();
  beforeAll(async () => {
    // Two gateways at a time: the slow defects (a hung HEAD, serialised count_tokens) overlap.
    const queue = [...defects];
    const worker = async (): Promise<void> => {
      for (let d = queue.shift(); d !== undefined; d = queue.shift()) results.set(d, await run([d], catchersOf(CATCHES, d).map((c) => c.id)));
    };
    await Promise.all([worker(), worker()]);
  }, 120_000);
  afterAll(() => results.clear());

  const rows = defects.flatMap((defect) => catchersOf(CATCHES, defect).map((c) => [defect, c.id, c.status] as const));
  it.each(rows)('%s → %s reports %s', (defect, id, status) => {
    const v = results.get(defect)?.get(id);
    expect(v, `no verdict for ${id}`).toBeDefined();
    expect(v?.status, `${id} on '${defect}': ${v?.detail ?? ''}`).toBe(status);
    expect(v?.detail.length).toBeGreaterThan(10);
    if (status === 'fail') expect(v?.evidence ?? v?.detail, `${id} on '${defect}' gives no evidence`).toBeTruthy();
  });
});
