import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../src/client/index.ts';
import { measureAccuracy, readEventLog } from '../../../src/perf/accuracy.ts';
import { calibrateAgainstEmulator } from '../../../src/perf/calibrate.ts';
import { runPerfPlan, type LoggedRequest } from '../../../src/perf/runner.ts';
import { syntheticWorkload } from '../../../src/perf/workloads/synthetic.ts';
import { startEmulator, type RunningEmulator } from '../../../src/stack/emulator.ts';

// perf straight at the emulator (its own OpenAI chat API, no gateway), as a
// separate process with fixed injected timings: 200 ms to the first token,
// 20 ms between tokens. Bounds are generous: the machine is shared.
const TTFT = 200;
const ITL = 20;
const work = mkdtempSync(path.join(tmpdir(), 'cb-perf-direct-'));
const eventLog = path.join(work, 'events.jsonl');
let emulator: RunningEmulator;
let client: Client;

beforeAll(async () => {
  emulator = await startEmulator({
    logDir: work,
    servedModelName: 'test-model',
    autoToolChoice: true,
    extra: ['--ttft-ms', String(TTFT), '--itl-ms', String(ITL), '--event-log', eventLog],
    secrets: [],
    deadline: Date.now() + 40_000,
  });
  client = createClient({ baseUrl: emulator.url, apiKey: 'unused', timeoutMs: 20_000 });
});

afterAll(async () => {
  client?.close();
  await emulator?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('perf against the emulator directly', () => {
  it('measures TTFT, TPOT and ITL that match the injected timings, and matches the ground-truth log', async () => {
    const lines: LoggedRequest[] = [];
    const outcome = await runPerfPlan(
      {
        client,
        workload: syntheticWorkload({ model: 'test-model', inputTokens: 100, outputTokens: 20 }),
        protocol: 'chat',
        chatModel: 'test-model',
        signal: new AbortController().signal,
        emulated: true,
        onRequest: (line) => lines.push(line),
      },
      { levels: [1, 4], repeat: 1, settings: { mode: 'closed', requests: 8, durationMs: 30_000, drainMs: 5_000, timeScale: 1 }, targets: [] },
    );
    expect(outcome.runs).toHaveLength(2);
    for (const run of outcome.runs) {
      expect(run.requests).toMatchObject({ ok: 8, failed: 0 });
      expect(run.ttft_ms.p50).toBeGreaterThanOrEqual(TTFT - 2);
      expect(run.ttft_ms.p50).toBeLessThan(TTFT + 80);
      expect(run.tpot_ms.p50).toBeGreaterThan(ITL * 0.7);
      expect(run.tpot_ms.p50).toBeLessThan(ITL * 1.5);
      expect(run.itl_ms.p50).toBeGreaterThan(ITL * 0.5);
      expect(run.itl_ms.p50).toBeLessThan(ITL * 1.5);
      // The emulator reports usage (stream_options.include_usage): N comes from it, not from counting.
      expect((run.extra?.['output_tokens'] as { from_usage: number }).from_usage).toBe(8);
    }
    expect(lines.filter((l) => l.phase === 'warmup')).toHaveLength(1 + 4);

    // Ground truth: every measured request is in the emulator's log under the client's x-request-id.
    await new Promise((r) => setTimeout(r, 300));
    const measured = lines.filter((l) => l.phase === 'measure');
    const accuracy = measureAccuracy(measured, await readEventLog(eventLog), 'chat');
    expect(accuracy.requests_matched).toBe(16);
    expect(accuracy.events_matched).toBeGreaterThan(16 * 20);
    expect(accuracy.ttft_error_ms.p50).toBeLessThan(25);
    expect(accuracy.itl_error_ms.p50).toBeLessThan(25);
  });

  it('calibrates the harness against the event log', async () => {
    const result = await calibrateAgainstEmulator({ backendUrl: emulator.url, model: 'test-model', eventLog, streams: 4, outputTokens: 10 });
    expect(result.requests_matched).toBe(8);
    expect(result.requests_unmatched).toBe(0);
    expect(result.ttft_error_ms.p99).toBeLessThan(50);
    expect(result.summary).toMatch(/TTFT error p50 .* at 4 streams/);
  });
});
