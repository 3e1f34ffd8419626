import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PerfCliOptions } from '../../../src/cli/commands/perf.ts';
import { runPerf } from '../../../src/cli/run-perf.ts';
import { findProgram } from '../../../src/routes/support.ts';
import type { RunResult } from '../../../src/types.ts';

// perf through the guide's nginx routes, on the embedded stack (few requests each).
const work = mkdtempSync(path.join(tmpdir(), 'cb-perf-routes-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function options(out: string, extra: Partial<PerfCliOptions>): PerfCliOptions {
  return { out, concurrency: [1], requests: 3, workload: 'synthetic', repeat: 1, timeout: 60, arrival: 'poisson', api: 'messages', maxUsers: 4, calibrate: false, overheadDuration: 1, overheadConnections: 4, json: true, ...extra };
}

async function perfVia(via: string): Promise<RunResult> {
  const out = path.join(work, via);
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    await runPerf(options(out, { via }));
  } finally {
    process.stdout.write = write;
  }
  return JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as RunResult;
}

describe.skipIf(findProgram('nginx') === null)('perf --via', () => {
  it("nginx-guide: the buffered stream is flagged, as a warning and a 'warn' verdict", async () => {
    const r = await perfVia('nginx-guide');
    const extra = r.perf?.extra as Record<string, unknown>;
    expect((extra['buffering'] as { flagged: boolean }).flagged).toBe(true);
    expect((extra['warnings'] as string[]).some((w) => w.startsWith('buffered stream:'))).toBe(true);
    expect(r.perf?.verdicts.find((v) => v.metric === 'stream_buffering')?.status).toBe('warn');
    expect(r.target.description).toMatch(/via nginx/);
  }, 180_000);

  it('nginx (corrected): streaming is incremental, nothing flagged', async () => {
    const r = await perfVia('nginx');
    const extra = r.perf?.extra as Record<string, unknown>;
    expect((extra['buffering'] as { flagged: boolean; judged: number }).judged).toBeGreaterThan(0);
    expect((extra['buffering'] as { flagged: boolean }).flagged).toBe(false);
    expect(r.perf?.verdicts.some((v) => v.metric === 'stream_buffering')).toBe(false);
    expect(r.perf?.runs[0]?.requests.ok).toBe(3);
    // The server's view: the emulator's /metrics scraped through the level.
    expect(r.perf?.runs[0]?.extra?.['server']).toMatchObject({ scrape_errors: 0, max_running: 1 });
  }, 180_000);
});
