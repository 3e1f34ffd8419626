/**
 * `claude-bench report` on real results: conform runs against the
 * purpose-built gateway (correct, and with defects) write all four files;
 * report validates, prints, puts runs side by side and refuses bad files
 * with one clear line and exit 2.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/types.ts';
import { startDefectiveGateway, type DefectiveGateway } from '../../support/defective-gateway.ts';
import { hasStackTrace, runCli } from '../../support/run-cli.ts';
import { findAll, parseXml } from '../../support/xml.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-report-'));
let good: DefectiveGateway;
let broken: DefectiveGateway;
const goodOut = path.join(work, 'good');
const brokenOut = path.join(work, 'broken');

beforeAll(async () => {
  good = await startDefectiveGateway();
  broken = await startDefectiveGateway({ defects: ['no-message-stop', 'zero-usage'] });
  const runs = await Promise.all([
    runCli(['conform', '--suite', 'core', '--target', good.baseUrl, '--api-key', good.apiKey, '--out', goodOut], { timeoutMs: 120_000 }),
    runCli(['conform', '--suite', 'core', '--target', broken.baseUrl, '--api-key', broken.apiKey, '--out', brokenOut], { timeoutMs: 120_000 }),
  ]);
  for (const r of runs) expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
}, 180_000);

afterAll(async () => {
  await good?.close();
  await broken?.close();
  rmSync(work, { recursive: true, force: true });
});

function expectOneClearLine(stderr: string): void {
  expect(hasStackTrace(stderr)).toBe(false);
  expect(stderr.trim().split('\n')).toHaveLength(1);
}

describe('every conform run writes its four files', () => {
  it('writes results.json, requests.jsonl, report.html and junit.xml, whatever the outcome', () => {
    for (const dir of [goodOut, brokenOut]) {
      for (const f of ['results.json', 'requests.jsonl', 'report.html', 'junit.xml']) expect(existsSync(path.join(dir, f)), `${dir}/${f}`).toBe(true);
    }
    const result = JSON.parse(readFileSync(path.join(brokenOut, 'results.json'), 'utf8')) as RunResult;
    const failing = (result.conformance?.checks ?? []).filter((v) => v.status === 'fail');
    expect(failing.length).toBeGreaterThan(0);

    const junit = parseXml(readFileSync(path.join(brokenOut, 'junit.xml'), 'utf8'));
    expect(findAll(junit, 'testcase')).toHaveLength(result.conformance?.checks.length ?? -1);
    expect(findAll(junit, 'failure').length).toBe(failing.length);

    const html = readFileSync(path.join(brokenOut, 'report.html'), 'utf8');
    expect(html.match(/<details class="finding"/g)?.length).toBeGreaterThanOrEqual(failing.length);
    // the requests behind the failing checks are inlined, and the key never is
    const data = JSON.parse(/<script type="application\/json" id="cb-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '{}') as { requests: Record<string, string> };
    const cited = failing.flatMap((v) => v.request_ids ?? []);
    expect(cited.length).toBeGreaterThan(0);
    for (const id of cited) expect(data.requests[id]).toMatch(/^(POST|GET|HEAD) \/v1\//);
    expect(html).not.toContain(broken.apiKey);
  });
});

describe('claude-bench report', () => {
  it('prints the summary and writes HTML and JUnit for one run', async () => {
    const html = path.join(work, 'out', 'one.html');
    const junit = path.join(work, 'out', 'one.xml');
    const run = await runCli(['report', path.join(brokenOut, 'results.json'), '--html', html, '--junit', junit]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('What to fix first:');
    expect(readFileSync(html, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(findAll(parseXml(readFileSync(junit, 'utf8')), 'testsuite').length).toBeGreaterThan(1);
  });

  it('puts two runs side by side', async () => {
    const html = path.join(work, 'out', 'ab.html');
    const run = await runCli(['report', path.join(goodOut, 'results.json'), path.join(brokenOut, 'results.json'), '--html', html]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\d+ of \d+ checks differ:/);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('id="comparison"');
    expect(page).toContain('<b>A</b>:');
    expect(page).toContain('<b>B</b>:');
  });

  it('validates the committed baseline', async () => {
    const run = await runCli(['report', 'reports/baselines/conform-embedded.json']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('EMULATED');
  });

  it('refuses bad files with the file, the JSON path and what was expected (exit 2)', async () => {
    const notJson = path.join(work, 'not.json');
    writeFileSync(notJson, '{"schema_version": "1.0.0",\n  nope }');
    const wrong = JSON.parse(readFileSync(path.join(goodOut, 'results.json'), 'utf8')) as { conformance: { checks: { severity: string }[] } };
    (wrong.conformance.checks[2] as { severity: string }).severity = 'fatal';
    const invalid = path.join(work, 'invalid.json');
    writeFileSync(invalid, JSON.stringify(wrong));

    const missing = await runCli(['report', path.join(work, 'nope.json')]);
    expect(missing.code).toBe(2);
    expectOneClearLine(missing.stderr);
    expect(missing.stderr).toContain(`cannot read ${path.join(work, 'nope.json')}: no such file`);

    const syntax = await runCli(['report', notJson]);
    expect(syntax.code).toBe(2);
    expectOneClearLine(syntax.stderr);
    expect(syntax.stderr).toContain(`${notJson} is not valid JSON at line 2, column 3`);

    const schema = await runCli(['report', path.join(goodOut, 'results.json'), invalid]);
    expect(schema.code).toBe(2);
    expectOneClearLine(schema.stderr);
    expect(schema.stderr).toContain(`${invalid} is not a valid claude-bench results file: /conformance/checks/2/severity: must be equal to one of the allowed values (blocker, degraded, cosmetic)`);
    expect(schema.stdout).toBe('');
  });
});
