/**
 * The accuracy and overhead benchmark of issue 4 ("Performance it must
 * reach"). Ground truth is the emulator's own log of the absolute time it
 * wrote each event, matched by x-request-id. The emulator runs as its own
 * process (200 ms TTFT, 20 ms between tokens, ~100 events a stream), shared
 * with the client on this machine's cores, so only side-by-side figures
 * count: claude-bench's client and a vLLM-style aiohttp client take turns
 * (ABBA order) against the same emulator, and each figure is the median over
 * rounds.
 *
 * Timing error of an event = |client stamp − emulator write|, both absolute
 * wall-clock ms; a run's figure is the p99 over all its events.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, isCommentEvent } from '../src/client/index.ts';
import { percentile } from '../src/perf/stats.ts';
import { startEmulator, type RunningEmulator } from '../src/stack/emulator.ts';

const PYTHON = '/usr/bin/python3';
const AIOHTTP_CLIENT = fileURLToPath(new URL('./aiohttp_client.py', import.meta.url));
const MODEL = 'bench-model';
const BODY = {
  model: MODEL,
  max_tokens: 200,
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'benchmark stream [[emulate tokens=100]]' }],
};

/** What a client saw: per request, send time and each data message's arrival (ms after t0). */
interface ClientRequests {
  readonly requests: ReadonlyArray<{ readonly request_id: string; readonly t0_epoch_ms: number; readonly events_ms: readonly number[] }>;
  /** SSE messages received (data frames incl. [DONE]). */
  readonly events: number;
  readonly cpu_s: number;
  readonly wall_s: number;
  readonly failed: number;
}

export interface RunFigures {
  readonly client: 'claude-bench' | 'aiohttp';
  readonly streams: number;
  readonly events_matched: number;
  readonly error_p50_ms: number;
  readonly error_p99_ms: number;
  readonly cpu_us_per_event: number;
  readonly failed: number;
}

/** Make sure the aiohttp reference client can run: install Debian's python3-aiohttp if absent (bench setup only). */
export function ensureAiohttp(log: (line: string) => void): boolean {
  const check = (): boolean => spawnSync(PYTHON, ['-c', 'import aiohttp'], { stdio: 'ignore' }).status === 0;
  if (check()) return true;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    log('python3-aiohttp is missing and this is not root: skipping the aiohttp comparison (apt-get install python3-aiohttp)');
    return false;
  }
  log('installing python3-aiohttp (Debian package) for the reference client…');
  let r = spawnSync('apt-get', ['install', '-y', '-q', 'python3-aiohttp'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore' });
    r = spawnSync('apt-get', ['install', '-y', '-q', 'python3-aiohttp'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const ok = r.status === 0 && check();
  if (!ok) log('could not install python3-aiohttp: skipping the aiohttp comparison');
  return ok;
}

/** Incremental reader of the emulator's event log: chunk write times per request id. */
class EventTail {
  private offset = 0;
  private rest = '';
  readonly chunks = new Map<string, number[]>();
  readonly done = new Set<string>();
  constructor(private readonly file: string) {}

  poll(): void {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return;
    }
    if (size <= this.offset) return;
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.rest + buf.toString('utf8');
      const lines = text.split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') continue;
        const e = JSON.parse(line) as { request_id: string; t_epoch_ms: number; kind: string };
        if (e.kind === 'chunk') {
          const list = this.chunks.get(e.request_id) ?? [];
          list.push(e.t_epoch_ms);
          this.chunks.set(e.request_id, list);
        } else if (e.kind === 'done') {
          this.done.add(e.request_id);
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Poll until every id is done (the emulator flushes its log every 50 ms), bounded. */
  async settle(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < 60; i++) {
      this.poll();
      if (ids.every((id) => this.done.has(id))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function runClaudeBench(url: string, streams: number): Promise<ClientRequests> {
  const client = createClient({ baseUrl: url, apiKey: 'bench', timeoutMs: 120_000 });
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const observations = await Promise.all(
      Array.from({ length: streams }, () => client.send({ path: '/v1/chat/completions', body: BODY, auth: 'none' })),
    );
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    let events = 0;
    for (const o of observations) events += o.events.length;
    return {
      requests: observations.map((o) => ({
        request_id: o.request_id,
        t0_epoch_ms: o.t0_epoch_ms,
        events_ms: o.events.filter((e) => !isCommentEvent(e) && e.data !== '[DONE]').map((e) => e.t_ms),
      })),
      events,
      cpu_s: (cpu.user + cpu.system) / 1e6,
      wall_s: wall,
      failed: observations.filter((o) => o.error !== null || o.status !== 200).length,
    };
  } finally {
    client.close();
  }
}

function runAiohttp(url: string, streams: number): Promise<ClientRequests> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [AIOHTTP_CLIENT, `${url}/v1/chat/completions`, String(streams), JSON.stringify(BODY)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`aiohttp client exited ${String(code)}: ${err.trim().split('\n').pop() ?? ''}`));
        return;
      }
      const r = JSON.parse(out) as { cpu_s: number; wall_s: number; requests: Array<{ request_id: string; t0_epoch_ms: number; events_ms: number[] }> };
      // +1 per request: the [DONE] message, counted by the node side too.
      const events = r.requests.reduce((n, q) => n + q.events_ms.length + 1, 0);
      resolve({ requests: r.requests, events, cpu_s: r.cpu_s, wall_s: r.wall_s, failed: streams - r.requests.length });
    });
  });
}

