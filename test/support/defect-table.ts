import type { CheckId } from '../../src/conform/checks/index.ts';
import type { CheckStatus, Target } from '../../src/types.ts';

/**
 * A row of a "checks catch defects" table: the defect a check must catch,
 * reported as `fail` unless a status is given.
 */
export type Catch<D extends string> = D | { readonly defect: D; readonly status: CheckStatus };

export function expectation<D extends string>(c: Catch<D>): { defect: D; status: CheckStatus } {
  return typeof c === 'string' ? { defect: c, status: 'fail' } : c;
}

/** Check ids of `table` that must catch `defect`, with the status each must report. */
export function catchersOf<D extends string>(table: Readonly<Record<string, readonly Catch<D>[]>>, defect: D): { id: CheckId; status: CheckStatus }[] {
  const out: { id: CheckId; status: CheckStatus }[] = [];
  for (const [id, catches] of Object.entries(table)) {
    for (const c of catches.map(expectation)) if (c.defect === defect) out.push({ id: id as CheckId, status: c.status });
  }
  return out;
}

/** The Target for a test gateway with the given defects. */
export function defectTarget(gw: { readonly baseUrl: string; readonly apiKey: string; readonly defects: readonly string[] }): Target {
  return { baseUrl: gw.baseUrl, apiKey: gw.apiKey, model: 'claude-test-model', kind: 'external', emulated: false, description: `defective gateway [${gw.defects.join(', ') || 'clean'}]` };
}
