/**
 * Harness accuracy calibration: claude-code-router does not forward the
 * client's x-request-id upstream (tested: the emulator sees its own ids), so
 * requests made through the gateway cannot be matched to the emulator's
 * ground-truth log. Instead, after the run, the same client sends a short
 * burst straight to the emulator (OpenAI chat, the emulator's own API) at the
 * run's concurrency, and every event it stamped is compared with the time
 * the emulator logged writing it. The figure is the client's own error: what
 * the gateway adds is not in it (and is part of what perf measures).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createClient, type Client } from '../client/index.ts';
import type { Observation } from '../types.ts';
import { measureAccuracy, readEventLog, type AccuracyReport } from './accuracy.ts';
import { runLoad } from './load.ts';
import { makeDispatch } from './runner.ts';
import { syntheticWorkload } from './workloads/synthetic.ts';

export interface CalibrationOptions {
  /** The emulator's base URL (no /v1). */
  readonly backendUrl: string;
  /** Its served model name. */
  readonly model: string;
  /** The emulator's --event-log file. */
  readonly eventLog: string;
  /** Concurrent streams (the run's highest level). */
  readonly streams: number;
  /** Output tokens per request. Default 48. */
  readonly outputTokens?: number;
  /** Bound on the whole calibration, wall ms. Default 30 000. */
  readonly timeoutMs?: number;
  /** Emulator time scale, to express errors in model time too. */
  readonly timeScale?: number;
  readonly signal?: AbortSignal;
  /** Each observation, e.g. for requests.jsonl. */
  readonly onObservation?: (o: Observation) => void;
  /** Use this client instead of a fresh one (tests). */
  readonly client?: Client;
}

export interface CalibrationResult extends AccuracyReport {
  readonly method: 'direct-to-emulator';
  readonly streams: number;
  /** Errors above are wall-clock ms; multiply by this for model time (1 / time scale). */
  readonly model_time_factor: number;
  /** One line for the console. */
  readonly summary: string;
}

/** Run the calibration burst and compare with the event log. */
export async function calibrateAgainstEmulator(options: CalibrationOptions): Promise<CalibrationResult> {
  const client = options.client ?? createClient({ baseUrl: options.backendUrl, apiKey: 'calibration', timeoutMs: options.timeoutMs ?? 30_000 });
  const streams = Math.max(1, Math.min(256, options.streams));
  const observations: Observation[] = [];
  try {
    const workload = syntheticWorkload({ model: options.model, inputTokens: 64, outputTokens: options.outputTokens ?? 48, seed: 4242 });
    await runLoad(
      { mode: 'closed', users: streams, maxRequests: 2 * streams, durationMs: options.timeoutMs ?? 30_000, drainMs: 5_000, warmupRequests: 0 },
      {
        workload,
        protocol: 'chat',
        dispatch: makeDispatch({ client, protocol: 'chat', chatModel: options.model }),
        ...(options.signal ? { signal: options.signal } : {}),
        onRequest: (m) => {
          observations.push(m.observation);
          options.onObservation?.(m.observation);
        },
      },
    );
  } finally {
    if (options.client === undefined) client.close();
  }
  // The emulator batches its log (every 50 ms): give it time to reach the file.
  let truth = await readEventLog(options.eventLog);
  for (let i = 0; i < 10 && !allPresent(observations, truth); i++) {
    await delay(100);
    truth = await readEventLog(options.eventLog);
  }
  const report = measureAccuracy(observations, truth, 'chat');
  const factor = 1 / (options.timeScale ?? 1);
  const summary =
    report.requests_matched === 0
      ? 'unavailable: no request matched the emulator event log'
      : `TTFT error p50 ${report.ttft_error_ms.p50.toFixed(2)} / p99 ${report.ttft_error_ms.p99.toFixed(2)} ms, ` +
        `ITL error p50 ${report.itl_error_ms.p50.toFixed(2)} / p99 ${report.itl_error_ms.p99.toFixed(2)} ms (wall clock) over ` +
        `${report.events_matched} events at ${streams} streams, direct to the emulator` +
        `${factor !== 1 ? `; ×${factor.toFixed(0)} in model time` : ''}`;
  return { ...report, method: 'direct-to-emulator', streams, model_time_factor: factor, summary };
}

function allPresent(observations: readonly Observation[], truth: ReadonlyArray<{ request_id: string; kind: string }>): boolean {
  const done = new Set(truth.filter((e) => e.kind === 'done').map((e) => e.request_id));
  return observations.every((o) => o.error !== null || done.has(o.request_id));
}
