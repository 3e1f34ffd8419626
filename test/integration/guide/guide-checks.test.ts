import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../src/client/index.ts';
import { defineChecks } from '../../../src/conform/check.ts';
import { guideCheckSpecs, type GuideCheckOptions } from '../../../src/conform/checks/guide.ts';
import { runChecks } from '../../../src/conform/engine.ts';
import { embeddedStackSettings } from '../../../src/live/stack-settings.ts';
import { newKey, startCcr, type RunningCcr } from '../../../src/stack/ccr.ts';
import { startEmbeddedStack, type RunningStack } from '../../../src/stack/embedded.ts';
import type { Target, Verdict } from '../../../src/types.ts';
import { startBufferingProxy, type BufferingProxy } from '../../support/buffering-proxy.ts';
import { startTextToolUpstream, type TextToolUpstream } from '../../support/text-tool-upstream.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-guide-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Run guide checks `ids` (in that order) against `target`; verdicts by id. */
async function runGuide(target: Target, ids: readonly string[], options: GuideCheckOptions = { env: () => ({}) }): Promise<Record<string, Verdict>> {
  const all = defineChecks(guideCheckSpecs(options));
  const checks = ids.map((id) => all[id as keyof typeof all]);
  const client = createClient({ baseUrl: target.baseUrl, apiKey: target.apiKey, timeoutMs: 30_000 });
  try {
    const verdicts = await runChecks({ target, client, checks, timeoutMs: 30_000 });
    return Object.fromEntries(verdicts.map((v) => [v.id, v]));
  } finally {
    client.close();
  }
}

const ALL = ['D1', 'D2', 'D4', 'D5', 'D6', 'D3'] as const;

function statuses(verdicts: Record<string, Verdict>): Record<string, string> {
  return Object.fromEntries(Object.entries(verdicts).map(([id, v]) => [id, v.status]));
}

