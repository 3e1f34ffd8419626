import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { UpReady } from '../../src/cli/run-up.ts';
import { createClient } from '../../src/client/index.ts';
import { getFreePort } from '../../src/stack/ports.ts';
import { BIN } from '../support/run-cli.ts';
import type { RunResult } from '../../src/types.ts';
import { processesWithTag } from '../support/process-tag.ts';
import { waitGone } from '../support/stack-pids.ts';
import { hasStackTrace, runCli } from '../support/run-cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-up-down-'));
// Everything `up` starts inherits this tag, however deep: it finds leftovers without touching anyone else's processes.
const tag = randomUUID();
const env = { CLAUDE_BENCH_TEST_TAG: tag };

afterAll(async () => {
  // Only if an assertion failed half-way: end what this test started, by PID.
  for (const pid of processesWithTag(tag)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(work, { recursive: true, force: true });
});

describe('claude-bench up → conform --target → down', () => {
  it('stands the embedded stack up in the background, serves a conform run, and down leaves no process', async () => {
    const runDir = path.join(work, 'run');
    const up = await runCli(['up', '--stack', 'embedded', '--run-dir', runDir, '--json'], { env, timeoutMs: 120_000 });
    expect(hasStackTrace(up.stderr)).toBe(false);
    expect(up.code).toBe(0);
    const ready = JSON.parse(up.stdout) as UpReady;
    expect(ready).toMatchObject({ event: 'ready', stack: 'embedded', driver: 'embedded', model: 'claude-opus-5-5', run_dir: runDir });
    expect(ready.base_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(ready.pids).sort()).toEqual(['emulator', 'gateway', 'supervisor']);
    expect(up.stderr).toContain(`claude-bench down --stack embedded --run-dir ${runDir}`);
    // The state file names the processes, never the key.
    const state = readFileSync(path.join(runDir, 'state.json'), 'utf8');
    expect(state).toContain(`"pid": ${ready.pids['gateway']}`);
    expect(state).not.toContain(ready.api_key);
    // `up` itself has exited; the stack lives on.
    expect(processesWithTag(tag).length).toBeGreaterThanOrEqual(3);

    const again = await runCli(['up', '--stack', 'embedded', '--run-dir', runDir], { env, timeoutMs: 60_000 });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is already up');

    const out = path.join(work, 'conform');
    const conform = await runCli(['conform', '--target', ready.base_url, '--api-key', ready.api_key, '--suite', 'core', '--out', out], { env, timeoutMs: 180_000 });
    expect([0, 1]).toContain(conform.code);
    const result = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as RunResult;
    expect(result.target.kind).toBe('external');
    expect(result.conformance?.checks.find((c) => c.id === 'T1')?.status).toBe('pass');

    const down = await runCli(['down', '--stack', 'embedded', '--run-dir', runDir], { env, timeoutMs: 180_000 });
    expect(down.code).toBe(0);
    expect(down.stderr).toContain('stack embedded is down');
    expect(existsSync(path.join(runDir, 'state.json'))).toBe(false);
    expect(await waitGone(Object.values(ready.pids))).toEqual([]);
    expect(await waitGone(processesWithTag(tag))).toEqual([]);

    const twice = await runCli(['down', '--stack', 'embedded', '--run-dir', runDir], { env, timeoutMs: 60_000 });
    expect(twice.code).toBe(0);
    expect(twice.stderr).toContain('is not up');
  }, 400_000);

  it('up --dry-run prints the exact commands and starts nothing', async () => {
    const runDir = path.join(work, 'dry');
    const run = await runCli(['up', '--stack', 'vllm-litellm', '--driver', 'process', '--run-dir', runDir, '--dry-run'], { env, timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`litellm --config ${runDir}/process/litellm-config.yaml --host 127.0.0.1 --port 4000`);
    expect(run.stdout).toMatch(/VLLM_API_KEY="\$\{VLLM_API_KEY:\?set VLLM_API_KEY\}" vllm serve Qwen\/Qwen2\.5-Coder-32B-Instruct /);
    expect(readFileSync(path.join(runDir, 'process', 'litellm-config.yaml'), 'utf8')).toContain('master_key: os.environ/LITELLM_MASTER_KEY');
    expect(processesWithTag(tag)).toEqual([]);
  }, 60_000);

  it('the process driver: `vllm serve …` (a shim running the emulator) behind the real claude-code-router, up and down', async () => {
    // No vLLM here: a `vllm` on PATH that runs claude-bench's emulator with the flags the two share.
    const shimDir = path.join(work, 'bin');
    mkdirSync(shimDir, { recursive: true });
    const shim = path.join(shimDir, 'vllm');
    writeFileSync(
      shim,
      [
        '#!/usr/bin/env bash',
        'shift; shift # serve MODEL',
        'args=()',
        'while [ $# -gt 0 ]; do case "$1" in',
        '  --host|--port|--served-model-name|--max-model-len|--tool-call-parser) args+=("$1" "$2"); shift 2;;',
        '  --enable-auto-tool-choice) args+=("$1"); shift;;',
        '  *) shift;;',
        'esac; done',
        `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} emulate "\${args[@]}" --api-key "$VLLM_API_KEY"`,
        '',
      ].join('\n'),
    );
    chmodSync(shim, 0o755);
    // The claude-code-router spec on free ports (a spec file is named after its stack).
    const spec = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../stacks/claude-code-router.json'), 'utf8')) as Record<string, any>;
    spec['backend'].port = await getFreePort();
    spec['gateway'].port = await getFreePort();
    const specDir = path.join(work, 'specs');
    mkdirSync(specDir, { recursive: true });
    const specFile = path.join(specDir, 'claude-code-router.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const keys = { CCR_APIKEY: `ccr-${randomUUID()}`, VLLM_API_KEY: `vllm-${randomUUID()}` };
    const runEnv = { ...env, ...keys, PATH: `${shimDir}:${process.env['PATH'] ?? ''}` };
    const runDir = path.join(work, 'process-run');

    const up = await runCli(['up', '--stack', specFile, '--driver', 'process', '--run-dir', runDir, '--json', '--start-timeout', '90'], { env: runEnv, timeoutMs: 150_000 });
    expect(hasStackTrace(up.stderr)).toBe(false);
    expect(up.code).toBe(0);
    const ready = JSON.parse(up.stdout) as UpReady;
    expect(ready).toMatchObject({ driver: 'process', base_url: `http://127.0.0.1:${spec['gateway'].port}`, api_key: keys.CCR_APIKEY });
    expect(Object.keys(ready.pids).sort()).toEqual(['backend', 'gateway', 'supervisor']);
    // Keys reached the programs through their environment: neither is in the config written to disk.
    const config = readFileSync(path.join(runDir, 'process', 'ccr-home', '.claude-code-router', 'config.json'), 'utf8');
    expect(config).toContain('"APIKEY": "$CCR_APIKEY"');
    expect(config).not.toContain(keys.CCR_APIKEY);

    const client = createClient({ baseUrl: ready.base_url, apiKey: ready.api_key, timeoutMs: 30_000 });
    try {
      const obs = await client.send({ path: '/v1/messages', body: { model: 'claude-opus-5-5', max_tokens: 32, messages: [{ role: 'user', content: 'Say hi. [[emulate tokens=4]]' }] } });
      expect(obs.status).toBe(200);
      expect(JSON.parse(obs.body ?? '{}')).toMatchObject({ type: 'message', role: 'assistant' });
    } finally {
      client.close();
    }

    const down = await runCli(['down', '--stack', specFile, '--run-dir', runDir], { env: runEnv, timeoutMs: 120_000 });
    expect(down.code).toBe(0);
    expect(await waitGone(Object.values(ready.pids))).toEqual([]);
    expect(await waitGone(processesWithTag(tag))).toEqual([]);
  }, 300_000);
});
