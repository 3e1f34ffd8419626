import type { ConformanceSummary, Verdict } from '../types.ts';

/** Counts per status; `blockers` counts failed or errored checks of severity blocker. */
export function summarizeVerdicts(verdicts: readonly Verdict[]): ConformanceSummary {
  const counts = { pass: 0, fail: 0, warn: 0, skip: 0, error: 0, blockers: 0 };
  for (const v of verdicts) {
    counts[v.status] += 1;
    if (v.severity === 'blocker' && (v.status === 'fail' || v.status === 'error')) counts.blockers += 1;
  }
  return counts;
}
