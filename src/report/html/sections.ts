/**
 * The sections of the HTML report, each a pure function returning markup.
 * Every value from a results file goes through `h()` (escapeHtml): details,
 * evidence, titles and descriptions may all carry what a server sent.
 */
import { describeStatistic } from '../../gate/thresholds.ts';
import type { GateResult, MetricStatus } from '../../gate/types.ts';
import type { CheckStatus, PerfRun, PerfVerdict, RunResult, Verdict } from '../../types.ts';
import { escapeHtml as h } from '../escape.ts';
import { formatBytes, formatMs, formatNumber, formatPercent, formatSigned, runLetter } from '../format.ts';

const STATUS_WORD: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP', error: 'ERROR' };
const SHOWN: ReadonlySet<CheckStatus> = new Set(['fail', 'error', 'warn']);

/** A status pill; `cls` picks the colour (s-pass, s-fail, …). */
export function badge(text: string, cls: string): string {
  return `<span class="badge s-${h(cls)}">${h(text)}</span>`;
}

/** Run name shown when several runs share a page. */
export function runName(results: readonly RunResult[], i: number): string {
  const r = results[i];
  if (!r) return '';
  return results.length > 1 ? `${runLetter(i)} · ${r.target.description}` : r.target.description;
}

function exitVerdict(code: number): { text: string; cls: string } {
  switch (code) {
    case 0:
      return { text: 'All verdicts hold', cls: 'verdict-ok' };
    case 1:
      return { text: 'Failed', cls: 'verdict-bad' };
    case 130:
      return { text: 'Interrupted (partial)', cls: 'verdict-other' };
    default:
      return { text: `Exit ${code}`, cls: 'verdict-bad' };
  }
}

/** Title, EMULATED and PARTIAL banners. */
export function renderHeader(results: readonly RunResult[], title: string): string {
  const parts = [`<header><h1>${h(title)}</h1>`];
  const first = results[0];
  const when = first ? `${first.started_at} → ${first.finished_at}` : '';
  parts.push(`<p class="muted">${results.length} run${results.length === 1 ? '' : 's'} · ${h(when)}</p>`);
  const emulated = results.map((r, i) => (r.target.emulated ? runName(results, i) : null)).filter((x): x is string => x !== null);
  if (emulated.length > 0) {
    parts.push(
      `<div class="banner emulated" id="emulated-banner">EMULATED: the backend of ${h(emulated.join('; '))} is claude-bench's vLLM emulator. ` +
        'Its figures show how the gateway and harness behave, never what hardware achieves.</div>',
    );
  }
  for (const [i, r] of results.entries()) {
    if (r.partial) parts.push(`<div class="banner partial">PARTIAL: ${h(runName(results, i))} was interrupted; the figures cover only part of it.</div>`);
  }
  parts.push('</header>');
  return parts.join('\n');
}

