/**
 * The perf console report: load levels, the verdict table (measured /
 * documented / ceiling per target, binding constraint), capacity and
 * warnings. Every figure from an emulated backend is labelled EMULATED.
 * Pure: a RunResult in, a string out.
 */
import Table from 'cli-table3';
import { sanitizeForTerminal } from '../report/console.ts';
import { renderAb, type AbLevel } from './ab.ts';
import { renderOverhead, type GatewayOverheadResult } from './gateway-overhead.ts';
import type { PerfRun, PerfVerdict, RunResult } from '../types.ts';

export interface PerfConsoleOptions {
  readonly color: boolean;
  readonly width?: number;
}

const STATUS: Record<PerfVerdict['status'], [string, number]> = { pass: ['PASS', 32], fail: ['FAIL', 31], warn: ['WARN', 33], skip: ['SKIP', 90] };

function paint(text: string, code: number, color: boolean): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** ms as "850 ms" or "2.31 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return Math.abs(ms) >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
}

function num(v: number, digits = 1): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '—';
}

/** A verdict's figure in the unit its metric id implies. */
export function formatFigure(metric: string, v: number | null): string {
  if (v === null) return '—';
  if (metric.includes('_ms')) return formatMs(v);
  if (metric.includes('tokens_per_s')) return `${num(v)} tok/s`;
  if (metric.includes('error_rate')) return `${(v * 100).toFixed(1)} %`;
  if (metric.includes('users')) return `${v}`;
  return num(v, 2);
}

function ceilingText(metric: string, v: number | null): string {
  if (v === null) return '—';
  if (metric.includes('ttft')) return `≥ ${formatFigure(metric, v)} (prefill floor)`;
  if (metric.includes('tokens_per_s')) return `≤ ${formatFigure(metric, v)}`;
  if (metric.includes('tpot')) return `≥ ${formatFigure(metric, v)}`;
  return formatFigure(metric, v);
}

/** Render the perf part of a RunResult. */
export function renderPerf(result: RunResult, options: PerfConsoleOptions): string {
  const perf = result.perf;
  const t = result.target;
  const emulated = t.emulated;
  const tag = emulated ? ' EMULATED' : '';
  const lines: string[] = [];
  lines.push(`claude-bench perf — ${sanitizeForTerminal(t.description)}${emulated ? ' [EMULATED backend: not a hardware result]' : ''}`);
  if (!perf) return `${lines.join('\n')}\n(no perf results)\n`;
  const extra = (perf.extra ?? {}) as Record<string, unknown>;
  const wl = perf.workload;
  lines.push(
    `target ${sanitizeForTerminal(t.base_url)}  model ${sanitizeForTerminal(t.model)}  workload ${String(wl['name'] ?? '?')}` +
      `${perf.profile ? `  profile ${perf.profile}` : ''}`,
  );
  const scale = extra['time_scale'];
  if (emulated && typeof scale === 'number' && scale !== 1) {
    lines.push(`EMULATED at time scale ${scale}: the emulator ran ${num(1 / scale, 0)}× faster than the profile's hardware; every time below is scaled back to the hardware's (model) time.`);
  }

  const border = options.color ? ['grey'] : [];
  const head = options.color ? ['bold'] : [];
  const levels = new Table({
    head: ['Users', 'OK/fail', `TTFT p50${tag}`, `TTFT p95${tag}`, `TPOT p50${tag}`, `ITL p99${tag}`, `E2EL p99${tag}`, `tok/s/user p50${tag}`, `tok/s total${tag}`],
    style: { head, border },
  });
  for (const r of perf.runs) levels.push(levelRow(r));
  // gateway-overhead runs no load levels: no empty table.
  if (perf.runs.length > 0) {
    lines.push('TPOT = (E2EL − TTFT)/(N − 1) (= vLLM TPOT = AIPerf ITL); ITL = gaps between content deltas (vLLM ITL, per chunk).');
    lines.push(levels.toString());
  }

  if (perf.verdicts.length > 0) {
    const width = Math.max(90, Math.min(options.width ?? 120, 200));
    const idWidth = Math.max(8, ...perf.verdicts.map((v) => v.metric.length)) + 2;
    const detailWidth = Math.max(24, width - idWidth - 18 - 14 - 22 - 8 - 14);
    const verdicts = new Table({
      head: ['Target', `Measured${tag}`, 'Documented', 'Ceiling', 'Status', 'Detail'],
      style: { head, border },
      colWidths: [idWidth, 18, 14, 22, 8, detailWidth],
      wordWrap: true,
    });
    for (const v of perf.verdicts) {
      const [label, code] = STATUS[v.status];
      verdicts.push([
        v.metric,
        `${formatFigure(v.metric, v.measured)}${v.emulated ? '\nEMULATED' : ''}`,
        sanitizeForTerminal(v.documented),
        ceilingText(v.metric, v.ceiling),
        paint(label, code, options.color),
        sanitizeForTerminal(v.detail),
      ]);
    }
    lines.push(verdicts.toString());
  }
  if (perf.capacity) {
    const c = perf.capacity;
    lines.push(
      `Capacity${tag}: max users ${c.max_users ?? 'none'}` +
        `${c.first_failing_users !== null ? `; first failing: ${c.first_failing_users} users` : ''}` +
        `${c.binding_constraint !== null ? `; binding constraint: ${c.binding_constraint}` : ''}`,
    );
  }
  const overhead = extra['gateway_overhead'] as GatewayOverheadResult | undefined;
  if (overhead !== undefined) for (const line of renderOverhead(overhead, tag)) lines.push(sanitizeForTerminal(line));
  for (const line of serverLines(perf.runs)) lines.push(line);
  const ab = extra['ab'] as { levels?: AbLevel[] } | undefined;
  if (ab !== undefined && Array.isArray(ab.levels)) for (const line of renderAb(ab.levels, tag)) lines.push(sanitizeForTerminal(line));
  const cache = extra['response_cache'] as { flagged?: boolean; detail?: string } | undefined;
  if (cache !== undefined && cache.flagged !== true && typeof cache.detail === 'string') lines.push(`Response-cache probe: ${sanitizeForTerminal(cache.detail)}`);
  const accuracy = extra['accuracy'] as Record<string, unknown> | undefined;
  if (accuracy && typeof accuracy['summary'] === 'string') lines.push(`Harness accuracy: ${accuracy['summary']}`);
  const self = extra['self'] as { cpu_us_per_event?: number | null; cpu_share?: number; event_loop_lag_ms?: { p99: number } } | undefined;
  if (self) {
    lines.push(
      `Client self-check: event-loop lag p99 ${formatMs(self.event_loop_lag_ms?.p99 ?? Number.NaN)}` +
        `${typeof self.cpu_share === 'number' ? `, CPU ${(self.cpu_share * 100).toFixed(0)} % of a core` : ''}` +
        `${typeof self.cpu_us_per_event === 'number' ? ` (${self.cpu_us_per_event.toFixed(1)} µs per SSE event received)` : ''}`,
    );
  }
  const warnings = Array.isArray(extra['warnings']) ? (extra['warnings'] as unknown[]).map(String) : [];
  for (const w of warnings) lines.push(paint(`warning: ${sanitizeForTerminal(w)}`, 33, options.color));
  const failed = perf.verdicts.filter((v) => v.status === 'fail');
  const warned = perf.verdicts.filter((v) => v.status === 'warn');
  if (warned.length > 0) lines.push(paint(`${warned.length} verdict warning(s): ${warned.map((v) => v.metric).join(', ')}.`, 33, options.color));
  lines.push(
    perf.verdicts.length === 0 || perf.profile === null
      ? 'No profile: figures only (judge them against documented targets with --profile ID).'
      : failed.length === 0
      ? `All ${perf.verdicts.length} targets met${tag}.`
      : `${failed.length} of ${perf.verdicts.length} targets missed${tag}: ${failed.map((v) => v.metric).join(', ')}.`,
  );
  if (result.partial) lines.push('PARTIAL: the run was interrupted; figures cover only what completed.');
  return `${lines.join('\n')}\n`;
}

