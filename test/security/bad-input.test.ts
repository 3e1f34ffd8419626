/**
 * Bad input (issue 7 item 6): one broken file of each kind the CLI reads,
 * fed to the real CLI. Each ends with exit 2 and one line on stderr that
 * names the file and the field, with no stack trace.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleResult } from '../support/sample-result.ts';
import { hasStackTrace, runCli } from '../support/run-cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-bad-input-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const repo = (p: string): unknown => JSON.parse(readFileSync(path.join(import.meta.dirname, '../..', p), 'utf8'));
/** Write `value` as JSON under the work folder and return its path. */
function put(name: string, value: unknown): string {
  const file = path.join(work, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

/** A good file of each kind with exactly one field broken. */
function brokenStack(): string {
  const spec = repo('stacks/embedded.json') as { backend: Record<string, unknown> };
  spec.backend['port'] = 'eighty';
  return put('stack.json', spec);
}
function brokenProfile(): string {
  const profile = repo('profiles/e5-2680.json') as Record<string, unknown>;
  profile['schema_version'] = 'one';
  return put('profile.json', profile);
}
function brokenScript(): string {
  return put('script.json', { rules: [{ name: 'r', match: { turn: 'first' }, reply: { text: 'hi' } }] });
}
function brokenResults(name: string): string {
  const result = sampleResult() as unknown as Record<string, unknown>;
  result['exit_code'] = 'zero';
  return put(name, result);
}
function brokenFixtureDir(): string {
  const src = 'fixtures/sessions/parallel-tools/0001-post-v1-messages.json';
  const fixture = repo(src) as Record<string, unknown>;
  fixture['method'] = 42;
  put('fixtures/0001-post-v1-messages.json', fixture);
  return path.join(work, 'fixtures');
}
function brokenFaults(): string {
  return put('faults.json', { seed: 1, faults: [{ kind: 'explode' }] });
}
function brokenThresholds(): string {
  return put('thresholds.json', { thresholds: { ttft_ms: 'p(95)<+10%' } });
}

interface Case {
  readonly kind: string;
  /** Builds the broken file; returns [argv, file the message must name]. */
  readonly args: () => [string[], string];
  /** The field the message must name (any of these spellings). */
  readonly field: RegExp;
  /** Present only when the CLI has the option (another helper may be adding it). */
  readonly available?: () => boolean;
}

const faultsAvailable = (): boolean => existsSync(path.join(import.meta.dirname, '../../schemas/faults.schema.json'));

const CASES: Case[] = [
  { kind: 'stack spec (up --stack)', args: () => { const f = brokenStack(); return [['up', '--stack', f, '--run-dir', path.join(work, 'run')], f]; }, field: /backend[./]port/ },
  { kind: 'profile (perf --profile)', args: () => { const f = brokenProfile(); return [['perf', '--profile', f, '--out', path.join(work, 'perf-out')], f]; }, field: /schema_version/ },
  { kind: 'emulator script (emulate --script)', args: () => { const f = brokenScript(); return [['emulate', '--script', f, '--port', '0'], f]; }, field: /turn/ },
  { kind: 'results (report)', args: () => { const f = brokenResults('report.json'); return [['report', f], f]; }, field: /exit_code/ },
  { kind: 'baseline (gate --baseline)', args: () => { const f = brokenResults('baseline.json'); return [['gate', '--baseline', f, '--current', f], f]; }, field: /exit_code/ },
  { kind: 'thresholds config (gate --thresholds)', args: () => { const t = brokenThresholds(); const r = put('good.json', sampleResult()); return [['gate', '--baseline', r, '--current', r, '--thresholds', t], t]; }, field: /ttft_ms/ },
  { kind: 'fixture (conform --fixtures)', args: () => { const d = brokenFixtureDir(); return [['conform', '--fixtures', d, '--target', 'http://127.0.0.1:9', '--api-key', 'k', '--out', path.join(work, 'fx-out')], path.join(d, '0001-post-v1-messages.json')]; }, field: /method/ },
  { kind: 'fault schedule (emulate --faults)', args: () => { const f = brokenFaults(); return [['emulate', '--faults', f, '--port', '0'], f]; }, field: /kind/, available: faultsAvailable },
];

describe('a broken input file ends with exit 2 and one line naming the file and the field', () => {
  it.each(CASES.map((c) => [c.kind, c] as const))('%s', async (_kind, c) => {
    if (c.available && !c.available()) return;
    const [args, file] = c.args();
    const run = await runCli(args, { cwd: work, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(2);
    expect(hasStackTrace(run.stderr)).toBe(false);
    const lines = run.stderr.trim().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatch(/^claude-bench: /);
    // The file as given, or relative to the working folder.
    expect([file, path.relative(work, file)].some((f) => line.includes(f)), line).toBe(true);
    expect(line).toMatch(c.field);
    // …and what was expected there.
    expect(line).toMatch(/expected|must|required|should|is not/i);
  });
});
