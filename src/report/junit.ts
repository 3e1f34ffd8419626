/**
 * JUnit XML: each conformance check and each perf verdict is a testcase, so
 * any CI (GitHub, GitLab, Jenkins) lists them. Pure: RunResults in, a string out.
 *
 * Mapping: fail → <failure type=severity>, error → <error>, skip →
 * <skipped/>, warn → a passing testcase with the warning in <system-out>.
 * One testsuite per conformance area, one for the perf verdicts.
 */
import type { PerfVerdict, RunResult, Verdict } from '../types.ts';
import { escapeXmlAttr, escapeXmlText } from './escape.ts';
import { runLetter } from './format.ts';

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: number;
}

interface Suite extends Counts {
  readonly name: string;
  readonly timestamp: string;
  readonly hostname: string;
  readonly properties: readonly (readonly [string, string])[];
  readonly cases: string[];
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

function attrs(pairs: readonly (readonly [string, string | number])[]): string {
  return pairs.map(([k, v]) => ` ${k}="${escapeXmlAttr(String(v))}"`).join('');
}

/** The body of a failure/error: what was found, the evidence, where to look. */
function verdictBody(v: Verdict): string {
  const parts = [v.detail];
  if (v.evidence !== undefined && v.evidence !== '') parts.push(`evidence:\n${v.evidence}`);
  if (v.request_ids && v.request_ids.length > 0) parts.push(`request ids (requests.jsonl): ${v.request_ids.join(', ')}`);
  if (v.refs && v.refs.length > 0) parts.push(`known reports: ${v.refs.join(', ')}`);
  return parts.join('\n\n');
}

function checkCase(v: Verdict, classname: string): string {
  const open = `    <testcase${attrs([
    ['classname', classname],
    ['name', `${v.id} ${v.title}`],
    ['time', seconds(v.duration_ms)],
  ])}`;
  switch (v.status) {
    case 'pass':
      return `${open}/>`;
    case 'warn':
      return `${open}>\n      <system-out>${escapeXmlText(`WARN (${v.severity}): ${verdictBody(v)}`)}</system-out>\n    </testcase>`;
    case 'skip':
      return `${open}>\n      <skipped${attrs([['message', v.detail]])}/>\n    </testcase>`;
    case 'fail':
      return `${open}>\n      <failure${attrs([['message', v.detail], ['type', v.severity]])}>${escapeXmlText(verdictBody(v))}</failure>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error${attrs([['message', v.detail], ['type', v.severity]])}>${escapeXmlText(verdictBody(v))}</error>\n    </testcase>`;
  }
}

function perfBody(v: PerfVerdict): string {
  const measured = v.measured === null ? 'not measured' : String(v.measured);
  const ceiling = v.ceiling === null ? 'none stated' : String(v.ceiling);
  return `${v.detail}\n\nmeasured ${measured}; documented ${v.documented}; physical ceiling ${ceiling}`;
}

function perfCase(v: PerfVerdict, classname: string): string {
  const open = `    <testcase${attrs([
    ['classname', classname],
    ['name', v.metric],
    ['time', '0.000'],
  ])}`;
  switch (v.status) {
    case 'pass':
      return `${open}/>`;
    case 'warn':
      return `${open}>\n      <system-out>${escapeXmlText(`WARN: ${perfBody(v)}`)}</system-out>\n    </testcase>`;
    case 'skip':
      return `${open}>\n      <skipped${attrs([['message', v.detail]])}/>\n    </testcase>`;
    case 'fail':
      return `${open}>\n      <failure${attrs([['message', v.detail], ['type', 'perf']])}>${escapeXmlText(perfBody(v))}</failure>\n    </testcase>`;
  }
}

function newSuite(name: string, result: RunResult): Suite {
  const t = result.target;
  const properties: (readonly [string, string])[] = [
    ['target', t.description],
    ['base_url', t.base_url],
    ['model', t.model],
    ['emulated', String(t.emulated)],
    ['tool_version', result.tool.version],
  ];
  if (result.partial) properties.push(['partial', 'true']);
  return { name, timestamp: result.started_at, hostname: result.environment.hostname_hash, properties, cases: [], tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
}

function count(suite: Suite, status: string, ms: number): void {
  suite.tests += 1;
  suite.time += Math.max(0, ms);
  if (status === 'fail') suite.failures += 1;
  else if (status === 'error') suite.errors += 1;
  else if (status === 'skip') suite.skipped += 1;
}

function suitesOf(result: RunResult, prefix: string): Suite[] {
  const suites: Suite[] = [];
  const emulated = result.target.emulated ? ' [EMULATED]' : '';
  const byArea = new Map<string, Suite>();
  for (const v of result.conformance?.checks ?? []) {
    let suite = byArea.get(v.area);
    if (!suite) {
      suite = newSuite(`${prefix}conform.${v.area}`, result);
      byArea.set(v.area, suite);
      suites.push(suite);
    }
    suite.cases.push(checkCase(v, `claude-bench.conform.${v.area}`));
    count(suite, v.status, v.duration_ms);
  }
  const verdicts = result.perf?.verdicts ?? [];
  if (verdicts.length > 0) {
    const profile = result.perf?.profile ? ` (profile ${result.perf.profile})` : '';
    const suite = newSuite(`${prefix}perf${profile}${emulated}`, result);
    for (const v of verdicts) {
      suite.cases.push(perfCase(v, 'claude-bench.perf'));
      count(suite, v.status, 0);
    }
    suites.push(suite);
  }
  return suites;
}

function renderSuite(s: Suite): string {
  const head = `  <testsuite${attrs([
    ['name', s.name],
    ['tests', s.tests],
    ['failures', s.failures],
    ['errors', s.errors],
    ['skipped', s.skipped],
    ['time', seconds(s.time)],
    ['timestamp', s.timestamp],
    ['hostname', s.hostname],
  ])}>`;
  const props = ['    <properties>', ...s.properties.map(([k, v]) => `      <property${attrs([['name', k], ['value', v]])}/>`), '    </properties>'];
  return [head, ...props, ...s.cases, '  </testsuite>'].join('\n');
}

/**
 * Render runs as one JUnit XML document. With several runs, suite names are
 * prefixed with the run's letter and target (A, B, …) so they stay apart.
 */
export function renderJunit(results: readonly RunResult[]): string {
  const suites = results.flatMap((r, i) => suitesOf(r, results.length > 1 ? `${runLetter(i)} ${r.target.description} :: ` : ''));
  const total: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  for (const s of suites) {
    total.tests += s.tests;
    total.failures += s.failures;
    total.errors += s.errors;
    total.skipped += s.skipped;
    total.time += s.time;
  }
  const head = `<testsuites${attrs([
    ['name', 'claude-bench'],
    ['tests', total.tests],
    ['failures', total.failures],
    ['errors', total.errors],
    ['skipped', total.skipped],
    ['time', seconds(total.time)],
  ])}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites.map(renderSuite), '</testsuites>', ''].join('\n');
}
