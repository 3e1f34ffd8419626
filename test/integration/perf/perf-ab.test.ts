import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PerfCliOptions } from '../../../src/cli/commands/perf.ts';
import { runPerf } from '../../../src/cli/run-perf.ts';
import type { AbLevel } from '../../../src/perf/ab.ts';
import type { GatewayOverheadResult } from '../../../src/perf/gateway-overhead.ts';
import type { RunResult } from '../../../src/types.ts';

// perf --ab on the embedded stack: very few requests, one level.
const work = mkdtempSync(path.join(tmpdir(), 'cb-perf-ab-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function perf(name: string, extra: Partial<PerfCliOptions>): Promise<{ code: number; result: RunResult; printed: string }> {
  const out = path.join(work, name);
  const opts: PerfCliOptions = { out, concurrency: [1], requests: 2, workload: 'synthetic:64:24', repeat: 1, timeout: 60, arrival: 'poisson', api: 'messages', maxUsers: 4, calibrate: false, overheadDuration: 1, overheadConnections: 4, ...extra };
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((c: string | Uint8Array) => (chunks.push(String(c)), true)) as typeof process.stdout.write;
  let code: number;
  try {
    code = await runPerf(opts);
  } finally {
    process.stdout.write = write;
  }
  return { code, result: JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as RunResult, printed: chunks.join('') };
}

describe('perf --ab on the embedded stack', () => {
  it('runs the workload direct and through the gateway and attributes the difference', async () => {
    const { code, result, printed } = await perf('ab', { ab: true });
    expect(code).toBe(0);
    const ab = result.perf?.extra?.['ab'] as { served_model: string; levels: AbLevel[]; direct_runs: Array<{ requests: { ok: number } }> };
    expect(ab.served_model).toBe('Qwen/Qwen2.5-Coder-32B-Instruct');
    expect(ab.direct_runs[0]?.requests.ok).toBe(2);
    expect(ab.levels).toHaveLength(1);
    const rows = Object.fromEntries((ab.levels[0]?.rows ?? []).map((r) => [r.metric, r]));
    for (const m of ['ttfb', 'message_start', 'ttft', 'itl_p50', 'e2el']) {
      expect(rows[m]?.direct_ms, m).not.toBeNull();
      expect(rows[m]?.gateway_ms, m).not.toBeNull();
    }
    // A gateway cannot answer before its backend: the added TTFT is not meaningfully negative.
    expect(rows['ttft']?.added_ms ?? -1).toBeGreaterThan(-5);
    expect(printed).toMatch(/A\/B EMULATED: same workload and seeds/);
    expect(printed).toMatch(/added TTFT by phase/);
    // The response-cache probe ran and must not flag the emulator (same text, same speed).
    const cache = result.perf?.extra?.['response_cache'] as { flagged: boolean; identical: boolean; second_ttft_ms: number | null };
    expect(cache.flagged).toBe(false);
    expect(cache.second_ttft_ms).not.toBeNull();
    expect(printed).toMatch(/Response-cache probe: no response cache seen/);
    expect(result.perf?.extra?.['ttfb_bimodal']).toEqual([expect.objectContaining({ users: 1, flagged: false })]);
    // The direct requests are logged too, tagged.
    const lines = readFileSync(path.join(work, 'ab', 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ab?: string });
    expect(lines.filter((l) => l.ab === 'direct').length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('--workload gateway-overhead: autocannon against the gateway and the backend, alone, 1 s each', async () => {
    const { code, result, printed } = await perf('overhead', { workload: 'gateway-overhead', overheadDuration: 1, overheadConnections: 4 });
    expect(code).toBe(0);
    expect(result.perf?.runs).toEqual([]); // no TTFT sweep alongside
    const o = result.perf?.extra?.['gateway_overhead'] as GatewayOverheadResult;
    expect(o).toMatchObject({ connections: 4, duration_s: 1 });
    expect(o.gateway.ok_2xx).toBeGreaterThan(0);
    expect(o.gateway.non2xx).toBe(0);
    expect(o.direct?.ok_2xx ?? 0).toBeGreaterThan(0);
    expect(o.gateway.requests_per_s).toBeGreaterThan(0);
    expect(o.added).not.toBeNull();
    expect(Number.isFinite(o.added?.added_latency_p50_ms)).toBe(true);
    expect(printed).toMatch(/Gateway overhead EMULATED: non-streaming requests, autocannon, 4 connections × 1 s/);
    expect(printed).toMatch(/added by the gateway: p50 [+-]/);
    expect(printed).not.toMatch(/TTFT p50/);
  }, 120_000);
});