function levelRow(r: PerfRun): string[] {
  const rep = (r.extra?.['repeat'] as number | undefined) ?? 0;
  return [
    `${r.concurrency}${r.mode !== 'closed' ? ` (${r.mode} ${num(r.rate_rps ?? 0)}/s)` : ''}${rep > 0 ? ` #${rep + 1}` : ''}`,
    `${r.requests.ok}/${r.requests.failed}`,
    r.ttft_ms.n > 0 ? formatMs(r.ttft_ms.p50) : '—',
    r.ttft_ms.n > 0 ? formatMs(r.ttft_ms.p95) : '—',
    r.tpot_ms.n > 0 ? formatMs(r.tpot_ms.p50) : '—',
    r.itl_ms.n > 0 ? formatMs(r.itl_ms.p99) : '—',
    r.e2el_ms.n > 0 ? formatMs(r.e2el_ms.p99) : '—',
    r.samples.output_tokens_per_s.length > 0 ? num(r.output_tokens_per_s.p50) : '—',
    num(r.output_tokens_per_s.aggregate),
  ];
}

/** One line per level with the server's view (vLLM /metrics), when it was scraped. */
function serverLines(runs: readonly PerfRun[]): string[] {
  const out: string[] = [];
  for (const r of runs) {
    const s = r.extra?.['server'] as
      | { scrapes: number; max_running: number | null; max_waiting: number | null; max_kv_cache_usage: number | null; prefix_cache_hit_rate: number | null; note?: string }
      | undefined;
    if (s === undefined) continue;
    const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(0)} %`);
    out.push(
      `Server /metrics at ${r.concurrency} users: ` +
        (s.note !== undefined
          ? s.note
          : `max running ${s.max_running ?? '—'}, max waiting ${s.max_waiting ?? '—'}, KV cache max ${pct(s.max_kv_cache_usage)}, prefix-cache hits ${pct(s.prefix_cache_hit_rate)} (${s.scrapes} scrapes)`),
    );
  }
  return out;
}
