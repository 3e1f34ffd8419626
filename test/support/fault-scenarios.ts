/**
 * Fault scenarios for the perf harness: each starts the emulator CLI with a
 * fault (our own child, killed by PID), runs `claude-bench perf` against it
 * (directly with --api chat, or through the embedded gateway with --api
 * messages) and reads back what the harness reported: errors by kind, the
 * exit code, requests completed and lost. Shared by test/e2e/perf-faults.test.ts
 * and scripts/fault-table.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedStack } from '../../src/stack/embedded.ts';
import { BIN, runCli, type CliRun } from './run-cli.ts';

export const EMULATED_MODEL = 'Qwen/Qwen2.5-Coder-32B-Instruct';

export interface FaultScenario {
  /** Row name. */
  readonly name: string;
  /** `direct`: perf --api chat straight at the emulator; `gateway`: perf --api messages through claude-code-router. */
  readonly via: 'direct' | 'gateway';
  /** emulate flags (e.g. ['--fault', 'reset:*2:2']). */
  readonly emulatorArgs: readonly string[];
  /** Measured requests (--requests). Default 4. */
  readonly requests?: number;
  /** Stop the emulator before perf starts (connection refused). */
  readonly stopFirst?: boolean;
  /** A fault schedule written to a file and passed as --faults FILE. */
  readonly faultsFile?: unknown;
}

export interface FaultRow {
  readonly fault: string;
  readonly via: 'direct' | 'gateway';
  /** errors_by_kind summed over levels, e.g. "reset×2", or "none". */
  readonly reported: string;
  /** The harness's one-line verdict, when it printed one (target died / unreachable). */
  readonly verdict: string | null;
  /** retry-after values seen in requests.jsonl. */
  readonly retry_after: readonly string[];
  readonly ok: number;
  readonly failed: number;
  readonly cancelled: number;
  /** Lines in requests.jsonl (warm-up included). */
  readonly lines: number;
  /** Requests sent whose line is missing: the emulator saw them or results.json counted them, requests.jsonl lacks them. */
  readonly lost: number;
  readonly partial: boolean;
  readonly exit_code: number | null;
  readonly stack_trace: boolean;
}

/** The scenarios of the fault table (issue 7). Every one ends within seconds. */
export const FAULT_SCENARIOS: readonly FaultScenario[] = [
  { name: 'reset mid-stream (after 2 tokens)', via: 'direct', emulatorArgs: ['--fault', 'reset:*2:2'] },
  { name: 'stall past --timeout 1', via: 'direct', emulatorArgs: ['--fault', 'stall:*2:30000'] },
  { name: 'malformed SSE: broken JSON line', via: 'direct', emulatorArgs: ['--fault', 'bad_json:*2:1'] },
  { name: 'malformed SSE: unknown event type', via: 'direct', emulatorArgs: ['--fault', 'unknown_event:*2:1'] },
  { name: 'malformed SSE: missing blank line', via: 'direct', emulatorArgs: ['--fault', 'missing_blank:*2:1'] },
  { name: '429 retry-after 5', via: 'direct', emulatorArgs: ['--fault', 'http_429:*2:5'] },
  { name: '529 retry-after 3', via: 'direct', emulatorArgs: ['--fault', 'http_529:*2:3'] },
  { name: '500', via: 'direct', emulatorArgs: ['--fault', 'http_500:*2'] },
  { name: 'slow headers (400 ms)', via: 'direct', emulatorArgs: ['--fault', 'slow_headers:*2:400'] },
  { name: 'server killed mid-run (at request 4)', via: 'direct', emulatorArgs: ['--fault', 'exit:@4'], requests: 8 },
  { name: 'connection refused', via: 'direct', emulatorArgs: [], stopFirst: true },
  {
    name: '--faults FILE: bad_json@2, 429@3, reset@4, unknown_event@5',
    via: 'gateway',
    emulatorArgs: [],
    faultsFile: [
      { kind: 'bad_json', at_request: 2, after_tokens: 1 },
      { kind: 'http_429', at_request: 3, params: { retry_after: 2 } },
      { kind: 'reset', at_request: 4, after_tokens: 1 },
      { kind: 'unknown_event', at_request: 5, after_tokens: 1 },
    ],
  },
];

interface Line {
  request_id: string;
  phase?: string;
  status: number | null;
  headers?: Record<string, string>;
  error: { kind: string } | null;
}

/** Start `claude-bench emulate` as our child; resolves with its URL once it is ready. */
export async function spawnEmulator(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'emulate', '--port', '0', '--ready-json', '--ttft-ms', '5', '--itl-ms', '2', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`emulator not ready in 30 s: ${stderr}`)), 30_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"ready"'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${String(code)}) before ready: ${stderr}`));
    });
  });
  return { url, child, stop };
}

