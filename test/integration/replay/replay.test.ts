import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../src/client/index.ts';
import { runChecks } from '../../../src/conform/engine.ts';
import { loadReplayChecks, loadReplayFixtures } from '../../../src/conform/replay/index.ts';
import { startRecordProxy } from '../../../src/record/proxy.ts';
import { startEmbeddedStack, type RunningStack } from '../../../src/stack/embedded.ts';
import type { Target, Verdict } from '../../../src/types.ts';
import { startDefectiveGateway, type Defect } from '../../support/defective-gateway.ts';
import { waitGone } from '../../support/stack-pids.ts';

const SESSIONS = fileURLToPath(new URL('../../../fixtures/sessions/', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'cb-replay-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const committed = loadReplayFixtures(SESSIONS);
const committedIds = committed.map((f) => `replay:${f.session}/${f.name}`);

async function replay(target: Target, dir: string): Promise<Verdict[]> {
  const client = createClient({ baseUrl: target.baseUrl, apiKey: target.apiKey, timeoutMs: 30_000 });
  try {
    return await runChecks({ target, client, checks: loadReplayChecks(dir) });
  } finally {
    client.close();
  }
}

async function replayOnGateway(defects: readonly Defect[], dir = SESSIONS): Promise<Verdict[]> {
  const gateway = await startDefectiveGateway({ defects });
  try {
    const target: Target = { baseUrl: gateway.baseUrl, apiKey: gateway.apiKey, model: 'test-model', kind: 'external', emulated: false, description: 'defective gateway' };
    return await replay(target, dir);
  } finally {
    await gateway.close();
  }
}

describe('replay of the committed sessions on the embedded stack (CCR → emulator)', () => {
  let stack: RunningStack | undefined;
  beforeAll(async () => {
    // Claude Code asks max_tokens 128000 on a ~12k-token prompt: give the emulator a context that holds it,
    // and make it call two tools whenever Write is offered on a first turn, so tool inputs get validated.
    const script = path.join(work, 'script.json');
    writeFileSync(script, JSON.stringify({ rules: [{ match: { turn: 0, toolOffered: 'Write' }, reply: { toolCalls: [{ name: 'Write' }, { name: 'Bash' }] } }, { reply: { text: { tokens: 8 } } }] }));
    stack = await startEmbeddedStack({ logDir: path.join(work, 'stack-logs'), emulatorArgs: ['--max-model-len', '262144', '--script', script] });
  });
  afterAll(async () => {
    const pids = Object.values(stack?.pids ?? {}).filter((p): p is number => p !== undefined);
    await stack?.stop();
    expect(await waitGone(pids)).toEqual([]);
  });

  it('gives one verdict per recorded request, each accepted and answered conformantly, tool calls schema-valid', async () => {
    if (!stack) throw new Error('stack did not start');
    const verdicts = await replay(stack.target, SESSIONS);
    expect(verdicts.map((v) => v.id)).toEqual(committedIds);
    expect(committedIds.length).toBeGreaterThanOrEqual(8);
    for (const v of verdicts) {
      expect(v, `${v.id}: ${v.detail}`).toMatchObject({ status: 'pass', severity: 'blocker', area: 'request' });
      expect(v.request_ids).toHaveLength(1);
    }
    // First turns offer Write: the emulator called Write and Bash, and both inputs held against the replayed schemas.
    const firstTurns = verdicts.filter((v) => v.id.endsWith('/0001-post-v1-messages'));
    expect(firstTurns).toHaveLength(3);
    for (const v of firstTurns) expect(v.detail).toMatch(/2 tool calls valid against the offered schemas \(Write, Bash\)/);
  });
});

describe('replay against the defective gateway', () => {
  it('passes on a correct gateway', async () => {
    const verdicts = await replayOnGateway([]);
    expect(verdicts.map((v) => v.id)).toEqual(committedIds);
    expect(verdicts.filter((v) => v.status !== 'pass').map((v) => `${v.id}: ${v.detail}`)).toEqual([]);
  });

  it('fails every replayed request as a blocker when the stream grammar is broken', async () => {
    for (const defect of ['unclosed-block', 'no-message-stop', 'delta-before-block-start'] as const) {
      const verdicts = await replayOnGateway([defect]);
      expect(verdicts).toHaveLength(committedIds.length);
      for (const v of verdicts) {
        expect(v.status, `${defect} ${v.id}`).toBe('fail');
        expect(v.severity).toBe('blocker');
        expect(v.detail).toMatch(/breaks the grammar Claude Code relies on \[S\d/);
        expect(v.evidence).toBeTruthy();
      }
    }
  });

  it('fails as "not accepted" when the gateway rejects what Claude Code sends', async () => {
    const verdicts = await replayOnGateway(['reject-system-blocks']);
    for (const v of verdicts) expect(v.detail).toMatch(/not accepted: HTTP 400/);
  });
});

describe('a raw (unscrubbed) recording made with the recorder replays too', () => {
  it('records through the proxy with --raw, then replay validates the tool call against the recorded schema', async () => {
    const gateway = await startDefectiveGateway();
    const dir = path.join(work, 'raw-session');
    try {
      const proxy = await startRecordProxy({ upstream: gateway.baseUrl, outDir: dir, raw: true });
      // A Claude Code first request, with real prose and a directive asking the test gateway for a Write call.
      const base = JSON.parse(readFileSync(path.join(SESSIONS, 'write-run-read', '0001-post-v1-messages.json'), 'utf8')) as { headers: Record<string, string>; body: unknown };
      const body = structuredClone(base.body) as { messages: Array<{ role?: string; content: unknown }> };
      // The test gateway reads directives from the last message, which is a user turn.
      body.messages.push({ role: 'user', content: [{ type: 'text', text: 'Please write a small greeting script for me. [[emulate tool=Write]]' }] });
      const headers = Object.fromEntries(Object.entries(base.headers).filter(([k]) => ['anthropic-beta', 'anthropic-version', 'user-agent', 'x-app'].includes(k)));
      const client = createClient({ baseUrl: proxy.url, apiKey: gateway.apiKey });
      const recorded = await client.send({ path: '/v1/messages?beta=true', headers, body });
      client.close();
      await proxy.close();
      expect(recorded.status).toBe(200);
      const text = readFileSync(path.join(dir, '0001-post-v1-messages.json'), 'utf8');
      expect(text).toContain('Please write a small greeting script');
      expect(text).not.toContain(gateway.apiKey);
    } finally {
      await gateway.close();
    }

    const ok = await replayOnGateway([], dir);
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject({ id: 'replay:raw-session/0001-post-v1-messages', status: 'pass' });
    expect(ok[0]?.detail).toMatch(/1 tool call valid against the offered schemas \(Write\)/);

    const bad = await replayOnGateway(['tool-input-invalid'], dir);
    expect(bad[0]).toMatchObject({ status: 'fail', severity: 'blocker' });
    expect(bad[0]?.detail).toMatch(/Write tool_use input does not match its input_schema/);
  });
});