async function figures(which: RunFigures['client'], run: ClientRequests, tail: EventTail, streams: number): Promise<RunFigures> {
  await tail.settle(run.requests.map((r) => r.request_id));
  const errors: number[] = [];
  for (const r of run.requests) {
    const truth = tail.chunks.get(r.request_id);
    if (truth === undefined) continue;
    const n = Math.min(truth.length, r.events_ms.length);
    for (let k = 0; k < n; k++) errors.push(Math.abs(r.t0_epoch_ms + (r.events_ms[k] as number) - (truth[k] as number)));
  }
  return {
    client: which,
    streams,
    events_matched: errors.length,
    error_p50_ms: errors.length ? percentile(errors, 50) : Number.NaN,
    error_p99_ms: errors.length ? percentile(errors, 99) : Number.NaN,
    cpu_us_per_event: run.events > 0 ? (run.cpu_s * 1e6) / run.events : Number.NaN,
    failed: run.failed,
  };
}

export interface AccuracyBenchOptions {
  /** Rounds per client at each stream count (ABBA order). Default 3. */
  readonly rounds?: number;
  readonly streams?: readonly number[];
  /** Streams for the CPU-per-event figure. Default 1000. */
  readonly cpuStreams?: number;
  readonly log: (line: string) => void;
}

export interface AccuracyBenchResult {
  readonly aiohttp: boolean;
  readonly runs: readonly RunFigures[];
  readonly cpu: readonly RunFigures[];
}

/** Run the benchmark against a fresh emulator process. */
export async function runAccuracyBench(options: AccuracyBenchOptions): Promise<AccuracyBenchResult> {
  const rounds = options.rounds ?? 3;
  const log = options.log;
  const withAiohttp = ensureAiohttp(log);
  const work = mkdtempSync(path.join(tmpdir(), 'cb-bench-acc-'));
  const eventLog = path.join(work, 'events.jsonl');
  let emulator: RunningEmulator | undefined;
  try {
    emulator = await startEmulator({
      logDir: work,
      servedModelName: MODEL,
      autoToolChoice: false,
      extra: ['--ttft-ms', '200', '--itl-ms', '20', '--event-log', eventLog],
      secrets: [],
      deadline: Date.now() + 60_000,
    });
    const url = emulator.url;
    const tail = new EventTail(eventLog);
    const once = async (client: RunFigures['client'], streams: number): Promise<RunFigures> => {
      const run = client === 'claude-bench' ? await runClaudeBench(url, streams) : await runAiohttp(url, streams);
      const f = await figures(client, run, tail, streams);
      log(`  ${client.padEnd(12)} ${String(streams).padStart(4)} streams: error p50 ${f.error_p50_ms.toFixed(3)} ms, p99 ${f.error_p99_ms.toFixed(3)} ms, ${f.cpu_us_per_event.toFixed(1)} µs CPU/event${f.failed ? `, ${f.failed} failed` : ''}`);
      return f;
    };
    log('warm-up (discarded)…');
    await runClaudeBench(url, 16);
    if (withAiohttp) await runAiohttp(url, 16);
    const runs: RunFigures[] = [];
    for (const streams of options.streams ?? [16, 256]) {
      log(`timing error at ${streams} streams (${rounds} rounds each, ABBA):`);
      for (let r = 0; r < rounds; r++) {
        const order: RunFigures['client'][] = r % 2 === 0 ? ['claude-bench', 'aiohttp'] : ['aiohttp', 'claude-bench'];
        for (const c of order) if (c === 'claude-bench' || withAiohttp) runs.push(await once(c, streams));
      }
    }
    const cpuStreams = options.cpuStreams ?? 1000;
    log(`client CPU at ${cpuStreams} streams:`);
    const cpu: RunFigures[] = [await once('claude-bench', cpuStreams)];
    if (withAiohttp) cpu.push(await once('aiohttp', cpuStreams));
    return { aiohttp: withAiohttp, runs, cpu };
  } finally {
    await emulator?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Median of one client's p99 at one stream count. */
export function medianP99(runs: readonly RunFigures[], client: RunFigures['client'], streams: number): number {
  const xs = runs.filter((r) => r.client === client && r.streams === streams).map((r) => r.error_p99_ms);
  return xs.length ? percentile(xs, 50) : Number.NaN;
}
