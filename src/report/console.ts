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