/** Run one scenario in `dir` (a fresh folder); every process it starts carries `tag` and is ended before it returns. */
export async function runFaultScenario(s: FaultScenario, dir: string, tag: string): Promise<FaultRow> {
  const env = { CLAUDE_BENCH_TEST_TAG: tag };
  const out = path.join(dir, 'out');
  const eventLog = path.join(dir, 'emulator-events.jsonl');
  const requests = String(s.requests ?? 4);
  const faultArgs = [...s.emulatorArgs, '--event-log', eventLog];
  if (s.faultsFile !== undefined) {
    const file = path.join(dir, 'faults.json');
    writeFileSync(file, JSON.stringify(s.faultsFile));
    faultArgs.push('--faults', file);
  }
  const common = ['--concurrency', '1', '--requests', requests, '--timeout', '1', '--no-calibrate', '--json', '--out', out];
  let run: CliRun;
  if (s.via === 'direct') {
    const emu = await spawnEmulator(faultArgs, env);
    try {
      if (s.stopFirst) await emu.stop();
      run = await runCli(
        ['perf', '--api', 'chat', '--target', emu.url, '--model', EMULATED_MODEL, '--workload', 'synthetic:32:8', ...common],
        { env, timeoutMs: 90_000 },
      );
    } finally {
      await emu.stop();
    }
  } else {
    const stack = await startEmbeddedStack({ logDir: path.join(dir, 'stack-logs'), emulatorArgs: faultArgs });
    try {
      run = await runCli(
        ['perf', '--target', stack.target.baseUrl, '--api-key', stack.target.apiKey, '--workload', 'synthetic:32:8', ...common],
        { env, timeoutMs: 90_000 },
      );
    } finally {
      await stack.stop();
    }
  }
  return readRow(s, out, eventLog, run);
}

function readRow(s: FaultScenario, out: string, eventLog: string, run: CliRun): FaultRow {
  const lines = existsSync(path.join(out, 'requests.jsonl'))
    ? readFileSync(path.join(out, 'requests.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Line)
    : [];
  const result = existsSync(path.join(out, 'results.json'))
    ? (JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as {
        partial: boolean;
        perf?: { runs: Array<{ requests: { ok: number; failed: number; errors_by_kind: Record<string, number> } }> };
      })
    : null;
  const byKind = new Map<string, number>();
  let ok = 0;
  let failed = 0;
  for (const r of result?.perf?.runs ?? []) {
    ok += r.requests.ok;
    failed += r.requests.failed;
    for (const [k, n] of Object.entries(r.requests.errors_by_kind)) byKind.set(k, (byKind.get(k) ?? 0) + n);
  }
  const measured = lines.filter((l) => l.phase === 'measure');
  const cancelled = measured.filter((l) => l.error?.kind === 'aborted').length;
  // Lost, two ways: results.json counted a request requests.jsonl lacks, or the emulator served an id the log lacks.
  const countedMissing = Math.max(0, ok + failed - (measured.length - cancelled));
  const ids = new Set(lines.map((l) => l.request_id));
  const served = existsSync(eventLog)
    ? new Set(
        readFileSync(eventLog, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .flatMap((l) => {
            try {
              return [(JSON.parse(l) as { request_id: string }).request_id];
            } catch {
              return []; // a line cut by a hard kill
            }
          }),
      )
    : new Set<string>();
  // Through the gateway, ids are the router's: only the direct path can match them.
  const servedMissing = s.via === 'direct' ? [...served].filter((id) => !ids.has(id)).length : 0;
  const verdict = run.stderr.split('\n').find((l) => /TARGET (DIED|UNREACHABLE)/.test(l)) ?? null;
  return {
    fault: s.name,
    via: s.via,
    reported: byKind.size === 0 ? 'none' : [...byKind].map(([k, n]) => `${k}×${n}`).join(', '),
    verdict,
    retry_after: [...new Set(lines.map((l) => l.headers?.['retry-after']).filter((v): v is string => v !== undefined))],
    ok,
    failed,
    cancelled,
    // The response-cache probe's two requests (phase cache-probe) are logged too, but are not part of the load.
    lines: lines.filter((l) => l.phase !== 'cache-probe').length,
    lost: countedMissing + servedMissing,
    partial: result?.partial ?? false,
    exit_code: run.code,
    stack_trace: /\n\s+at .+:\d+:\d+/.test(run.stderr),
  };
}

/** The table as text (fixed-width columns). */
export function renderFaultTable(rows: readonly FaultRow[]): string {
  const head = ['fault', 'via', 'harness reported (errors_by_kind)', 'ok', 'failed', 'lines', 'lost', 'partial', 'exit'];
  const body = rows.map((r) => [
    r.fault,
    r.via,
    `${r.reported}${r.retry_after.length > 0 ? ` (retry-after ${r.retry_after.join('/')})` : ''}${r.verdict !== null ? `; ${r.verdict.replace(/^claude-bench: /, '').split(':')[0]}` : ''}`,
    String(r.ok),
    String(r.failed),
    String(r.lines),
    String(r.lost),
    r.partial ? 'yes' : 'no',
    String(r.exit_code),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const fmt = (row: readonly string[]): string => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ').trimEnd();
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(fmt)].join('\n');
}
