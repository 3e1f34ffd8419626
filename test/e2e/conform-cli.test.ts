import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRunResult } from '../../src/results/validate.ts';
import { startEmbeddedStack, type RunningStack } from '../../src/stack/embedded.ts';
import { processesWithTag } from '../support/process-tag.ts';
import { hasStackTrace, runCli } from '../support/run-cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function expectOneCleanLine(stderr: string): void {
  expect(hasStackTrace(stderr)).toBe(false);
  const lines = stderr.trim().split('\n').filter((l) => l.startsWith('claude-bench:') || l.startsWith('error:'));
  expect(lines.length).toBeGreaterThanOrEqual(1);
}

describe('claude-bench conform on the embedded stack', () => {
  it('stands the stack up, prints the table, writes valid results.json and requests.jsonl, leaves no process', async () => {
    const out = path.join(work, 'embedded');
    const tag = randomUUID();
    const run = await runCli(['conform', '--out', out], { env: { CLAUDE_BENCH_TEST_TAG: tag }, timeoutMs: 120_000 });
    expect(hasStackTrace(run.stderr)).toBe(false);
    // 0 or 1 depending on what the real gateway gets wrong; never 2/3/4.
    expect([0, 1]).toContain(run.code);
    expect(run.stdout).toContain('claude-code-router');
    expect(run.stdout).toContain('EMULATED');

    const result: unknown = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    const checked = validateRunResult(result);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.result.target.emulated).toBe(true);
    expect(checked.result.exit_code).toBe(run.code);
    const checks = checked.result.conformance?.checks ?? [];
    expect(checks.length).toBeGreaterThanOrEqual(10);
    for (const v of checks) expect(run.stdout).toContain(v.id);

    const lines = readFileSync(path.join(out, 'requests.jsonl'), 'utf8').trim().split('\n');
    const logged = lines.map((l) => JSON.parse(l) as { request_id?: string; t0_epoch_ms?: number; events?: unknown[] });
    for (const line of logged) {
      expect(typeof line.request_id).toBe('string');
      expect(line.t0_epoch_ms).toBeGreaterThan(1.6e12);
      expect(Array.isArray(line.events)).toBe(true);
    }
    // Every request a verdict rests on is in requests.jsonl, so a user can look at it.
    const loggedIds = new Set(logged.map((l) => l.request_id));
    const cited = checks.flatMap((v) => v.request_ids ?? []);
    expect(cited.length).toBeGreaterThan(0);
    for (const id of cited) expect(loggedIds.has(id)).toBe(true);

    expect(processesWithTag(tag)).toEqual([]);
  });

  it('exits 130 with partial results when interrupted mid-run, and leaves no process', async () => {
    const out = path.join(work, 'interrupted');
    const tag = randomUUID();
    let pid = 0;
    const pending = runCli(['conform', '--out', out], {
      env: { CLAUDE_BENCH_TEST_TAG: tag },
      onSpawn: (p) => (pid = p),
    });
    // Interrupt once the run has started sending requests.
    const deadline = Date.now() + 60_000;
    const jsonl = path.join(out, 'requests.jsonl');
    for (;;) {
      let size = 0;
      try {
        size = readFileSync(jsonl, 'utf8').length;
      } catch {
        // not there yet
      }
      if (size > 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(pid, 'SIGINT');
    const run = await pending;
    expect(run.code).toBe(130);
    expect(hasStackTrace(run.stderr)).toBe(false);
    const result = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { partial: boolean; exit_code: number };
    expect(validateRunResult(result).ok).toBe(true);
    expect(result.partial).toBe(true);
    expect(result.exit_code).toBe(130);
    expect(processesWithTag(tag)).toEqual([]);
  });
});

describe('claude-bench conform --target: bad input ends with one clear line', () => {
  let stack: RunningStack;
  beforeAll(async () => {
    stack = await startEmbeddedStack({ logDir: path.join(work, 'stack-logs') });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('tests a running endpoint given with --target and the right key', async () => {
    const out = path.join(work, 'external');
    const run = await runCli(['conform', '--suite', 'core', '--target', stack.target.baseUrl, '--api-key', stack.target.apiKey, '--out', out]);
    expect([0, 1]).toContain(run.code);
    const result = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { target: { kind: string; emulated: boolean } };
    expect(result.target.kind).toBe('external');
    // The key given on the command line never reaches disk.
    expect(readFileSync(path.join(out, 'results.json'), 'utf8')).not.toContain(stack.target.apiKey);
    expect(readFileSync(path.join(out, 'requests.jsonl'), 'utf8')).not.toContain(stack.target.apiKey);
  });

  it('a wrong key → exit 2', async () => {
    const run = await runCli(['conform', '--target', stack.target.baseUrl, '--api-key', 'wrong-key-0000', '--out', path.join(work, 'wrongkey')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/rejected the API key/);
    expectOneCleanLine(run.stderr);
  });

  it('an unreachable target → exit 3', async () => {
    const port = await freePort();
    const run = await runCli(['conform', '--target', `http://127.0.0.1:${port}`, '--api-key', 'k', '--out', path.join(work, 'unreach')]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot reach/);
    expectOneCleanLine(run.stderr);
  });

  it('a port that does not speak HTTP → exit 3', async () => {
    const server = net.createServer((sock) => sock.end('SSH-2.0-OpenSSH_9.2\r\nthis is not http\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const run = await runCli(['conform', '--target', `http://127.0.0.1:${port}`, '--api-key', 'k', '--out', path.join(work, 'nothttp')]);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/did not answer HTTP|closed the connection/);
      expectOneCleanLine(run.stderr);
    } finally {
      server.close();
    }
  });

  it.each([
    [['conform', '--bogus-flag']],
    [['conform', '--timeout', 'abc']],
    [['conform', '--target', 'ftp://example']],
    [['conform', '--suite', 'no-such-suite', '--target', 'http://127.0.0.1:9']],
    [['no-such-command']],
  ])('bad usage %j → exit 2', async (args) => {
    const run = await runCli(args, { cwd: work });
    expect(run.code).toBe(2);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(run.stderr.trim().length).toBeGreaterThan(0);
  });
});
