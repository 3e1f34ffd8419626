import { describe, expect, it } from 'vitest';
import { formatFigure, formatMs, renderPerf } from '../../../src/perf/console.ts';
import { formatProgress } from '../../../src/perf/progress.ts';
import { selfWarnings } from '../../../src/perf/self-measure.ts';
import { summarizeRun } from '../../../src/perf/metrics.ts';
import type { RunResult } from '../../../src/types.ts';
import { msgDelta, obs, text } from './observations.ts';

const run = summarizeRun(
  [
    {
      observation: obs({ id: 'a', t0: 1e12, events: [['content_block_delta', text('x'), 100], ['content_block_delta', text('y'), 150], ['message_delta', msgDelta(2), 151]] }),
      t_sched_epoch_ms: null,
    },
  ],
  { concurrency: 3, mode: 'closed', scale: 20 },
);

const result: RunResult = {
  schema_version: '1.0.0',
  tool: { name: 'claude-bench', version: '0.1.0' },
  command: 'perf',
  started_at: '2026-01-01T00:00:00.000Z',
  finished_at: '2026-01-01T00:01:00.000Z',
  partial: false,
  target: { base_url: 'http://127.0.0.1:1', model: 'm', kind: 'embedded', emulated: true, description: 'ccr → emulator \u001b[31m' },
  environment: { os: 'l', arch: 'x', node: 'v20', cpu_model: 'c', cpu_cores: 2, memory_bytes: 1, hostname_hash: 'h' },
  perf: {
    profile: 'e5-2680',
    emulated: true,
    workload: { name: 'profile:e5-2680' },
    runs: [run],
    verdicts: [
      { metric: 'ttft_p95_ms', measured: 3829, documented: 'TTFT 2–4 s', ceiling: 470, status: 'pass', detail: 'EMULATED: ok', emulated: true },
      { metric: 'max_users', measured: 2, documented: '3–5 users', ceiling: null, status: 'fail', detail: 'EMULATED: no', emulated: true },
    ],
    capacity: { max_users: 2, binding_constraint: 'ttft_p95_ms', first_failing_users: 3 },
    extra: { time_scale: 0.05, warnings: ['client lag'], accuracy: { summary: 'TTFT error p99 0.4 ms' } },
  },
  exit_code: 1,
};

describe('perf console report', () => {
  const out = renderPerf(result, { color: false, width: 120 });

  it('labels every figure EMULATED and states the time scale', () => {
    expect(out).toContain('[EMULATED backend: not a hardware result]');
    expect(out).toContain('TTFT p95 EMULATED');
    expect(out).toMatch(/3\.83 s\s*│/);
    expect(out).toContain('time scale 0.05');
    expect(out.match(/EMULATED/g)!.length).toBeGreaterThan(8);
  });

  it('shows measured / documented / ceiling, the binding constraint and what was missed', () => {
    expect(out).toContain('TTFT 2–4 s');
    expect(out).toContain('≥ 470 ms');
    expect(out).toContain('(prefill');
    expect(out).toContain('binding constraint: ttft_p95_ms');
    expect(out).toContain('1 of 2 targets missed EMULATED: max_users');
    expect(out).toContain('warning: client lag');
    expect(out).toContain('Harness accuracy: TTFT error p99 0.4 ms');
    expect(out).not.toContain('\u001b[31m'); // server-supplied text is sanitised
  });

  it('formats units', () => {
    expect(formatMs(850)).toBe('850 ms');
    expect(formatMs(2310)).toBe('2.31 s');
    expect(formatFigure('output_tokens_per_s_p50', 9.53)).toBe('9.5 tok/s');
    expect(formatFigure('error_rate', 0.015)).toBe('1.5 %');
  });
});

describe('progress line and self-check', () => {
  it('shows requests done, users and live p50 TTFT', () => {
    const line = formatProgress({ phase: 'sweep run 2', users: 4, done: 7, failed: 1, limit: 32, ttft_ms: [1000, 3000, 2000], elapsed_s: 3.2, emulated: true });
    expect(line).toBe('claude-bench perf: sweep run 2 · 4 users · 7/32 requests (1 failed) · p50 TTFT 2.00 s EMULATED · 3 s');
  });

  it('warns when the client may be the bottleneck', () => {
    expect(selfWarnings({ cpu_share: 0.2, event_loop_lag_ms: { mean: 1, p50: 1, p99: 3, max: 9 } })).toEqual([]);
    const w = selfWarnings({ cpu_share: 0.95, event_loop_lag_ms: { mean: 10, p50: 10, p99: 45, max: 90 } });
    expect(w).toHaveLength(2);
    expect(w[1]).toMatch(/bottleneck/);
  });
});

describe('Progress reporter', () => {
  it('redraws one line on a TTY and clears it on stop', async () => {
    const { Progress } = await import('../../../src/perf/progress.ts');
    const written: string[] = [];
    const p = new Progress({ isTTY: true, write: (t: string) => written.push(t) });
    p.level('level 1/2', 2, 10, false);
    await new Promise((r) => setTimeout(r, 120));
    p.completed(true, 1500);
    p.stop();
    expect(written[0]).toMatch(/^\r\u001b\[2Kclaude-bench perf: level 1\/2 · 2 users · 0\/10 requests/);
    expect(written.some((w) => w.includes('1/10 requests · p50 TTFT 1.50 s'))).toBe(true);
    expect(written.at(-1)).toBe('\r\u001b[2K');
    expect(written.every((w) => !w.includes('\n'))).toBe(true);
  });

  it('prints plain lines when not a TTY', async () => {
    const { Progress } = await import('../../../src/perf/progress.ts');
    const written: string[] = [];
    const p = new Progress({ isTTY: false, write: (t: string) => written.push(t) }, { intervalMs: 30 });
    p.level('sweep run 1', 1, 4, true);
    p.completed(false, null);
    await new Promise((r) => setTimeout(r, 80));
    p.stop();
    expect(written.length).toBeGreaterThanOrEqual(2);
    expect(written.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true);
    expect(written.at(-1)).toMatch(/1\/4 requests \(1 failed\) · p50 TTFT — EMULATED/);
  });
});
