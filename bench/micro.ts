/**
 * tinybench micro-benchmarks of the client's hot paths: SSE framing (one
 * event per read, and many per read), frame parsing, writing observations
 * to requests.jsonl, and (off the hot path, for scale) reading marks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Bench } from 'tinybench';
import { createSseFramer, openObservationLog, parseFrame } from '../src/client/index.ts';
import { extractMarks } from '../src/perf/marks.ts';
import type { Observation, SseEvent } from '../src/types.ts';

/** One Anthropic content_block_delta frame, as a gateway writes it. */
function deltaFrame(i: number): string {
  return `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" tok${i}"}}\n\n`;
}

/** A 100-delta stream's frames, and the same stream cut at arbitrary byte boundaries. */
const FRAMES = Array.from({ length: 100 }, (_, i) => Buffer.from(deltaFrame(i)));
const WHOLE = Buffer.concat(FRAMES);
const CUTS: Buffer[] = [];
for (let at = 0; at < WHOLE.length; at += 1400) CUTS.push(WHOLE.subarray(at, Math.min(WHOLE.length, at + 1400)));

function observation(): Observation {
  const events: SseEvent[] = [
    { type: 'message_start', data: '{"type":"message_start","message":{"usage":{"input_tokens":10,"output_tokens":1}}}', t_ms: 10, raw: '' },
    ...FRAMES.map((f, i) => {
      const { type, data } = parseFrame(f.toString());
      return { type, data, t_ms: 200 + 20 * i, raw: f.toString() };
    }),
    { type: 'message_delta', data: '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":100}}', t_ms: 2200, raw: '' },
    { type: 'message_stop', data: '{"type":"message_stop"}', t_ms: 2201, raw: '' },
  ];
  return {
    request_id: '00000000-0000-4000-8000-000000000000',
    label: 'bench',
    method: 'POST',
    path: '/v1/messages',
    t0_epoch_ms: 1.7e12,
    t_hdr_ms: 5,
    t_end_ms: 2201,
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    events,
    body: null,
    bytes: WHOLE.length,
    truncated: false,
    error: null,
  };
}

export interface MicroResult {
  readonly name: string;
  /** Mean time per operation, µs. */
  readonly mean_us: number;
  readonly p99_us: number;
  /** µs per SSE event, for operations over a whole 100-event stream. */
  readonly per_event_us: number | null;
}

/** Run the micro-benchmarks; `timeMs` per task. */
export async function runMicro(timeMs = 400): Promise<MicroResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cb-bench-'));
  const log = await openObservationLog(path.join(dir, 'requests.jsonl'), { compact: true, secrets: ['bench-secret-key'] });
  const obs = observation();
  const perEvent = new Map<string, number>();
  const bench = new Bench({ time: timeMs, warmupTime: 100 });
  bench
    .add('sse framing: 100 events, one per read', () => {
      const f = createSseFramer();
      for (let i = 0; i < FRAMES.length; i++) f.push(FRAMES[i] as Buffer, i);
      f.drain();
    })
    .add('sse framing: 100 events in 1400-byte reads', () => {
      const f = createSseFramer();
      for (let i = 0; i < CUTS.length; i++) f.push(CUTS[i] as Buffer, i);
      f.drain();
    })
    .add('parseFrame: one delta frame', () => {
      parseFrame(deltaFrame(7));
    })
    .add('observation log: append one 100-event observation (compact)', () => {
      log.append(obs);
    })
    .add('marks: extractMarks of a 100-event observation (after the run)', () => {
      extractMarks(obs);
    });
  perEvent.set('sse framing: 100 events, one per read', 100);
  perEvent.set('sse framing: 100 events in 1400-byte reads', 100);
  perEvent.set('observation log: append one 100-event observation (compact)', 100);
  perEvent.set('marks: extractMarks of a 100-event observation (after the run)', 100);
  perEvent.set('parseFrame: one delta frame', 1);
  try {
    await bench.run();
    await log.flush();
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const out: MicroResult[] = [];
  for (const task of bench.tasks) {
    const r = task.result;
    if (!('latency' in r)) continue;
    const mean = r.latency.mean * 1000;
    const events = perEvent.get(task.name) ?? null;
    out.push({ name: task.name, mean_us: mean, p99_us: r.latency.p99 * 1000, per_event_us: events === null ? null : mean / events });
  }
  return out;
}
