/**
 * The gate on real runs. Two conform runs of the embedded stack compare
 * clean (exit 0); a check broken in the gateway is a regression (exit 1);
 * two perf runs against the same emulator settings compare clean (0) and the
 * emulator slowed by 30 % is a regression (1); bad input is exit 2 with one
 * clear line. Every run writes results.json, requests.jsonl, report.html and
 * junit.xml.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedStack, type RunningStack } from '../../src/stack/embedded.ts';
import { startDefectiveGateway } from '../support/defective-gateway.ts';
import { hasStackTrace, runCli, type CliRun } from '../support/run-cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-gate-e2e-'));
const stacks: RunningStack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.stop();
  rmSync(work, { recursive: true, force: true });
});

const out = (name: string): string => path.join(work, name);
const results = (name: string): string => path.join(work, name, 'results.json');

function expectFourFiles(dir: string): void {
  for (const f of ['results.json', 'requests.jsonl', 'report.html', 'junit.xml']) expect(existsSync(path.join(dir, f)), `${dir}/${f}`).toBe(true);
}

function expectCode(run: CliRun, code: number): void {
  expect(hasStackTrace(run.stderr), run.stderr).toBe(false);
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(code);
}

function expectUsageError(run: CliRun, text: string | RegExp): void {
  expectCode(run, 2);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(text);
}

describe('gate on conformance', () => {
  it('passes two conform runs of the embedded stack (its conformance is deterministic)', async () => {
    for (const name of ['conf-a', 'conf-b']) {
      const run = await runCli(['conform', '--suite', 'core', '--out', out(name)], { timeoutMs: 120_000 });
      expect([0, 1]).toContain(run.code);
      expectFourFiles(out(name));
    }
    const html = path.join(out('conf-b'), 'report.html');
    const gate = await runCli(['gate', '--baseline', results('conf-a'), '--current', results('conf-b'), '--html', html]);
    expectCode(gate, 0);
    expect(gate.stdout).toMatch(/conformance: \d+ checks, 0 regression\(s\)/);
    expect(gate.stdout).toContain('✓ gate passed: no regression');
    expect(readFileSync(html, 'utf8')).toContain('No regression against the baseline');
  }, 240_000);

  it('fails when a check that passed now fails (a defect injected into the gateway)', async () => {
    const good = await startDefectiveGateway();
    const broken = await startDefectiveGateway({ defects: ['no-message-stop'] });
    try {
      for (const [name, gw] of [['gw-good', good], ['gw-broken', broken]] as const) {
        const run = await runCli(['conform', '--suite', 'core', '--target', gw.baseUrl, '--api-key', gw.apiKey, '--out', out(name)], { timeoutMs: 120_000 });
        expect([0, 1]).toContain(run.code);
        expectFourFiles(out(name));
      }
    } finally {
      await good.close();
      await broken.close();
    }
    const html = path.join(work, 'gate-broken.html');
    const gate = await runCli(['gate', '--baseline', results('gw-good'), '--current', results('gw-broken'), '--html', html]);
    expectCode(gate, 1);
    expect(gate.stdout).toMatch(/│ ✗ │ S7 /);
    expect(gate.stdout).toMatch(/✗ gate failed: \d+ regression\(s\)/);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('id="gate"');
    expect(page).toMatch(/<tr class="diff-row-bad"><td>✗<\/td><td><code>S7<\/code>/);

    // An external gateway against an embedded baseline is not comparable …
    expectUsageError(await runCli(['gate', '--baseline', results('conf-a'), '--current', results('gw-broken')]), /not comparable: target\.kind: embedded → external; target\.emulated: true → false/);
    // … unless asked to compare anyway.
    const forced = await runCli(['gate', '--baseline', results('conf-a'), '--current', results('gw-broken'), '--allow-different-env']);
    expectCode(forced, 1);
    expect(forced.stdout).toContain('environment differs: target.kind: embedded → external');
  }, 240_000);
});

describe('gate on perf', () => {
  const perfArgs = (stack: RunningStack, name: string): string[] => [
    'perf',
    '--target', stack.target.baseUrl,
    '--api-key', stack.target.apiKey,
    '--model', stack.target.model,
    '--workload', 'synthetic:200:16',
    '--concurrency', '2',
    '--requests', '12',
    '--no-calibrate',
    '--out', out(name),
  ];

  async function stackWith(ttftMs: number, itlMs: number): Promise<RunningStack> {
    const stack = await startEmbeddedStack({ logDir: path.join(work, `stack-${ttftMs}`), emulatorArgs: ['--ttft-ms', String(ttftMs), '--itl-ms', String(itlMs)] });
    stacks.push(stack);
    return stack;
  }

  it('passes two runs with the same emulator settings and fails the emulator slowed by 30 %', async () => {
    // Timings large next to the harness's own overhead, so a loaded CI machine does not look like a change.
    const normal = await stackWith(400, 40);
    for (const name of ['perf-a', 'perf-b']) expectCode(await runCli(perfArgs(normal, name), { timeoutMs: 180_000 }), 0);
    await normal.stop();
    const slow = await stackWith(520, 52);
    expectCode(await runCli(perfArgs(slow, 'perf-slow'), { timeoutMs: 180_000 }), 0);
    await slow.stop();

    const same = await runCli(['gate', '--baseline', results('perf-a'), '--current', results('perf-b'), '--json']);
    expectCode(same, 0);
    const sameGate = JSON.parse(same.stdout) as { passed: boolean; perf: { metrics: { metric: string; status: string }[] } };
    expect(sameGate.passed).toBe(true);
    expect(sameGate.perf.metrics.length).toBeGreaterThanOrEqual(6);

    const slower = await runCli(['gate', '--baseline', results('perf-a'), '--current', results('perf-slow'), '--json']);
    expectCode(slower, 1);
    const slowGate = JSON.parse(slower.stdout) as { passed: boolean; perf: { metrics: { metric: string; statistic: string; status: string; delta_fraction: number }[] } };
    const failed = slowGate.perf.metrics.filter((m) => m.status === 'fail').map((m) => `${m.metric} ${m.statistic}`);
    expect(failed).toContain('ttft_ms p50');
    expect(failed).toContain('tpot_ms p50');
    const ttft = slowGate.perf.metrics.find((m) => m.metric === 'ttft_ms' && m.statistic === 'p50');
    expect(ttft?.delta_fraction).toBeGreaterThan(0.15);

    const table = await runCli(['gate', '--baseline', results('perf-a'), '--current', results('perf-slow')]);
    expectCode(table, 1);
    expect(table.stdout).toMatch(/│ ✗ │ 2\s+│ TTFT p50/);
  }, 300_000);
});

describe('gate input errors', () => {
  it('exits 2 with one clear line on bad input', async () => {
    expectUsageError(await runCli(['gate', '--baseline', path.join(work, 'missing.json'), '--current', results('conf-a')]), /cannot read .*missing\.json: no such file/);

    const thresholds = path.join(work, 'thresholds.json');
    writeFileSync(thresholds, JSON.stringify({ thresholds: { ttft_ms: ['p95 < 10%'] } }));
    expectUsageError(await runCli(['gate', '--baseline', results('conf-a'), '--current', results('conf-b'), '--thresholds', thresholds]), /threshold ttft_ms: 'p95 < 10%' is not an expression like 'p\(95\)<\+10%'/);
    expectUsageError(await runCli(['gate', '--baseline', results('conf-a'), '--current', results('conf-b'), '--threshold', 'ttfb_ms:p(95)<+1%']), /unknown metric 'ttfb_ms'/);

    expectUsageError(await runCli(['gate', '--baseline', results('perf-a'), '--current', results('conf-a'), '--allow-different-env']), /the baseline has perf results but the current run has none/);

    const empty = mkdtempSync(path.join(work, 'empty-'));
    expectUsageError(await runCli(['gate', '--baseline', results('conf-a')], { cwd: empty }), /no --current given and no reports\/\*\/results\.json found/);
  }, 120_000);

  it('takes the newest reports/*/results.json when --current is omitted', async () => {
    const root = mkdtempSync(path.join(work, 'cwd-'));
    const run = await runCli(['conform', '--suite', 'core', '--out', path.join(root, 'reports', 'run-1')], { timeoutMs: 120_000 });
    expect([0, 1]).toContain(run.code);
    const gate = await runCli(['gate', '--baseline', results('conf-a')], { cwd: root });
    expectCode(gate, 0);
    expect(gate.stderr).toContain(`compared ${path.join(root, 'reports', 'run-1', 'results.json')}`);
  }, 180_000);
});
