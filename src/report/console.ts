import Table from 'cli-table3';
import type { CheckStatus, RunResult, Severity, Verdict } from '../types.ts';

export interface ConsoleOptions {
  /** ANSI colour; only on a TTY. */
  readonly color: boolean;
  /** Terminal width used to size the detail column. */
  readonly width?: number;
}

const STATUS_LABEL: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP', error: 'ERROR' };
const STATUS_COLOR: Record<CheckStatus, number> = { pass: 32, fail: 31, warn: 33, skip: 90, error: 35 };
const SEVERITY_ORDER: Record<Severity, number> = { blocker: 0, degraded: 1, cosmetic: 2 };

/** Remove terminal control sequences: detail text may quote what a server sent. */
export function sanitizeForTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

function paint(text: string, code: number, color: boolean): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** The conformance table, most severe failures first within the suite order. */
export function renderConformance(result: RunResult, options: ConsoleOptions): string {
  const lines: string[] = [];
  const t = result.target;
  const emulated = t.emulated ? ' [EMULATED backend: not a hardware result]' : '';
  lines.push(`claude-bench conform — ${sanitizeForTerminal(t.description)}${emulated}`);
  lines.push(`target ${sanitizeForTerminal(t.base_url)}  model ${sanitizeForTerminal(t.model)}`);
  const conf = result.conformance;
  if (!conf) return `${lines.join('\n')}\n(no conformance results)\n`;

  const width = Math.max(80, Math.min(options.width ?? 120, 200));
  const detailWidth = Math.max(30, width - 8 - 38 - 10 - 7 - 12);
  const table = new Table({
    head: ['ID', 'Check', 'Severity', 'Status', 'Detail'],
    style: { head: options.color ? ['bold'] : [], border: options.color ? ['grey'] : [] },
    colWidths: [8, 38, 10, 7, detailWidth],
    wordWrap: true,
  });
  for (const v of conf.checks) table.push(row(v, options.color, detailWidth));
  lines.push(table.toString());

  const s = conf.summary;
  lines.push(
    `${conf.checks.length} checks: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.skip} skip, ${s.error} error; ` +
      `${s.blockers} blocker${s.blockers === 1 ? '' : 's'} for Claude Code`,
  );
  const failing = [...conf.checks]
    .filter((v) => v.status === 'fail' || v.status === 'error')
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  if (failing.length > 0) {
    lines.push('What to fix first:');
    for (const v of failing.slice(0, 5)) {
      lines.push(`  ${v.id} (${v.severity}): ${truncate(sanitizeForTerminal(v.detail), width - 20)}`);
    }
  }
  if (result.partial) lines.push('PARTIAL: the run was interrupted; unfinished checks are missing.');
  return `${lines.join('\n')}\n`;
}

function row(v: Verdict, color: boolean, detailWidth: number): string[] {
  const status = paint(STATUS_LABEL[v.status], STATUS_COLOR[v.status], color);
  const detail = truncate(sanitizeForTerminal(v.detail), detailWidth * 3);
  return [v.id, truncate(v.title, 36 * 2), v.severity, status, detail];
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** The perf part of a run: one row per load level, then the verdicts against the profile. Empty when the run has no perf. */
export function renderPerfSummary(result: RunResult, options: ConsoleOptions): string {
  const perf = result.perf;
  if (!perf) return '';
  const lines: string[] = [];
  const emulated = result.target.emulated ? ' [EMULATED: not a hardware result]' : '';
  lines.push(`perf${perf.profile ? ` (profile ${sanitizeForTerminal(perf.profile)})` : ''}${emulated}`);
  const table = new Table({
    head: ['Users', 'OK', 'Failed', 'TTFT p50', 'TTFT p95', 'TPOT p50', 'E2EL p99', 'tok/s p50', 'tok/s aggr'],
    style: { head: options.color ? ['bold'] : [], border: options.color ? ['grey'] : [] },
  });
  for (const r of perf.runs) {
    table.push([
      String(r.concurrency),
      String(r.requests.ok),
      String(r.requests.failed),
      fmt(r.ttft_ms.p50),
      fmt(r.ttft_ms.p95),
      fmt(r.tpot_ms.p50),
      fmt(r.e2el_ms.p99),
      fmt(r.output_tokens_per_s.p50),
      fmt(r.output_tokens_per_s.aggregate),
    ]);
  }
  lines.push(table.toString());
  for (const v of perf.verdicts) {
    const status = paint(v.status.toUpperCase(), v.status === 'pass' ? 32 : v.status === 'fail' ? 31 : v.status === 'warn' ? 33 : 90, options.color);
    const ceiling = v.ceiling === null ? '' : `, ceiling ${fmt(v.ceiling)}`;
    lines.push(`  ${status} ${sanitizeForTerminal(v.metric)}: measured ${fmt(v.measured)}, documented ${sanitizeForTerminal(v.documented)}${ceiling}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Several runs side by side: one row per check whose status differs, one column per run (A, B, …). */
export function renderSideBySide(results: readonly RunResult[], options: ConsoleOptions): string {
  if (results.length < 2) return '';
  const letters = results.map((_, i) => String.fromCharCode(65 + (i % 26)));
  const lines = results.map((r, i) => `${letters[i]}: ${sanitizeForTerminal(r.target.description)} (${r.started_at})`);
  const ids: string[] = [];
  for (const r of results) for (const v of r.conformance?.checks ?? []) if (!ids.includes(v.id)) ids.push(v.id);
  const byRun = results.map((r) => new Map((r.conformance?.checks ?? []).map((v) => [v.id, v.status])));
  const differing = ids.filter((id) => new Set(byRun.map((m) => m.get(id) ?? null)).size > 1);
  if (ids.length > 0) {
    if (differing.length === 0) lines.push(`all ${ids.length} checks have the same status in every run`);
    else {
      const table = new Table({ head: ['Check', ...letters], style: { head: options.color ? ['bold'] : [], border: options.color ? ['grey'] : [] } });
      for (const id of differing) {
        table.push([id, ...byRun.map((m) => {
          const s = m.get(id);
          return s ? paint(STATUS_LABEL[s], STATUS_COLOR[s], options.color) : '–';
        })]);
      }
      lines.push(`${differing.length} of ${ids.length} checks differ:`, table.toString());
    }
  }
  return `${lines.join('\n')}\n`;
}
