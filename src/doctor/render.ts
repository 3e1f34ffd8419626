/** `claude-bench doctor` output: findings as text, worst first. Pure. */
import type { Finding } from './types.ts';

const ORDER = { blocker: 0, degraded: 1, cosmetic: 2 } as const;

/** Findings sorted by severity, stable within one. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => ORDER[a.f.severity] - ORDER[b.f.severity] || a.i - b.i)
    .map((x) => x.f);
}

/** The report: a heading, then per finding its severity, id, where, what was found and the fix. */
export function renderFindings(heading: string, findings: readonly Finding[]): string {
  const lines = [heading];
  if (findings.length === 0) lines.push('  no known mistake found');
  for (const f of sortFindings(findings)) {
    lines.push(`  ✗ [${f.severity}] ${f.id}${f.where ? ` — ${f.where}` : ''}`, `      found: ${f.found}`, `      fix:   ${f.fix}`);
    if (f.refs && f.refs.length > 0) lines.push(`      see:   ${f.refs.join(', ')}`);
  }
  const blockers = findings.filter((f) => f.severity === 'blocker').length;
  lines.push(`${findings.length} finding(s), ${blockers} blocker(s) for Claude Code`);
  return `${lines.join('\n')}\n`;
}
