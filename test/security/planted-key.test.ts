/**
 * No secret on disk (issue 7 item 4). A unique key is planted on the command
 * line, in the environment and in the variables a stack spec references; the
 * real CLI runs conform (embedded and --target), perf, record, report, gate,
 * up/down; a hostile server echoes the key back in its body and headers.
 * Then every file the runs wrote is searched for the key verbatim,
 * JSON-escaped, base64, base64url and hex, and nothing is found.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostileServer, type HostileServer } from '../support/hostile-server.ts';
import { processesWithTag } from '../support/process-tag.ts';
import { BIN, hasStackTrace, runCli } from '../support/run-cli.ts';

const PLANTED = `cb-planted-${randomUUID()}`;
const work = mkdtempSync(path.join(tmpdir(), 'cb-planted-'));
const home = path.join(work, 'home');
mkdirSync(home);
const TAG = randomUUID();
/** Every run gets the key in every variable a client or a stack spec may read it from. */
const env: NodeJS.ProcessEnv = {
  HOME: home,
  ANTHROPIC_API_KEY: PLANTED,
  ANTHROPIC_AUTH_TOKEN: PLANTED,
  LITELLM_MASTER_KEY: PLANTED,
  VLLM_API_KEY: PLANTED,
  CCR_APIKEY: PLANTED,
  CLAUDE_BENCH_TEST_TAG: TAG,
};
/** Keys the runs must keep off disk: the planted one and the per-run key `up` invents. */
const secrets: string[] = [PLANTED];
const out = (name: string): string => path.join(work, 'out', name);

let echo: HostileServer;
beforeAll(async () => {
  echo = await startHostileServer('echo-key');
});
afterAll(async () => {
  await echo?.close();
  for (const pid of processesWithTag(TAG)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(work, { recursive: true, force: true });
});

/** Every form a key may take in a file: verbatim, JSON-escaped, base64, base64url, hex. */
function needles(secret: string): string[] {
  const b = Buffer.from(secret, 'utf8');
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), b.toString('base64').replace(/=+$/, ''), b.toString('base64url'), b.toString('hex')])];
}

function filesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 12) return;
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(p, depth + 1);
      else if (st?.isFile()) found.push(p);
    }
  };
  walk(dir, 0);
  return found;
}

/** `file: form` for every file holding one of `forms`. */
function searchFiles(files: readonly string[], forms: readonly string[]): string[] {
  const hits: string[] = [];
  for (const file of files) {
    const text = readFileSync(file).toString('latin1');
    for (const n of forms) if (text.includes(n)) hits.push(`${file}: ${n === PLANTED ? 'planted key' : n}`);
  }
  return hits;
}

