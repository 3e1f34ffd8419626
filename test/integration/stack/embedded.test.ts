import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { liveChildPids } from '../../../src/stack/child-process.ts';
import { startEmbeddedStack } from '../../../src/stack/embedded.ts';
import { probe } from '../../../src/stack/http-probe.ts';
import { processesWithTag } from '../../support/process-tag.ts';
import { waitGone } from '../../support/stack-pids.ts';

// The real thing: `claude-bench emulate` behind claude-code-router 1.0.73.
// Two stack starts in all (CI has 2 cores).
const work = mkdtempSync(path.join(tmpdir(), 'cb-embedded-'));
// Children inherit CLAUDE_BENCH_* variables: this tag finds everything the stack started, however deep.
const tag = randomUUID();
process.env['CLAUDE_BENCH_TEST_TAG'] = tag;
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('startEmbeddedStack', () => {
  it('stands up emulator + CCR, answers /v1/messages, and stop() leaves nothing behind but redacted logs', async () => {
    const logDir = path.join(work, 'logs');
    const stack = await startEmbeddedStack({ logDir });
    const { target } = stack;
    try {
      expect(target.kind).toBe('embedded');
      expect(target.emulated).toBe(true);
      expect(target.model).toBe('claude-opus-5-5');
      expect(target.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(target.gateway).toEqual({ name: 'claude-code-router', version: '1.0.73' });
      expect(target.backend?.name).toBe('vllm-emulator');
      expect(target.description).toBe('claude-code-router 1.0.73 → vLLM emulator (EMULATED)');
      expect(stack.secrets).toContain(target.apiKey);
      expect(processesWithTag(tag).length).toBeGreaterThanOrEqual(2);

      expect((await probe(`${target.baseUrl}/health`, { timeoutMs: 5_000 })).status).toBe(200);
      const res = await probe(`${target.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': target.apiKey, 'anthropic-version': '2023-06-01' },
        body: { model: target.model, max_tokens: 64, messages: [{ role: 'user', content: 'Say hi' }] },
        timeoutMs: 20_000,
      });
      expect(res.status).toBe(200);
      const message = JSON.parse(res.body) as { type: string; role: string; content: Array<{ type: string }>; stop_reason: string };
      expect(message.type).toBe('message');
      expect(message.role).toBe('assistant');
      expect(message.content.length).toBeGreaterThan(0);
    } finally {
      await stack.stop();
    }
    const pids = [stack.pids.gateway ?? -1, stack.pids.emulator ?? -1];
    expect(await waitGone(pids)).toEqual([]);
    expect(await waitGone(processesWithTag(tag))).toEqual([]);
    expect(liveChildPids()).toEqual([]);
    expect(existsSync(stack.gatewayHome)).toBe(false);

    expect(Object.keys(stack.logs)).toEqual(expect.arrayContaining(['emulator', 'ccr', 'ccr-config']));
    expect(Object.keys(stack.logs).some((k) => k.startsWith('ccr-server/'))).toBe(true);
    for (const file of readdirSync(logDir)) {
      const text = readFileSync(path.join(logDir, file), 'utf8');
      for (const secret of stack.secrets) expect(text, file).not.toContain(secret);
    }
    await stack.stop(); // idempotent
  });

  it('an abort during start-up tears down what started and throws INTERRUPTED', async () => {
    const controller = new AbortController();
    const pending = startEmbeddedStack({ logDir: path.join(work, 'logs-abort'), signal: controller.signal });
    // Abort once both processes exist (CCR is starting), or at the latest after 20 s.
    const deadline = Date.now() + 20_000;
    while (liveChildPids().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const seen = liveChildPids();
    controller.abort();
    const err = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('INTERRUPTED');
    expect(seen.length).toBe(2);
    expect(liveChildPids()).toEqual([]);
    expect(await waitGone(seen)).toEqual([]);
    expect(await waitGone(processesWithTag(tag))).toEqual([]);
  });

  it('a broken emulator flag ends in STACK_FAILED naming the emulator, with nothing left running', async () => {
    const err = await startEmbeddedStack({ logDir: path.join(work, 'logs-bad'), emulatorArgs: ['--no-such-flag'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('STACK_FAILED');
    expect((err as BenchError).exitCode).toBe(3);
    expect((err as BenchError).message).toMatch(/vLLM emulator exited with code \d+ before it was ready/);
    expect((err as BenchError).message).not.toContain('\n');
    expect(liveChildPids()).toEqual([]);
    expect(await waitGone(processesWithTag(tag))).toEqual([]);
  });
});
