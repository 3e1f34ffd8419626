/** The gate's diff table for the terminal: ✓/✗ per check change and per metric expression. Pure. */
import Table from 'cli-table3';
import { describeStatistic } from '../gate/thresholds.ts';
import type { CheckChange, GateResult, MetricStatus } from '../gate/types.ts';
import { sanitizeForTerminal } from './console.ts';

const MARK: Record<MetricStatus, string> = { pass: '✓', improved: '✓', noise: '~', fail: '✗', skip: '–' };
const WORD: Record<MetricStatus, string> = { pass: 'ok', improved: 'better', noise: 'noise', fail: 'REGRESSION', skip: 'skipped' };
const CHANGE_MARK: Record<CheckChange, string> = { same: '✓', regression: '✗', fixed: '✓', changed: '~', new: '+', removed: '−' };

function paint(text: string, code: number, color: boolean): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function num(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  const abs = Math.abs(v);
  if (abs === 0) return '0';
  return abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : abs >= 0.01 ? v.toFixed(2) : v.toExponential(1);
}

function signedNum(v: number): string {
  return `${v >= 0 ? '+' : '−'}${num(Math.abs(v))}`;
}

function signedPct(fraction: number): string {
  const pct = fraction * 100;
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)}%`;
}

/** Render the gate outcome as text tables plus a one-line verdict. */
export function renderGateTable(gate: GateResult, options: { readonly color: boolean }): string {
  const c = options.color;
  const lines: string[] = [];
  lines.push(`claude-bench gate — baseline ${gate.baseline.started_at} vs current ${gate.current.started_at}`);
  lines.push(`target ${sanitizeForTerminal(gate.current.target)}${gate.current.emulated ? ' [EMULATED]' : ''}`);
  for (const d of gate.fingerprint.differences) lines.push(`environment differs: ${sanitizeForTerminal(d)}`);

  if (gate.conformance) {
    const conf = gate.conformance;
    const changed = conf.checks.filter((r) => r.change !== 'same');
    lines.push(
      `conformance: ${conf.checks.length} checks, ${conf.regressions.length} regression(s), ${conf.fixed.length} fixed, ` +
        `${conf.added.length} new, ${conf.removed.length} removed`,
    );
    if (changed.length > 0) {
      const t = new Table({ head: ['', 'Check', 'Severity', 'Baseline', 'Current', 'Change'], style: { head: c ? ['bold'] : [], border: c ? ['grey'] : [] } });
      for (const r of changed) {
        const mark = r.change === 'regression' ? paint(CHANGE_MARK[r.change], 31, c) : CHANGE_MARK[r.change];
        t.push([mark, sanitizeForTerminal(`${r.id} ${r.title}`).slice(0, 60), r.severity, r.baseline ?? '–', r.current ?? '–', r.change]);
      }
      lines.push(t.toString());
    }
  }

  if (gate.perf) {
    const t = new Table({
      head: ['', 'Users', 'Metric', 'Threshold', 'Baseline', 'Current', 'Change', 'CI of change', 'Verdict'],
      style: { head: c ? ['bold'] : [], border: c ? ['grey'] : [] },
    });
    for (const m of gate.perf.metrics) {
      const color = m.status === 'fail' ? 31 : m.status === 'noise' ? 33 : m.status === 'skip' ? 90 : 32;
      const change = m.delta === null ? '–' : `${signedNum(m.delta)}${m.delta_fraction === null ? '' : ` (${signedPct(m.delta_fraction)})`}`;
      const ci = m.ci === null ? '–' : `[${signedNum(m.ci[0])}, ${signedNum(m.ci[1])}]`;
      t.push([
        paint(MARK[m.status], color, c),
        String(m.concurrency),
        describeStatistic(m.metric, m.statistic),
        m.expression,
        num(m.baseline),
        num(m.current),
        change,
        ci,
        paint(WORD[m.status], color, c),
      ]);
    }
    lines.push(t.toString());
    for (const m of gate.perf.metrics.filter((x) => x.status === 'fail' || x.status === 'noise' || x.status === 'skip')) {
      lines.push(`  ${MARK[m.status]} ${m.metric} @${m.concurrency}: ${sanitizeForTerminal(m.reason)}`);
    }
  }
  for (const n of gate.notes) lines.push(`note: ${n}`);
  const verdict = gate.passed
    ? paint('✓ gate passed: no regression', 32, c)
    : paint(`✗ gate failed: ${gate.regressions} regression(s)`, 31, c);
  lines.push(verdict);
  return `${lines.join('\n')}\n`;
}
