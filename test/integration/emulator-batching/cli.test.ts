import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, hasStackTrace, runCli } from '../../support/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'emulate-profile-'));
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const child of children) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Start `emulate --port 0 --ready-json …`, resolve with its URL once ready (bounded). */
function startCli(args: string[]): Promise<{ url: string; pid: number; stderr: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'emulate', '--port', '0', '--ready-json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within 30 s; stderr: ${stderr}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        clearTimeout(timer);
        const ready = JSON.parse(line) as { url: string; pid: number };
        resolve({ url: ready.url, pid: ready.pid, stderr: () => stderr, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${String(code)} before ready; stderr: ${stderr}`));
    });
  });
}

describe('claude-bench emulate --profile --time-scale --event-log', () => {
  it('serves the profile\'s timing model and writes the ground-truth event log, closed on SIGTERM', async () => {
    const log = join(dir, 'events.jsonl');
    const started = await startCli(['--profile', 'e5-2680', '--time-scale', '0.02', '--event-log', log]);
    expect(started.stderr()).toMatch(/profile e5-2680: continuous batching, max-num-seqs 10/);
    expect(started.stderr()).toMatch(/time scale 0\.02 \(50\.0× faster\)/);

    const info = (await (await fetch(`${started.url}/claude-bench/info`)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ time_scale: 0.02, timing_model: 'batching', profile: { id: 'e5-2680' }, max_model_len: 8192, event_log: true });
    const models = (await (await fetch(`${started.url}/v1/models`)).json()) as { data: Array<{ id: string; max_model_len: number }> };
    expect(models.data[0]).toMatchObject({ id: 'Qwen/Qwen2.5-Coder-32B-Instruct', max_model_len: 8192 });

    const before = performance.timeOrigin + performance.now();
    const res = await fetch(`${started.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'cli-req-1' },
      body: JSON.stringify({ model: 'Qwen/Qwen2.5-Coder-32B-Instruct', stream: true, messages: [{ role: 'user', content: 'hello [[emulate tokens=5]]' }] }),
    });
    const body = await res.text();
    const after = performance.timeOrigin + performance.now();
    expect(body).toContain('data: [DONE]');

    process.kill(started.pid, 'SIGTERM');
    expect(await started.exited).toBe(0);
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { request_id: string; t_epoch_ms: number; kind: string; token_index?: number });
    const mine = lines.filter((l) => l.request_id === 'cli-req-1');
    expect(mine[0]?.kind).toBe('headers');
    expect(mine.at(-1)?.kind).toBe('done');
    expect(mine.filter((l) => l.token_index !== undefined).map((l) => l.token_index)).toEqual([0, 1, 2, 3, 4, 5]);
    // Absolute wall clock, in order, inside the client's window (both processes share the system clock).
    const times = mine.map((l) => l.t_epoch_ms);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[0]).toBeGreaterThanOrEqual(before - 50);
    expect(times.at(-1)).toBeLessThanOrEqual(after + 50);
    // TTFT in model time ≥ the profile's overhead + one decode step (1200 + 85 ms), i.e. ≥ 25.7 ms at 0.02.
    const first = mine.find((l) => l.token_index === 0)!.t_epoch_ms;
    expect(first - times[0]!).toBeGreaterThanOrEqual(1285 * 0.02 * 0.95);
  });

  it('an unknown profile or a bad time scale is one line and exit 2', async () => {
    const unknown = await runCli(['emulate', '--port', '0', '--profile', 'no-such-box'], { timeoutMs: 60_000 });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("profile 'no-such-box' not found");
    expect(unknown.stderr).toContain('e5-2680');
    expect(hasStackTrace(unknown.stderr)).toBe(false);
    const scale = await runCli(['emulate', '--port', '0', '--time-scale', '0'], { timeoutMs: 60_000 });
    expect(scale.code).toBe(2);
    expect(scale.stderr).toContain('--time-scale');
  });
});
