/**
 * The catalogue checks of areas S, U, K, G, P, E and X, proven against a
 * translating gateway in front of the real emulator (test/support/
 * scripted-gateway.ts): each passes when the gateway is correct and catches
 * each defect it targets. Against the same gateway made to ignore
 * directives (a real model's behaviour), checks that need a script report
 * skip, never a false verdict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../src/client/index.ts';
import { CHECKS, type CheckId } from '../../../src/conform/checks/index.ts';
import { runChecks } from '../../../src/conform/engine.ts';
import { loadSuites } from '../../../src/conform/suites.ts';
import { catchersOf, type Catch as TableCatch } from '../../support/defect-table.ts';
import type { Target, Verdict } from '../../../src/types.ts';
import { SCRIPTED_DEFECTS, startScriptedGateway, type ScriptedDefect, type ScriptedGatewayOptions } from '../../support/scripted-gateway.ts';

type Catch = TableCatch<ScriptedDefect>;

/** Every check of these suites, with the defects it must catch (and U3, whose auto path is new). */
const CATCHES: Readonly<Record<string, readonly Catch[]>> = {
  S8: [{ defect: 'no-pings', status: 'warn' }],
  S9: ['midstream-drop', 'midstream-silent-stop'],
  S10: ['stream-error-after-start'],
  S11: ['buffered-stream'],
  S12: ['utf8-replacement'],
  S13: ['stream-extra-text-block'],
  U2: ['args-double-encoded'],
  U3: ['auto-tool-end-turn'],
  U3b: ['forced-tool-end-turn'],
  U5: ['parallel-first-only'],
  U6: ['whitespace-swallows-tool', 'text-tool-overlap'],
  U8: ['noarg-null'],
  U9: ['tool-name-prefix'],
  P3: ['drop-stop-sequences', 'stop-sequence-as-end-turn'],
  P4: ['auto-tool-end-turn'],
  K1: ['drop-reasoning', 'no-signature', 'reasoning-as-text'],
  K2: [{ defect: 'thinking-unrequested', status: 'warn' }],
  K3: ['reasoning-as-text'],
  K4: ['reject-thinking-history'],
  K5: ['reject-redacted-thinking'],
  K6: ['thinking-overlap', 'text-tool-overlap'],
  G3: ['cache-double-count'],
  G4: ['count-tokens-off'],
  E1: ['openai-errors', 'stack-traces', 'html-413'],
  E2: ['all-errors-api-error'],
  E3: ['json-error-500', 'all-errors-api-error'],
  E5: ['unknown-model-400'],
  E6: ['context-error-raw', 'wrap-upstream-errors'],
  E7: ['wrap-upstream-errors'],
  E8: ['drop-retry-after'],
  E9: ['html-413', 'oversized-reset'],
  X1: ['cc-fallback-500'],
  X2: ['late-message-start', 'buffered-stream'],
  X3: ['no-upstream-cancel'],
  X4: ['concurrency-limit-500'],
  X5: [{ defect: 'forward-billing-header', status: 'warn' }],
  X6: ['drop-stop-sequences'],
  X7: ['probe-400'],
};

const SUITES = ['streaming', 'tools', 'thinking', 'errors', 'behaviour', 'passthrough'];
const ids = [...new Set(loadSuites(SUITES).flatMap((s) => s.checkIds))] as CheckId[];
const tabled = Object.keys(CATCHES) as CheckId[];

/** Checks that cannot say anything without a scripted upstream. */
const NEED_SCRIPT: readonly CheckId[] = ['S8', 'S9', 'S10', 'E7', 'E8', 'X2', 'X3', 'X6'];

async function run(options: ScriptedGatewayOptions, checkIds: readonly CheckId[]): Promise<Map<string, Verdict>> {
  const gateway = await startScriptedGateway(options);
  const target: Target = { baseUrl: gateway.baseUrl, apiKey: gateway.apiKey, model: 'claude-test-model', kind: 'external', emulated: true, description: 'scripted gateway' };
  const client = createClient({ baseUrl: gateway.baseUrl, apiKey: gateway.apiKey, timeoutMs: 20_000 });
  try {
    const verdicts = await runChecks({ target, client, checks: checkIds.map((id) => CHECKS[id]), timeoutMs: 20_000 });
    return new Map(verdicts.map((v) => [v.id, v]));
  } finally {
    client.close();
    await gateway.close();
  }
}

describe('the defect table', () => {
  it('has a row for every check of the catalogue suites, and uses every defect', () => {
    for (const id of ids) expect(CATCHES[id]?.length ?? 0, `check ${id} has no defect row`).toBeGreaterThan(0);
    for (const defect of SCRIPTED_DEFECTS) expect(catchersOf(CATCHES, defect).length, `no check catches '${defect}'`).toBeGreaterThan(0);
  });
});

describe('against the clean scripted gateway', () => {
  let verdicts: Map<string, Verdict>;
  beforeAll(async () => {
    verdicts = await run({}, tabled);
  }, 60_000);

  it.each(tabled.map((id) => [id]))('%s passes', (id) => {
    const v = verdicts.get(id);
    expect(v, `no verdict for ${id}`).toBeDefined();
    expect(v?.status, `${id}: ${v?.detail ?? ''}`).toBe('pass');
    expect(v?.detail.length).toBeGreaterThan(10);
  });
});

describe('against a gateway with one defect', () => {
  const results = new Map<ScriptedDefect, Map<string, Verdict>>();
  beforeAll(async () => {
    for (const defect of SCRIPTED_DEFECTS) results.set(defect, await run({ defects: [defect] }, catchersOf(CATCHES, defect).map((c) => c.id)));
  }, 180_000);
  afterAll(() => results.clear());

  const rows = SCRIPTED_DEFECTS.flatMap((defect) => catchersOf(CATCHES, defect).map((c) => [defect, c.id, c.status] as const));
  it.each(rows)('%s → %s reports %s', (defect, id, status) => {
    const v = results.get(defect)?.get(id);
    expect(v, `no verdict for ${id}`).toBeDefined();
    expect(v?.status, `${id} on '${defect}': ${v?.detail ?? ''}`).toBe(status);
    expect(v?.detail.length).toBeGreaterThan(10);
  });
});

describe('against an upstream that ignores directives (a real model)', () => {
  let verdicts: Map<string, Verdict>;
  beforeAll(async () => {
    verdicts = await run({ ignoreDirectives: true }, tabled);
  }, 90_000);

  it.each(NEED_SCRIPT.map((id) => [id]))('%s reports skip and says why', (id) => {
    const v = verdicts.get(id);
    expect(v?.status, `${id}: ${v?.detail ?? ''}`).toBe('skip');
    expect(v?.detail).toMatch(/directives|real model|echo/);
  });

  it('no check errors, and model-dependent checks that judged report a pass rate', () => {
    for (const [id, v] of verdicts) {
      expect(v.status, `${id}: ${v.detail}`).not.toBe('error');
      if (v.detail.includes('run(s) against a real model') || v.detail.startsWith('pass rate')) expect(v.detail).toMatch(/run|pass rate \d+\/\d+/);
    }
    expect([...verdicts.values()].some((v) => /^pass rate \d+\/\d+/.test(v.detail))).toBe(true);
  });
});