/** Start `record` in front of `upstream`, send `requests` through it with the key, stop it with SIGINT. */
async function recordThrough(upstream: string, outDir: string, key: string, requests: number): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'record', '--upstream', upstream, '--out', outDir], {
    cwd: work,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  try {
    const proxyUrl = await new Promise<string>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        const m = /proxy (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.on('close', () => reject(new Error(`record exited early: ${stderr}`)));
    });
    for (let i = 0; i < requests; i++) {
      const res = await fetch(`${proxyUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key, authorization: `Bearer ${key}`, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 16, stream: i % 2 === 0, messages: [{ role: 'user', content: `say hi (${i})` }] }),
      });
      await res.text();
    }
    if (child.pid !== undefined) process.kill(child.pid, 'SIGINT');
    return { code: await closed, stderr };
  } finally {
    clearTimeout(killer);
  }
}

describe('a planted key never reaches disk', () => {
  it('conform --target with --api-key, against a server that echoes the key', async () => {
    const run = await runCli(['conform', '--target', echo.url, '--api-key', PLANTED, '--suite', 'core', '--out', out('conform-cli')], { cwd: work, env, timeoutMs: 120_000 });
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect([0, 1]).toContain(run.code);
    expect(run.stdout + run.stderr).not.toContain(PLANTED);
  }, 130_000);

  it('conform --target with the key from ANTHROPIC_API_KEY', async () => {
    const run = await runCli(['conform', '--target', echo.url, '--suite', 'core', '--out', out('conform-env')], { cwd: work, env, timeoutMs: 120_000 });
    expect([0, 1]).toContain(run.code);
  }, 130_000);

  it('perf --target, short', async () => {
    const run = await runCli(
      ['perf', '--target', echo.url, '--concurrency', '1', '--requests', '3', '--workload', 'synthetic:64:8', '--no-calibrate', '--out', out('perf')],
      { cwd: work, env, timeoutMs: 120_000 },
    );
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect([0, 1]).toContain(run.code);
  }, 130_000);

  it('record in front of the echoing server, key sent by the client', async () => {
    const rec = await recordThrough(echo.url, out('record-echo'), PLANTED, 2);
    expect(rec.code, rec.stderr).toBe(0);
    expect(filesUnder(out('record-echo')).length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('up (embedded, key in the environment) → conform --target → record → down', async () => {
    const runDir = path.join(work, '.claude-bench', 'stacks', 'embedded');
    const up = await runCli(['up', '--stack', 'embedded', '--run-dir', runDir, '--json'], { cwd: work, env, timeoutMs: 120_000 });
    expect(up.code, up.stderr).toBe(0);
    const ready = JSON.parse(up.stdout) as { base_url: string; api_key: string };
    secrets.push(ready.api_key);
    try {
      const conform = await runCli(['conform', '--target', ready.base_url, '--api-key', ready.api_key, '--suite', 'core', '--out', out('conform-up')], { cwd: work, env, timeoutMs: 150_000 });
      expect([0, 1]).toContain(conform.code);
      const rec = await recordThrough(ready.base_url, out('record-stack'), ready.api_key, 2);
      expect(rec.code, rec.stderr).toBe(0);
    } finally {
      const down = await runCli(['down', '--stack', 'embedded', '--run-dir', runDir], { cwd: work, env, timeoutMs: 120_000 });
      expect(down.code, down.stderr).toBe(0);
    }
  }, 400_000);

  it('conform on the embedded stack it stands up itself', async () => {
    const run = await runCli(['conform', '--suite', 'core', '--out', out('conform-embedded')], { cwd: work, env, timeoutMs: 150_000 });
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect([0, 1]).toContain(run.code);
  }, 160_000);

  it('up --dry-run of stack specs whose keys come from the planted variables', async () => {
    for (const stack of ['vllm-litellm', 'claude-code-router']) {
      const run = await runCli(['up', '--stack', stack, '--driver', 'process', '--run-dir', path.join(work, '.claude-bench', 'stacks', stack), '--dry-run'], { cwd: work, env, timeoutMs: 60_000 });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout + run.stderr).not.toContain(PLANTED);
    }
  }, 130_000);

  it('report and gate over those results', async () => {
    const a = path.join(out('conform-cli'), 'results.json');
    const b = path.join(out('conform-env'), 'results.json');
    const report = await runCli(['report', a, path.join(out('perf'), 'results.json'), '--html', out('report.html'), '--junit', out('junit.xml')], { cwd: work, env, timeoutMs: 60_000 });
    expect([0, 1]).toContain(report.code);
    const gate = await runCli(['gate', '--baseline', a, '--current', b, '--html', out('gate.html')], { cwd: work, env, timeoutMs: 60_000 });
    expect([0, 1]).toContain(gate.code);
    expect(readFileSync(out('report.html'), 'utf8').length).toBeGreaterThan(0);
  }, 130_000);

  it('finds no key in any file the runs wrote (verbatim, JSON-escaped, base64, base64url, hex)', () => {
    // The hostile server did see the key, and echoed it: the redaction had something to do.
    expect(echo.keysSeen()).toContain(PLANTED);
    const echoed = readFileSync(path.join(out('conform-cli'), 'requests.jsonl'), 'utf8');
    expect(echoed).toContain('[REDACTED]');

    const files = filesUnder(work);
    const forms = secrets.flatMap(needles);
    const hits = searchFiles(files, forms);
    // Positive control: the same search finds the key in each form when it is there.
    const control = path.join(tmpdir(), `cb-planted-control-${randomUUID()}`);
    mkdirSync(control);
    try {
      const b = Buffer.from(PLANTED);
      writeFileSync(path.join(control, 'a.json'), JSON.stringify({ x: `Bearer ${PLANTED}` }));
      writeFileSync(path.join(control, 'b.txt'), `auth ${b.toString('base64')} and ${b.toString('hex')}`);
      expect(searchFiles(filesUnder(control), needles(PLANTED)).length).toBeGreaterThanOrEqual(3);
    } finally {
      rmSync(control, { recursive: true, force: true });
    }
    const kinds = [...new Set(files.map((f) => path.basename(f).replace(/^\d{4}-.*\.json$/, 'NNNN-fixture.json')))].sort();
    console.log(`[planted-key] searched ${files.length} files (${kinds.join(', ')}) for ${secrets.length} keys in ${forms.length} forms: ${hits.length} hits`);
    // The search covered what matters: results, logs, reports and fixtures are all there.
    const names = files.map((f) => path.basename(f));
    for (const expected of ['results.json', 'requests.jsonl', 'report.html', 'junit.xml']) expect(names).toContain(expected);
    expect(files.some((f) => f.includes(`${path.sep}record-echo${path.sep}`))).toBe(true);
    expect(hits).toEqual([]);
    expect(processesWithTag(TAG)).toEqual([]);
  });
});
