/** Conformance part of the gate: how each check moved between two runs. Pure. */
import type { CheckStatus, ConformanceResult, Verdict } from '../types.ts';
import type { CheckChange, CheckComparison, ConformanceComparison } from './types.ts';

const HELD: ReadonlySet<CheckStatus> = new Set(['pass', 'warn']);
const BROKEN: ReadonlySet<CheckStatus> = new Set(['fail', 'error']);

/**
 * A check that held in the baseline (pass or warn) and now fails or errors
 * is a regression; one that failed and now holds is fixed. Checks present on
 * one side only are listed as new or removed, never as regressions: suites
 * grow, and a check that did not exist cannot have regressed.
 */
export function classifyChange(baseline: CheckStatus | null, current: CheckStatus | null): CheckChange {
  if (baseline === null) return 'new';
  if (current === null) return 'removed';
  if (baseline === current) return 'same';
  if (HELD.has(baseline) && BROKEN.has(current)) return 'regression';
  if (BROKEN.has(baseline) && HELD.has(current)) return 'fixed';
  return 'changed';
}

function row(id: string, b: Verdict | undefined, c: Verdict | undefined): CheckComparison {
  const v = (c ?? b) as Verdict;
  return { id, title: v.title, severity: v.severity, baseline: b?.status ?? null, current: c?.status ?? null, change: classifyChange(b?.status ?? null, c?.status ?? null) };
}

/** Compare every check of the two runs by id. */
export function compareConformance(baseline: ConformanceResult, current: ConformanceResult): ConformanceComparison {
  const before = new Map(baseline.checks.map((v) => [v.id, v]));
  const after = new Map(current.checks.map((v) => [v.id, v]));
  const checks: CheckComparison[] = [];
  for (const [id, c] of after) checks.push(row(id, before.get(id), c));
  for (const [id, b] of before) if (!after.has(id)) checks.push(row(id, b, undefined));
  const ids = (change: CheckChange): string[] => checks.filter((r) => r.change === change).map((r) => r.id);
  return { checks, regressions: ids('regression'), fixed: ids('fixed'), added: ids('new'), removed: ids('removed') };
}