describe('guide checks on the correct embedded stack (131072-token window, auto tool choice, CCR, nothing buffering)', () => {
  let stack: RunningStack;
  beforeAll(async () => {
    const settings = embeddedStackSettings('embedded', ['guide']);
    stack = await startEmbeddedStack({ logDir: path.join(work, 'correct'), autoToolChoice: settings.autoToolChoice, emulatorArgs: settings.emulatorArgs });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('passes every check; the environment check skips when this shell points nowhere', async () => {
    const v = await runGuide(stack.target, ALL);
    expect(statuses(v)).toEqual({ D1: 'pass', D2: 'skip', D4: 'pass', D5: 'pass', D6: 'pass', D3: 'pass' });
    expect(v['D4']?.detail).toContain('max_tokens 32000 was accepted');
    expect(v['D6']?.detail).toContain('trickled');
  });

  it('D2 passes when ANTHROPIC_BASE_URL and the key point at the gateway, fails on a key it refuses, warns on both variables', async () => {
    const base = { ANTHROPIC_BASE_URL: `${stack.target.baseUrl}/` };
    const good = await runGuide(stack.target, ['D2'], { env: () => ({ ...base, ANTHROPIC_API_KEY: stack.target.apiKey }) });
    expect(good['D2']?.status).toBe('pass');

    const wrongKey = 'cb-user-key-that-ccr-refuses-42';
    const bad = await runGuide(stack.target, ['D2'], { env: () => ({ ...base, ANTHROPIC_API_KEY: wrongKey }) });
    expect(bad['D2']?.status).toBe('fail');
    expect(bad['D2']?.detail).toContain('refuses the key in ANTHROPIC_API_KEY');
    expect(JSON.stringify(bad['D2'])).not.toContain(wrongKey);

    const both = await runGuide(stack.target, ['D2'], { env: () => ({ ...base, ANTHROPIC_API_KEY: stack.target.apiKey, ANTHROPIC_AUTH_TOKEN: stack.target.apiKey }) });
    expect(both['D2']?.status).toBe('warn');
  });

  it('D4 tells a window too small for prompt + max_tokens apart (CLAUDE_CODE_MAX_OUTPUT_TOKENS=125000 on 131072)', async () => {
    const v = await runGuide(stack.target, ['D4'], { env: () => ({ CLAUDE_CODE_MAX_OUTPUT_TOKENS: '125000' }) });
    expect(v['D4']?.status).toBe('fail');
    expect(v['D4']?.detail).toContain("holds Claude Code's prompt");
    expect(v['D4']?.detail).toContain('max_tokens 125000');
  });

  it('D3 fails when the slowest response is over the bound (a 200 ms bound against a ~600 ms stream)', async () => {
    const v = await runGuide(stack.target, ['D3'], { env: () => ({}), latencyLimitMs: 200 });
    expect(v['D3']?.status).toBe('fail');
    expect(v['D3']?.detail).toContain('guide-stream-long');
  });

  // Last: it kills the emulator.
  it('D1 fails once the backend behind the gateway is gone', async () => {
    const pid = stack.pids.emulator;
    expect(pid).toBeTypeOf('number');
    process.kill(pid as number, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const v = await runGuide(stack.target, ['D1']);
    expect(v['D1']?.status).toBe('fail');
    expect(v['D1']?.detail).toContain('backend is not healthy');
  });
});

describe("guide checks on the guide's own stack: emulator --max-model-len 8192 without tool-call flags, CCR, a buffering proxy in front", () => {
  let stack: RunningStack;
  let proxy: BufferingProxy;
  let target: Target;
  beforeAll(async () => {
    const settings = embeddedStackSettings('embedded-guide', ['guide']);
    expect(settings.emulatorArgs).toEqual(['--max-model-len', '8192']);
    stack = await startEmbeddedStack({ logDir: path.join(work, 'guide'), autoToolChoice: settings.autoToolChoice, emulatorArgs: settings.emulatorArgs });
    proxy = await startBufferingProxy(stack.target.baseUrl);
    // As a user would test it: `conform --target <the proxy>`.
    target = { ...stack.target, baseUrl: proxy.baseUrl, kind: 'external' };
  });
  afterAll(async () => {
    await proxy?.close();
    await stack?.stop();
  });

  it('catches each of the guide mistakes', async () => {
    const v = await runGuide(target, ALL);
    expect(statuses(v)).toEqual({ D1: 'pass', D2: 'fail', D4: 'fail', D5: 'fail', D6: 'fail', D3: 'pass' });
    expect(v['D2']?.detail).toContain('ANTHROPIC_BASE_URL is not set');
    expect(v['D4']?.detail).toContain("too small for Claude Code's prompt itself");
    expect(v['D5']?.detail).toContain('--enable-auto-tool-choice');
    expect(v['D6']?.detail).toContain('one lump');
    for (const id of ['D2', 'D4', 'D5'] as const) expect(v[id]?.severity).toBe('blocker');
    expect(proxy.relayed).toBeGreaterThan(0);
  });

  it('D2 fails for a URL at the Anthropic API or one ending in /v1', async () => {
    const anthropic = await runGuide(target, ['D2'], { env: () => ({ ANTHROPIC_BASE_URL: 'https://api.anthropic.com', ANTHROPIC_API_KEY: 'k' }) });
    expect(anthropic['D2']?.status).toBe('fail');
    expect(anthropic['D2']?.detail).toContain('the Anthropic API');
    const v1 = await runGuide(target, ['D2'], { env: () => ({ ANTHROPIC_BASE_URL: `${target.baseUrl}/v1`, ANTHROPIC_API_KEY: 'k' }) });
    expect(v1['D2']?.status).toBe('fail');
    expect(v1['D2']?.detail).toContain('appends /v1/messages');
  });

  it('the lump comes from the proxy: the same stack without it streams', async () => {
    const v = await runGuide(stack.target, ['D6']);
    expect(v['D6']?.status).toBe('pass');
  });
});

describe('tool calls returned as plain text (an upstream whose tool-call parser does not fit the model), behind CCR', () => {
  let upstream: TextToolUpstream;
  let ccr: RunningCcr;
  let target: Target;
  beforeAll(async () => {
    upstream = await startTextToolUpstream();
    const apiKey = newKey('cb-ccr');
    ccr = await startCcr({
      logDir: path.join(work, 'text-tool'),
      apiKey,
      upstreamApiKey: newKey('cb-upstream'),
      upstreamBaseUrl: upstream.url,
      servedModelName: 'Qwen/Qwen2.5-Coder-32B-Instruct',
      deadline: Date.now() + 30_000,
    });
    target = { baseUrl: ccr.baseUrl, apiKey, model: 'claude-opus-5-5', kind: 'external', emulated: false, description: 'CCR → text-tool upstream' };
  });
  afterAll(async () => {
    await ccr?.stop();
    await upstream?.close();
  });

  it('D5 fails and shows the text', async () => {
    const v = await runGuide(target, ['D5']);
    expect(v['D5']?.status).toBe('fail');
    expect(v['D5']?.detail).toContain('plain text');
    expect(v['D5']?.evidence).toContain('<tool_call>');
    expect(upstream.completions).toBeGreaterThan(0);
  });
});
