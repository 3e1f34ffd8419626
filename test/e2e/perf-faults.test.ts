import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateRunResult } from '../../src/results/validate.ts';
import { FAULT_SCENARIOS, renderFaultTable, runFaultScenario, type FaultRow } from '../support/fault-scenarios.ts';
import { processesWithTag } from '../support/process-tag.ts';
import { hasStackTrace, runCli } from '../support/run-cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-perf-faults-'));
const rows: FaultRow[] = [];
afterAll(() => {
  if (rows.length > 0) process.stdout.write(`\n${renderFaultTable(rows)}\n`);
  rmSync(work, { recursive: true, force: true });
});

/** What each scenario must report: errors by kind, exit code, and the one-line verdict when the target is gone. */
const EXPECTED: Record<string, { reported: string | RegExp; exit: number; ok?: number; verdict?: RegExp; retryAfter?: string }> = {
  'reset mid-stream (after 2 tokens)': { reported: 'reset×2', exit: 0, ok: 2 },
  'stall past --timeout 1': { reported: 'timeout×2', exit: 0, ok: 2 },
  'malformed SSE: broken JSON line': { reported: 'protocol×2', exit: 0, ok: 2 },
  // SSE: a client ignores event types it does not know; the request succeeds.
  'malformed SSE: unknown event type': { reported: 'none', exit: 0, ok: 4 },
  'malformed SSE: missing blank line': { reported: 'protocol×2', exit: 0, ok: 2 },
  '429 retry-after 5': { reported: 'http_429×2', exit: 0, ok: 2, retryAfter: '5' },
  '529 retry-after 3': { reported: 'http_529×2', exit: 0, ok: 2, retryAfter: '3' },
  '500': { reported: 'http_500×2', exit: 0, ok: 2 },
  'slow headers (400 ms)': { reported: 'none', exit: 0, ok: 4 },
  'server killed mid-run (at request 4)': { reported: /connect×3/, exit: 3, ok: 2, verdict: /^claude-bench: TARGET DIED: /m },
  'connection refused': { reported: /^connect×\d+$/, exit: 3, ok: 0, verdict: /^claude-bench: TARGET UNREACHABLE: /m },
  // Through claude-code-router: whatever it turns the faults into, nothing is lost and the run ends by itself.
  '--faults FILE: bad_json@2, 429@3, reset@4, unknown_event@5': { reported: /http_429×1/, exit: 0 },
};

describe('perf under injected faults: classified, counted, nothing lost, bounded', () => {
  it.each(FAULT_SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const tag = randomUUID();
    const row = await runFaultScenario(scenario, mkdtempSync(path.join(work, 's-')), tag);
    rows.push(row);
    const want = EXPECTED[scenario.name];
    expect(want).toBeDefined();
    if (want === undefined) return;
    if (typeof want.reported === 'string') expect(row.reported).toBe(want.reported);
    else expect(row.reported).toMatch(want.reported);
    expect(row.exit_code).toBe(want.exit);
    if (want.ok !== undefined) expect(row.ok).toBe(want.ok);
    if (want.retryAfter !== undefined) expect(row.retry_after).toEqual([want.retryAfter]);
    if (want.verdict !== undefined) {
      expect(row.verdict).toMatch(want.verdict);
      expect(row.partial).toBe(true);
    } else {
      expect(row.verdict).toBeNull();
      expect(row.partial).toBe(false);
    }
    // Nothing lost: every request sent is a line (one warm-up line + every measured request).
    expect(row.lost).toBe(0);
    expect(row.lines).toBe(1 + row.ok + row.failed + row.cancelled);
    expect(row.stack_trace).toBe(false);
    expect(processesWithTag(tag)).toEqual([]);
  });
});

interface Line {
  phase?: string;
  error: { kind: string } | null;
}

describe('perf interrupted mid-run on the embedded stack', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s: every finished request in requests.jsonl, partial results.json, stack torn down, exit 130', async (sig) => {
    const out = path.join(work, `interrupted-${sig}`);
    const tag = randomUUID();
    let pid = 0;
    const pending = runCli(['perf', '--concurrency', '2', '--workload', 'synthetic:64:300', '--requests', '200', '--timeout', '5', '--no-calibrate', '--out', out], {
      env: { CLAUDE_BENCH_TEST_TAG: tag },
      onSpawn: (p) => (pid = p),
      timeoutMs: 120_000,
    });
    const jsonl = path.join(out, 'requests.jsonl');
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      let n = 0;
      try {
        n = readFileSync(jsonl, 'utf8').split('\n').length;
      } catch {
        // not there yet
      }
      if (n > 4) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(pid, sig);
    const run = await pending;
    expect(run.code).toBe(130);
    expect(hasStackTrace(run.stderr)).toBe(false);
    const result = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as {
      partial: boolean;
      exit_code: number;
      perf: { runs: Array<{ requests: { ok: number; failed: number } }> };
    };
    expect(validateRunResult(result).ok).toBe(true);
    expect(result).toMatchObject({ partial: true, exit_code: 130 });
    // Every line is whole JSON; every request results.json counted has its line, plus the cancelled ones.
    const lines = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
    const measured = lines.filter((l) => l.phase === 'measure');
    const cancelled = measured.filter((l) => l.error?.kind === 'aborted').length;
    const counted = result.perf.runs.reduce((n, r) => n + r.requests.ok + r.requests.failed, 0);
    expect(counted).toBeGreaterThan(0);
    expect(measured.length - cancelled).toBe(counted);
    expect(processesWithTag(tag)).toEqual([]);
  });
});
