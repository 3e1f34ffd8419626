import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../src/client/index.ts';
import { LIVE_CLIENT_CHECKS } from '../../../src/conform/checks/live-client.ts';
import { runChecks } from '../../../src/conform/engine.ts';
import { ensureClaudeCode, type ClaudeCodeBinary } from '../../../src/live/install.ts';
import { LIVE_FILE, LIVE_PROMPT, LIVE_SOURCE } from '../../../src/live/prompt.ts';
import { runClaude } from '../../../src/live/run-claude.ts';
import { embeddedStackSettings, type EmbeddedStackName } from '../../../src/live/stack-settings.ts';
import { newKey, startCcr } from '../../../src/stack/ccr.ts';
import { startEmbeddedStack, type RunningStack } from '../../../src/stack/embedded.ts';
import type { Target, Verdict } from '../../../src/types.ts';
import { startTextToolUpstream } from '../../support/text-tool-upstream.ts';

// The real Claude Code CLI: installed into the cache on first use (~5 s, ~400 MB).
const work = mkdtempSync(path.join(tmpdir(), 'cb-live-'));
let claude: ClaudeCodeBinary;
beforeAll(async () => {
  claude = await ensureClaudeCode();
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CHECKS = Object.values(LIVE_CLIENT_CHECKS);

async function runLive(target: Target): Promise<Record<string, Verdict>> {
  const client = createClient({ baseUrl: target.baseUrl, apiKey: target.apiKey, timeoutMs: 60_000 });
  try {
    const verdicts = await runChecks({ target, client, checks: CHECKS, timeoutMs: 60_000 });
    return Object.fromEntries(verdicts.map((v) => [v.id, v]));
  } finally {
    client.close();
  }
}

async function withStack<T>(name: EmbeddedStackName, fn: (stack: RunningStack) => Promise<T>): Promise<T> {
  const settings = embeddedStackSettings(name, ['live-client']);
  const stack = await startEmbeddedStack({ logDir: path.join(work, name), autoToolChoice: settings.autoToolChoice, emulatorArgs: settings.emulatorArgs });
  try {
    return await fn(stack);
  } finally {
    await stack.stop();
  }
}

describe('the live-client suite with the real Claude Code CLI', () => {
  it('installed the pinned version', () => {
    expect(claude.version).toBe('2.1.332');
    expect(statSync(claude.path).isFile()).toBe(true);
  });

  it('passes on the correct embedded stack: Write → Bash → Read, file on disk, output in a tool_result', async () => {
    const started = Date.now();
    const v = await withStack('embedded', (stack) => runLive(stack.target));
    expect(Object.values(v).map((x) => [x.id, x.status])).toEqual([
      ['L1', 'pass'],
      ['L2', 'pass'],
      ['L3', 'pass'],
    ]);
    expect(v['L1']?.detail).toContain('tools Write → Bash → Read');
    expect(v['L3']?.detail).toContain('final answer quotes it');
    process.stderr.write(`live-client on the embedded stack: ${v['L1']?.detail ?? ''} (test wall ${Date.now() - started} ms)\n`);
  }, 180_000);

  it("fails with blockers on the guide's configuration (8192 window, no tool-call flags)", async () => {
    const v = await withStack('embedded-guide', (stack) => runLive(stack.target));
    for (const id of ['L1', 'L2', 'L3']) {
      expect(v[id]?.status).toBe('fail');
      expect(v[id]?.severity).toBe('blocker');
    }
    expect(v['L1']?.detail).toContain('API status 400');
    process.stderr.write(`live-client on the guide's stack: ${v['L1']?.detail.slice(0, 200) ?? ''}\n`);
  }, 180_000);

  it('fails when tool calls come back as plain text (CCR in front of a mismatched tool-call parser)', async () => {
    const upstream = await startTextToolUpstream();
    const apiKey = newKey('cb-ccr');
    const ccr = await startCcr({
      logDir: path.join(work, 'text-tool'),
      apiKey,
      upstreamApiKey: newKey('cb-upstream'),
      upstreamBaseUrl: upstream.url,
      servedModelName: 'Qwen/Qwen2.5-Coder-32B-Instruct',
      deadline: Date.now() + 30_000,
    });
    try {
      const v = await runLive({ baseUrl: ccr.baseUrl, apiKey, model: 'claude-opus-5-5', kind: 'external', emulated: false, description: 'text tools' });
      expect(v['L1']?.status).toBe('fail');
      expect(v['L1']?.detail).toContain('plain text');
      expect(v['L2']?.status).toBe('fail');
    } finally {
      await ccr.stop();
      await upstream.close();
    }
  }, 180_000);

  it('leaves no HOME behind and never writes the key to disk', async () => {
    const root = mkdtempSync(path.join(work, 'hygiene-'));
    await withStack('embedded', async (stack) => {
      const run = await runClaude({ binary: claude.path, baseUrl: stack.target.baseUrl, apiKey: stack.target.apiKey, prompt: LIVE_PROMPT, model: 'claude-opus-5-5', maxOutputTokens: 32000, tmpRoot: root, timeoutMs: 120_000, apiTimeoutMs: 30_000 });
      try {
        expect(run.exit.code).toBe(0);
        // Only the working folder is left; Claude Code's HOME is gone.
        expect(readdirSync(root)).toEqual([path.basename(run.workDir)]);
        expect(readFileSync(path.join(run.workDir, LIVE_FILE), 'utf8').trim()).toBe(LIVE_SOURCE);
        for (const file of readdirSync(run.workDir, { recursive: true }) as string[]) {
          const full = path.join(run.workDir, file);
          if (statSync(full).isFile()) expect(readFileSync(full, 'utf8')).not.toContain(stack.target.apiKey);
        }
      } finally {
        await run.cleanup();
      }
      expect(readdirSync(root)).toEqual([]);
    });
  }, 180_000);
});
