import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateRunResult } from '../../src/results/validate.ts';
import { startEmbeddedStack } from '../../src/stack/embedded.ts';
import { processesWithTag } from '../support/process-tag.ts';
import { hasStackTrace, runCli } from '../support/run-cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-perf-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Line {
  request_id?: string;
  t0_epoch_ms?: number;
  phase?: string;
  events?: Array<{ type: string | null; t_ms: number; raw?: string }>;
}

const readLines = (file: string): Line[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

describe('claude-bench perf --profile e5-2680 on the embedded stack', () => {
  it('runs two levels, prints the EMULATED verdict table, writes valid results.json and requests.jsonl, leaves no process', async () => {
    const out = path.join(work, 'profile');
    const tag = randomUUID();
    const run = await runCli(
      ['perf', '--profile', 'e5-2680', '--concurrency', '1,2', '--workload', 'synthetic:512:24', '--requests', '4', '--duration', '30', '--out', out],
      { env: { CLAUDE_BENCH_TEST_TAG: tag }, timeoutMs: 120_000 },
    );
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect([0, 1]).toContain(run.code);
    expect(run.stdout).toContain('[EMULATED backend: not a hardware result]');
    for (const id of ['ttft_p95_ms', 'output_tokens_per_s_p50', 'e2el_p99_ms', 'error_rate', 'max_users']) expect(run.stdout).toContain(id);
    expect(run.stdout).toMatch(/TTFT 2–4 s/);

    const result: unknown = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    const checked = validateRunResult(result);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    const r = checked.result;
    expect(r.command).toBe('perf');
    expect(r.exit_code).toBe(run.code);
    expect(r.target.emulated).toBe(true);
    const perf = r.perf!;
    expect(perf.emulated).toBe(true);
    expect(perf.profile).toBe('e5-2680');
    expect(perf.runs.map((x) => x.concurrency)).toEqual([1, 2]);
    for (const level of perf.runs) {
      expect(level.requests.ok).toBeGreaterThan(0);
      // Scaled back to model time: a 512-token prompt on the profile takes over a second to first token.
      expect(level.ttft_ms.p50).toBeGreaterThan(1000);
    }
    expect(perf.verdicts.length).toBe(5);
    expect(perf.verdicts.every((v) => v.emulated === true && v.detail.startsWith('EMULATED'))).toBe(true);
    const extra = perf.extra as { accuracy: { requests_matched: number }; time_scale: number; fingerprint: { hash: string } };
    expect(extra.time_scale).toBe(0.05);
    expect(extra.accuracy.requests_matched).toBeGreaterThan(0);
    expect(extra.fingerprint.hash).toMatch(/^[0-9a-f]{16}$/);

    const lines = readLines(path.join(out, 'requests.jsonl'));
    const measured = lines.filter((l) => l.phase === 'measure');
    expect(measured.length).toBe(perf.runs.reduce((n, x) => n + x.requests.ok + x.requests.failed, 0));
    for (const l of measured) {
      expect(typeof l.request_id).toBe('string');
      expect(l.t0_epoch_ms).toBeGreaterThan(1.6e12);
      expect(l.events!.length).toBeGreaterThan(0);
      expect(l.events!.every((e) => typeof e.t_ms === 'number' && e.raw === undefined)).toBe(true);
    }
    expect(processesWithTag(tag)).toEqual([]);
  });

  it('exits 130 with partial results when interrupted mid-run, and leaves no process', async () => {
    const out = path.join(work, 'interrupted');
    const tag = randomUUID();
    let pid = 0;
    const pending = runCli(['perf', '--concurrency', '1,2', '--workload', 'synthetic:64:400', '--requests', '200', '--out', out], {
      env: { CLAUDE_BENCH_TEST_TAG: tag },
      onSpawn: (p) => (pid = p),
      timeoutMs: 120_000,
    });
    const jsonl = path.join(out, 'requests.jsonl');
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      let lines = 0;
      try {
        lines = readFileSync(jsonl, 'utf8').split('\n').length;
      } catch {
        // not there yet
      }
      if (lines > 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(pid, 'SIGINT');
    const run = await pending;
    expect(run.code).toBe(130);
    expect(hasStackTrace(run.stderr)).toBe(false);
    const result = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { partial: boolean; exit_code: number };
    expect(validateRunResult(result).ok).toBe(true);
    expect(result).toMatchObject({ partial: true, exit_code: 130 });
    expect(processesWithTag(tag)).toEqual([]);
  });
});

describe('claude-bench perf --target', () => {
  it('measures any Messages endpoint alone (no profile: no verdicts, exit 0)', async () => {
    const stack = await startEmbeddedStack({ logDir: path.join(work, 'stack-logs') });
    try {
      const out = path.join(work, 'external');
      const run = await runCli(
        ['perf', '--target', stack.target.baseUrl, '--api-key', stack.target.apiKey, '--concurrency', '2', '--workload', 'claude-code', '--requests', '6', '--json', '--out', out],
        { timeoutMs: 90_000 },
      );
      expect(run.code).toBe(0);
      const printed = JSON.parse(run.stdout) as { target: { kind: string; emulated: boolean }; perf: { verdicts: unknown[]; runs: Array<{ requests: { ok: number } }> } };
      expect(printed.target).toMatchObject({ kind: 'external', emulated: false });
      expect(printed.perf.verdicts).toEqual([]);
      expect(printed.perf.runs[0]!.requests.ok).toBeGreaterThan(0);
      expect(readFileSync(path.join(out, 'results.json'), 'utf8')).not.toContain(stack.target.apiKey);
      expect(readFileSync(path.join(out, 'requests.jsonl'), 'utf8')).not.toContain(stack.target.apiKey);
    } finally {
      await stack.stop();
    }
  });

  it.each([
    [['perf', '--concurrency', 'sweep', '--target', 'http://127.0.0.1:9']],
    [['perf', '--concurrency', '0']],
    [['perf', '--profile', 'no-such-profile', '--target', 'http://127.0.0.1:9']],
    [['perf', '--workload', 'bogus', '--target', 'http://127.0.0.1:9', '--api', 'chat']],
  ])('bad usage %j → exit 2 with one clean line', async (args) => {
    const run = await runCli(args, { cwd: work });
    expect(run.code).toBe(2);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(run.stderr.trim().length).toBeGreaterThan(0);
  });
});
