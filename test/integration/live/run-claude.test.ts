import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildClaudeArgs, buildClaudeEnv, PLACEHOLDER_KEY, runClaude } from '../../../src/live/run-claude.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-runclaude-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function fake(name: string, body: string): string {
  const file = path.join(work, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** True while `pid` runs (a zombie left to a PID 1 that does not reap counts as gone). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const base = { baseUrl: 'http://127.0.0.1:9/', apiKey: 'cb-secret-key-123', prompt: 'do it' };

describe('buildClaudeEnv / buildClaudeArgs', () => {
  it('builds the environment from scratch: nothing of the parent but PATH', () => {
    const env = buildClaudeEnv({ ...base, binary: 'x', model: 'Qwen/Q', maxOutputTokens: 4096 }, '/h', '/opt/bin');
    expect(Object.keys(env).sort()).toEqual(
      ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_MODEL', 'API_TIMEOUT_MS', 'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC', 'CLAUDE_CODE_MAX_OUTPUT_TOKENS', 'CLAUDE_CODE_MAX_RETRIES', 'HOME', 'PATH'].sort(),
    );
    expect(env).toMatchObject({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', HOME: '/h', ANTHROPIC_MODEL: 'Qwen/Q', CLAUDE_CODE_MAX_OUTPUT_TOKENS: '4096', CLAUDE_CODE_MAX_RETRIES: '1' });
    expect(env['PATH']?.split(path.delimiter)[0]).toBe(path.dirname(process.execPath));
    expect(env['PATH']).toContain('/opt/bin');
    expect(buildClaudeEnv({ ...base, apiKey: '', binary: 'x' }, '/h')['ANTHROPIC_API_KEY']).toBe(PLACEHOLDER_KEY);
    expect(buildClaudeArgs('p')).toEqual(['-p', 'p', '--output-format', 'stream-json', '--verbose', '--allowedTools', 'Bash', 'Write', 'Read', 'Edit']);
  });
});

describe('runClaude (with a stand-in binary)', () => {
  it('runs in a fresh working folder with stdin not a pipe, parses the result, removes HOME', async () => {
    const bin = fake(
      'claude-ok',
      [
        'if [ -p /dev/stdin ]; then echo pipe > stdin.txt; else echo not-a-pipe > stdin.txt; fi',
        'echo "$HOME" > home.txt; echo "$ANTHROPIC_BASE_URL" > base.txt; echo "$#" > argc.txt',
        'mkdir -p "$HOME/.claude" && echo state > "$HOME/.claude/x"',
        `echo '{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t","name":"Bash","input":{"command":"true"}}]}}'`,
        `echo '{"type":"result","subtype":"success","is_error":false,"num_turns":2,"result":"done","permission_denials":[]}'`,
      ].join('\n'),
    );
    const run = await runClaude({ ...base, binary: bin, tmpRoot: work, timeoutMs: 20_000 });
    try {
      expect(run.exit).toEqual({ code: 0, signal: null, timedOut: false, aborted: false });
      expect(run.transcript.result?.result).toBe('done');
      expect(run.transcript.toolUses.map((u) => u.name)).toEqual(['Bash']);
      const read = (f: string) => readFileSync(path.join(run.workDir, f), 'utf8').trim();
      expect(read('stdin.txt')).toBe('not-a-pipe');
      expect(read('base.txt')).toBe('http://127.0.0.1:9');
      expect(read('argc.txt')).toBe('10');
      expect(() => readFileSync(path.join(read('home.txt'), '.claude', 'x'))).toThrow();
    } finally {
      await run.cleanup();
    }
  });

  it('kills the whole process group at the hard timeout and reports it', async () => {
    const pidFile = path.join(work, 'bg.pid');
    const bin = fake('claude-hang', `sleep 30 & echo $! > ${pidFile}\necho partial\nsleep 30`);
    const run = await runClaude({ ...base, binary: bin, tmpRoot: work, timeoutMs: 400 });
    await run.cleanup();
    expect(run.exit.timedOut).toBe(true);
    expect(run.transcript.result).toBeUndefined();
    expect(run.stdoutTail).toContain('partial');
    const bg = Number(readFileSync(pidFile, 'utf8'));
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      alive = isRunning(bg);
      if (alive) await new Promise((r) => setTimeout(r, 20));
    }
    expect(alive).toBe(false);
  });

  it('stops on abort, and keeps the key out of what it reports', async () => {
    const bin = fake('claude-talk', 'echo "using key $ANTHROPIC_API_KEY" >&2; sleep 30');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const run = await runClaude({ ...base, binary: bin, tmpRoot: work, timeoutMs: 20_000, signal: controller.signal });
    await run.cleanup();
    expect(run.exit.aborted).toBe(true);
    expect(run.stderrTail).toContain('using key [REDACTED]');
    expect(run.stderrTail).not.toContain(base.apiKey);
  });
});
