import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, hasStackTrace, runCli } from '../../support/run-cli.ts';

const children = new Set<ChildProcess>();
const dir = mkdtempSync(join(tmpdir(), 'emulate-cli-'));

afterAll(() => {
  for (const child of children) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  ready: { event: string; url: string; port: number; pid: number };
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Start `claude-bench emulate --port 0 --ready-json …` and wait (bounded) for its ready line. */
function startCli(args: string[]): Promise<Started> {
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
        resolve({ child, ready: JSON.parse(line) as Started['ready'], stderr: () => stderr, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${String(code)} before ready; stderr: ${stderr}`));
    });
  });
}

describe('claude-bench emulate', () => {
  it('announces readiness as JSON, follows vLLM flags (auto tool choice off by default), stops cleanly on SIGTERM', async () => {
    const started = await startCli(['--max-model-len', '4096', '--served-model-name', 'local/coder']);
    const { ready, child } = started;
    expect(ready).toEqual({ event: 'ready', url: `http://127.0.0.1:${ready.port}`, port: ready.port, pid: child.pid });
    expect(started.stderr()).toMatch(/EMULATED vLLM/);

    const models = (await (await fetch(`${ready.url}/v1/models`)).json()) as { data: Array<{ id: string; max_model_len: number }> };
    expect(models.data[0]).toMatchObject({ id: 'local/coder', max_model_len: 4096 });
    const res = await fetch(`${ready.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'local/coder',
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
    );

    process.kill(ready.pid, 'SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.stderr()).toMatch(/stopped/);
  });

  it('serves a script file and tool calls with --enable-auto-tool-choice --tool-call-parser', async () => {
    const scriptPath = join(dir, 'script.json');
    writeFileSync(scriptPath, JSON.stringify({ rules: [{ match: { turn: 0 }, reply: { toolCalls: [{ name: 'Bash', arguments: { command: 'ls' } }] } }] }));
    const started = await startCli(['--enable-auto-tool-choice', '--tool-call-parser', 'hermes', '--script', scriptPath, '--ttft-ms', '0', '--itl-ms', '0']);
    try {
      const res = await fetch(`${started.ready.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          messages: [{ role: 'user', content: 'list files' }],
          tools: [{ type: 'function', function: { name: 'Bash', parameters: { type: 'object' } } }],
        }),
      });
      const body = (await res.json()) as { choices: Array<{ finish_reason: string; message: { tool_calls: Array<{ function: { name: string; arguments: string } }> } }> };
      expect(body.choices[0]?.finish_reason).toBe('tool_calls');
      expect(body.choices[0]?.message.tool_calls[0]?.function).toEqual({ name: 'Bash', arguments: '{"command": "ls"}' });
    } finally {
      process.kill(started.ready.pid, 'SIGINT');
      expect(await started.exited).toBe(0);
    }
  });

  it('rejects a bad script with one line naming the file and the field (exit 2)', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ rules: [{ reply: { text: 42 } }] }));
    const run = await runCli(['emulate', '--port', '0', '--script', bad], { timeoutMs: 60_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(bad);
    expect(run.stderr).toContain('rules[0].reply.text');
    expect(hasStackTrace(run.stderr)).toBe(false);

    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{ nope');
    const run2 = await runCli(['emulate', '--port', '0', '--script', notJson], { timeoutMs: 60_000 });
    expect(run2.code).toBe(2);
    expect(run2.stderr).toMatch(/not valid JSON/);
  });

  it('refuses --enable-auto-tool-choice without --tool-call-parser, as vLLM does (exit 2)', async () => {
    const run = await runCli(['emulate', '--port', '0', '--enable-auto-tool-choice'], { timeoutMs: 60_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--enable-auto-tool-choice requires --tool-call-parser');
  });
});