function perfVerdictTable(verdicts: readonly PerfVerdict[]): string {
  if (verdicts.length === 0) return '';
  const rows = verdicts.map(
    (v) =>
      `<tr class="row-${h(v.status)}"><td>${h(v.metric)}</td><td class="num">${h(formatNumber(v.measured))}</td><td>${h(v.documented)}</td>` +
      `<td class="num">${h(formatNumber(v.ceiling))}</td><td>${badge(v.status.toUpperCase(), v.status)}</td><td>${h(v.detail)}</td></tr>`,
  );
  return (
    '<table class="perf-verdicts"><thead><tr><th>Target</th><th class="num">Measured</th><th>Documented</th><th class="num">Ceiling</th><th>Status</th><th>Detail</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

/** One card per run: verdict, target, counts; then the perf verdicts (measured / documented / ceiling). */
export function renderSummary(results: readonly RunResult[]): string {
  const cards = results.map((r, i) => {
    const v = exitVerdict(r.exit_code);
    const conf = r.conformance;
    const lines: string[] = [];
    lines.push(`<div class="muted">${h(results.length > 1 ? `${runLetter(i)} · ` : '')}${h(r.command)} · ${h(r.started_at)}</div>`);
    const blockers = conf && conf.summary.blockers > 0 ? ` — ${conf.summary.blockers} blocker${conf.summary.blockers === 1 ? '' : 's'} for Claude Code` : '';
    lines.push(`<div class="big ${v.cls}">${h(v.text)}${h(blockers)}</div>`);
    lines.push(`<div>${h(r.target.description)}${r.target.emulated ? ` ${badge('EMULATED', 'warn')}` : ''}</div>`);
    lines.push(`<div class="muted">model ${h(r.target.model)} · ${h(r.target.base_url)} · ${h(r.target.kind)}</div>`);
    if (conf) {
      const s = conf.summary;
      lines.push(
        `<div>${conf.checks.length} checks: ${badge(`${s.pass} pass`, 'pass')} ${badge(`${s.fail} fail`, s.fail > 0 ? 'fail' : 'none')} ` +
          `${badge(`${s.warn} warn`, s.warn > 0 ? 'warn' : 'none')} ${badge(`${s.skip} skip`, 'skip')} ${badge(`${s.error} error`, s.error > 0 ? 'error' : 'none')}</div>`,
      );
    }
    const perf = r.perf;
    if (perf) {
      const cap = perf.capacity;
      const capText = cap ? ` · max users ${cap.max_users ?? '–'}${cap.binding_constraint ? ` (bound by ${cap.binding_constraint})` : ''}` : '';
      lines.push(`<div>perf: ${perf.runs.length} load level(s)${perf.profile ? ` · profile ${h(perf.profile)}` : ''}${h(capText)}</div>`);
    }
    return `<div class="card">${lines.join('\n')}</div>`;
  });
  const verdictTables = results
    .map((r, i) => (r.perf && r.perf.verdicts.length > 0 ? `<h3>Against the profile${results.length > 1 ? ` — ${h(runName(results, i))}` : ''}</h3>${perfVerdictTable(r.perf.verdicts)}` : ''))
    .join('');
  return `<section id="summary"><h2>Verdict</h2><div class="cards">${cards.join('')}</div>${verdictTables}</section>`;
}

/** Shared counter so every request viewer gets a unique element id. */
export interface IdSource {
  next(prefix: string): string;
}

export function createIdSource(): IdSource {
  let n = 0;
  return { next: (prefix) => `${prefix}-${++n}` };
}

function findingBody(v: Verdict, ids: IdSource): string {
  const parts: string[] = [];
  if (v.evidence !== undefined && v.evidence !== '') parts.push(`<div class="muted">Evidence (as the server sent it):</div><pre class="evidence">${h(v.evidence)}</pre>`);
  if (v.refs && v.refs.length > 0) parts.push(`<div class="muted">Known reports: ${v.refs.map((r) => h(r)).join(', ')}</div>`);
  if (v.request_ids && v.request_ids.length > 0) {
    const viewers = v.request_ids.map((id) => {
      const out = ids.next('req');
      return `<button type="button" class="req" data-request-id="${h(id)}" aria-controls="${out}" aria-expanded="false">request ${h(id.slice(0, 8))}</button><pre class="req-out" id="${out}" hidden></pre>`;
    });
    parts.push(`<div class="muted">Requests (requests.jsonl):</div><div class="reqs">${viewers.join('')}</div>`);
  }
  parts.push(`<div class="muted">Check took ${h(formatMs(v.duration_ms))}.</div>`);
  return parts.join('');
}

/** The conformance matrix of one run: check × status with severity; failing checks expand to detail, evidence and requests. */
export function renderMatrix(result: RunResult, heading: string, ids: IdSource): string {
  const conf = result.conformance;
  if (!conf) return '';
  const rows = conf.checks.map((v) => {
    const finding = SHOWN.has(v.status)
      ? `<details class="finding" data-check="${h(v.id)}"><summary>${h(v.detail)}</summary><div class="finding-body">${findingBody(v, ids)}</div></details>`
      : `<span class="muted">${h(v.detail)}</span>`;
    return (
      `<tr class="row-${h(v.status)}" data-check="${h(v.id)}"><td><code>${h(v.id)}</code></td><td>${h(v.title)}</td><td>${h(v.area)}</td>` +
      `<td class="sev sev-${h(v.severity)}">${h(v.severity)}</td><td>${badge(STATUS_WORD[v.status], v.status)}</td><td>${finding}</td></tr>`
    );
  });
  return (
    `<h3>${h(heading)}</h3><p class="muted">Suites: ${conf.suites.map((s) => h(s)).join(', ')}</p>` +
    '<table class="matrix"><thead><tr><th>ID</th><th>Check</th><th>Area</th><th>Severity</th><th>Status</th><th>Finding</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

/** Matrices of every run, with the "only problems" filter. */
export function renderConformance(results: readonly RunResult[], ids: IdSource): string {
  const withConf = results.filter((r) => r.conformance);
  if (withConf.length === 0) return '';
  const tables = results.map((r, i) => renderMatrix(r, results.length > 1 ? runName(results, i) : 'Checks', ids)).join('');
  return (
    '<section id="conformance"><h2>Conformance</h2>' +
    '<div class="toolbar"><label><input type="checkbox" id="only-problems"> Show only checks that did not pass</label>' +
    '<button type="button" class="tool" id="expand-findings" aria-pressed="false">Expand all findings</button></div>' +
    `${tables}</section>`
  );
}

function distCells(d: PerfRun['ttft_ms'], keys: readonly ('p50' | 'p90' | 'p95' | 'p99' | 'mean')[]): string {
  return keys.map((k) => `<td class="num">${h(formatNumber(d[k]))}</td>`).join('');
}

function perfRunsTable(runs: readonly PerfRun[]): string {
  const rows = runs.map((r) => {
    const errors = Object.entries(r.requests.errors_by_kind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    return (
      `<tr><td class="num">${r.concurrency}</td><td>${h(r.mode)}${r.rate_rps !== undefined ? ` ${h(formatNumber(r.rate_rps))} rps` : ''}</td>` +
      `<td class="num">${r.requests.ok}</td><td class="num">${r.requests.failed}</td>` +
      distCells(r.ttft_ms, ['p50', 'p95', 'p99']) +
      distCells(r.tpot_ms, ['p50']) +
      distCells(r.itl_ms, ['p50']) +
      distCells(r.e2el_ms, ['p50', 'p99']) +
      `<td class="num">${h(formatNumber(r.output_tokens_per_s.p50))}</td><td class="num">${h(formatNumber(r.output_tokens_per_s.aggregate))}</td>` +
      `<td class="num">${h(formatNumber(r.duration_s))}</td><td>${h(errors || '–')}</td></tr>`
    );
  });
  return (
    '<div class="table-wrap"><table class="perf-runs"><thead><tr><th class="num">Users</th><th>Mode</th><th class="num">OK</th><th class="num">Failed</th>' +
    '<th class="num">TTFT p50</th><th class="num">TTFT p95</th><th class="num">TTFT p99</th><th class="num" title="TPOT (= vLLM TPOT = AIPerf ITL)">TPOT p50</th>' +
    '<th class="num" title="ITL (vLLM-style, per chunk)">ITL p50</th><th class="num">E2EL p50</th><th class="num">E2EL p99</th>' +
    '<th class="num" title="output tokens/s per stream, median">tok/s/stream p50</th><th class="num" title="output tokens/s over the measured window">tok/s total</th><th class="num">Window (s)</th><th>Errors</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table></div><p class="muted">Latencies in ms; percentiles over successful requests (linear interpolation). ` +
    'TPOT = (E2EL − TTFT)/(N − 1), as vLLM TPOT and AIPerf ITL; ITL = pooled gaps between content deltas, as vLLM ITL.</p>'
  );
}

/** Warnings the perf stage recorded (`perf.extra.warnings`, when it is a list of strings). */
function perfWarnings(r: RunResult): string {
  const raw = r.perf?.extra?.['warnings'];
  const list = Array.isArray(raw) ? raw.filter((w): w is string => typeof w === 'string') : [];
  return list.length === 0 ? '' : `<ul class="warnings">${list.map((w) => `<li>${h(w)}</li>`).join('')}</ul>`;
}

/** Perf tables and charts. */
export function renderPerf(results: readonly RunResult[], charts: { distribution: string[]; concurrency: string[]; timeline: string[] }): string {
  const withPerf = results.map((r, i) => ({ r, i })).filter(({ r }) => r.perf);
  if (withPerf.length === 0) return '';
  const tables = withPerf
    .map(({ r, i }) => `<h3>Load levels${results.length > 1 ? ` — ${h(runName(results, i))}` : ''}</h3>${perfRunsTable(r.perf?.runs ?? [])}${perfWarnings(r)}`)
    .join('');
  const group = (title: string, svgs: string[]): string => (svgs.length > 0 ? `<h3>${h(title)}</h3><div class="charts">${svgs.join('')}</div>` : '');
  return (
    `<section id="perf"><h2>Performance</h2>${tables}` +
    group('TTFT distribution', charts.distribution) +
    group('Tokens/s and TTFT against concurrency', charts.concurrency) +
    group('Latency over the run', charts.timeline) +
    '</section>'
  );
}

/** The machine and tool of each run, side by side. */
export function renderEnvironment(results: readonly RunResult[]): string {
  const rows: [string, (r: RunResult) => string][] = [
    ['Tool', (r) => `${r.tool.name} ${r.tool.version} (schema ${r.schema_version})`],
    ['Command', (r) => r.command],
    ['Started', (r) => r.started_at],
    ['Finished', (r) => r.finished_at],
    ['Target', (r) => r.target.description],
    ['Base URL', (r) => r.target.base_url],
    ['Model', (r) => r.target.model],
    ['Gateway', (r) => (r.target.gateway ? `${r.target.gateway.name} ${r.target.gateway.version}` : '–')],
    ['Backend', (r) => (r.target.backend ? `${r.target.backend.name} ${r.target.backend.version}` : '–')],
    ['Emulated', (r) => (r.target.emulated ? 'yes' : 'no')],
    ['OS', (r) => `${r.environment.os} (${r.environment.arch})`],
    ['Node.js', (r) => r.environment.node],
    ['CPU', (r) => `${r.environment.cpu_model} × ${r.environment.cpu_cores}`],
    ['Memory', (r) => formatBytes(r.environment.memory_bytes)],
    ['Host (hash)', (r) => r.environment.hostname_hash],
    ['Exit code', (r) => String(r.exit_code)],
  ];
  const head = results.length > 1 ? `<thead><tr><th></th>${results.map((_, i) => `<th>${runLetter(i)}</th>`).join('')}</tr></thead>` : '';
  const body = rows.map(([name, get]) => `<tr><th>${h(name)}</th>${results.map((r) => `<td>${h(get(r))}</td>`).join('')}</tr>`).join('');
  return `<section id="environment"><h2>Environment</h2><table class="kv">${head}<tbody>${body}</tbody></table></section>`;
}

/** Side by side: per check and per metric, one column per run. */
export function renderComparison(results: readonly RunResult[]): string {
  if (results.length < 2) return '';
  const cols = results.map((_, i) => `<th>${runLetter(i)}</th>`).join('');
  const legend = results.map((r, i) => `<li><b>${runLetter(i)}</b>: ${h(r.target.description)} <span class="muted">(${h(r.started_at)})</span></li>`).join('');
  const parts = [`<section id="comparison"><h2>Side by side</h2><ul>${legend}</ul>`];

  const checkIds: string[] = [];
  const titles = new Map<string, string>();
  for (const r of results) {
    for (const v of r.conformance?.checks ?? []) {
      if (!titles.has(v.id)) {
        checkIds.push(v.id);
        titles.set(v.id, v.title);
      }
    }
  }
  if (checkIds.length > 0) {
    const byRun = results.map((r) => new Map((r.conformance?.checks ?? []).map((v) => [v.id, v])));
    const rows = checkIds.map((id) => {
      const statuses = byRun.map((m) => m.get(id)?.status ?? null);
      const differ = new Set(statuses).size > 1;
      const cells = statuses.map((s) => `<td>${s === null ? badge('–', 'none') : badge(STATUS_WORD[s], s)}</td>`).join('');
      return `<tr class="${differ ? 'diff-row-bad' : ''}"><td><code>${h(id)}</code></td><td>${h(titles.get(id) ?? '')}</td>${cells}</tr>`;
    });
    parts.push(`<h3>Per check</h3><table class="compare-checks"><thead><tr><th>ID</th><th>Check</th>${cols}</tr></thead><tbody>${rows.join('')}</tbody></table>`);
  }

  const levels = [...new Set(results.flatMap((r) => (r.perf?.runs ?? []).map((x) => x.concurrency)))].sort((a, b) => a - b);
  if (levels.length > 0) {
    const metrics: [string, (x: PerfRun) => number][] = [
      ['TTFT p50 (ms)', (x) => x.ttft_ms.p50],
      ['TTFT p95 (ms)', (x) => x.ttft_ms.p95],
      ['TPOT p50 (ms)', (x) => x.tpot_ms.p50],
      ['E2EL p99 (ms)', (x) => x.e2el_ms.p99],
      ['tok/s per stream p50', (x) => x.output_tokens_per_s.p50],
      ['tok/s aggregate', (x) => x.output_tokens_per_s.aggregate],
      ['error rate', (x) => (x.requests.ok + x.requests.failed > 0 ? x.requests.failed / (x.requests.ok + x.requests.failed) : 0)],
    ];
    const rows: string[] = [];
    for (const c of levels) {
      const runsAt = results.map((r) => (r.perf?.runs ?? []).find((x) => x.concurrency === c));
      for (const [name, get] of metrics) {
        const cells = runsAt.map((x) => `<td class="num">${x ? h(formatNumber(get(x))) : '–'}</td>`).join('');
        rows.push(`<tr><td class="num">${c}</td><td>${h(name)}</td>${cells}</tr>`);
      }
    }
    parts.push(`<h3>Per metric</h3><table class="compare-perf"><thead><tr><th class="num">Users</th><th>Metric</th>${cols}</tr></thead><tbody>${rows.join('')}</tbody></table>`);
  }
  parts.push('</section>');
  return parts.join('');
}

const GATE_MARK: Record<MetricStatus, string> = { pass: '✓', improved: '✓', noise: '~', fail: '✗', skip: '–' };
const GATE_WORD: Record<MetricStatus, string> = { pass: 'ok', improved: 'better', noise: 'noise', fail: 'regression', skip: 'skipped' };

/** The gate's comparison: verdict, environment differences, check changes, metric diff table. */
export function renderGate(gate: GateResult): string {
  const parts: string[] = ['<section id="gate"><h2>Regression gate</h2>'];
  const verdict = gate.passed ? '✓ No regression against the baseline' : `✗ ${gate.regressions} regression(s) against the baseline`;
  parts.push(`<div class="card"><div class="big ${gate.passed ? 'verdict-ok' : 'verdict-bad'}">${h(verdict)}</div>`);
  parts.push(`<div class="muted">baseline ${h(gate.baseline.started_at)} (${h(gate.baseline.target)}) → current ${h(gate.current.started_at)} (${h(gate.current.target)})</div>`);
  for (const d of gate.fingerprint.differences) parts.push(`<div>Environment differs: ${h(d)}</div>`);
  for (const n of gate.notes) parts.push(`<div class="muted">Note: ${h(n)}</div>`);
  parts.push('</div>');

  if (gate.conformance) {
    const c = gate.conformance;
    parts.push(
      `<h3>Checks</h3><p>${c.checks.length} compared: ${c.regressions.length} regression(s), ${c.fixed.length} fixed, ${c.added.length} new, ${c.removed.length} removed.</p>`,
    );
    const changed = c.checks.filter((r) => r.change !== 'same');
    if (changed.length > 0) {
      const rows = changed.map(
        (r) =>
          `<tr class="${r.change === 'regression' ? 'diff-row-bad' : ''}"><td>${r.change === 'regression' ? '✗' : r.change === 'fixed' ? '✓' : '·'}</td><td><code>${h(r.id)}</code> ${h(r.title)}</td>` +
          `<td class="sev sev-${h(r.severity)}">${h(r.severity)}</td><td>${r.baseline ? badge(STATUS_WORD[r.baseline], r.baseline) : '–'}</td>` +
          `<td>${r.current ? badge(STATUS_WORD[r.current], r.current) : '–'}</td><td>${badge(r.change, r.change)}</td></tr>`,
      );
      parts.push(`<table class="gate-checks"><thead><tr><th></th><th>Check</th><th>Severity</th><th>Baseline</th><th>Current</th><th>Change</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
    }
  }
  if (gate.perf) {
    const rows = gate.perf.metrics.map((m) => {
      const change = m.delta === null ? '–' : `${formatSigned(m.delta)}${m.delta_fraction === null ? '' : ` (${formatPercent(m.delta_fraction)})`}`;
      const ci = m.ci === null ? '–' : `[${formatSigned(m.ci[0])}, ${formatSigned(m.ci[1])}]`;
      return (
        `<tr class="${m.status === 'fail' ? 'diff-row-bad' : ''}" title="${h(m.reason)}"><td>${h(GATE_MARK[m.status])}</td><td class="num">${m.concurrency}</td>` +
        `<td>${h(describeStatistic(m.metric, m.statistic))}</td><td><code>${h(m.expression)}</code></td>` +
        `<td class="num">${h(formatNumber(m.baseline))}</td><td class="num">${h(formatNumber(m.current))}</td><td class="num">${h(change)}</td>` +
        `<td class="num">${h(ci)}</td><td>${badge(GATE_WORD[m.status], m.status)}</td><td class="muted">${h(m.reason)}</td></tr>`
      );
    });
    parts.push(
      '<h3>Metrics</h3><table class="gate-perf"><thead><tr><th></th><th class="num">Users</th><th>Metric</th><th>Threshold</th><th class="num">Baseline</th>' +
        `<th class="num">Current</th><th class="num">Change</th><th class="num">CI of change</th><th>Verdict</th><th>Why</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    );
    parts.push(`<p class="muted">${h(gate.method)}.</p>`);
  }
  parts.push('</section>');
  return parts.join('');
}
