import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, spawnChild, type ManagedChild } from '../../../src/stack/child-process.ts';
import { newKey, startCcr } from '../../../src/stack/ccr.ts';
import { parseReadyLine } from '../../../src/stack/emulator.ts';
import { probe } from '../../../src/stack/http-probe.ts';
import { getFreePort } from '../../../src/stack/ports.ts';
import { waitGone } from '../../support/stack-pids.ts';

// claude-code-router in front of the small OpenAI fixture (no emulator needed).
const FIXTURE = fileURLToPath(new URL('../../support/stack-child.mjs', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'cb-ccr-'));
let upstream: ManagedChild;
let upstreamUrl = '';

beforeAll(async () => {
  upstream = spawnChild({
    name: 'upstream fixture',
    command: process.execPath,
    args: [FIXTURE, '--serve'],
    env: childEnv({ HOME: work }),
    logFile: path.join(work, 'upstream.log'),
  });
  upstreamUrl = (await upstream.waitForLine(parseReadyLine, { deadline: Date.now() + 20_000 })).url;
});
afterAll(async () => {
  await upstream?.stop();
  rmSync(work, { recursive: true, force: true });
});

function options(logDir: string) {
  return {
    logDir,
    apiKey: newKey('cb-ccr'),
    upstreamApiKey: newKey('cb-upstream'),
    upstreamBaseUrl: upstreamUrl,
    servedModelName: 'fixture-model',
    deadline: Date.now() + 30_000,
  };
}

describe('startCcr', () => {
  it('serves /v1/messages with our key, and stop() leaves no process, no HOME, and no key on disk', async () => {
    const opts = options(path.join(work, 'logs-main'));
    const ccr = await startCcr(opts);
    try {
      expect(ccr.version).toBe('1.0.73');
      expect(ccr.baseUrl).toBe(`http://127.0.0.1:${ccr.port}`);
      expect((await probe(`${ccr.baseUrl}/health`, { timeoutMs: 5_000 })).status).toBe(200);

      const body = { model: 'claude-opus-5-5', max_tokens: 32, messages: [{ role: 'user', content: 'Say hi' }] };
      const res = await probe(`${ccr.baseUrl}/v1/messages`, { method: 'POST', headers: { 'x-api-key': opts.apiKey }, body, timeoutMs: 10_000 });
      expect(res.status).toBe(200);
      const message = JSON.parse(res.body) as { type: string; role: string; content: Array<{ type: string; text?: string }> };
      expect(message.type).toBe('message');
      expect(message.role).toBe('assistant');
      expect(message.content[0]?.text).toBe('Hello from the fixture');

      const unauth = await probe(`${ccr.baseUrl}/v1/messages`, { method: 'POST', body, timeoutMs: 10_000 });
      expect(unauth.status).toBe(401);
    } finally {
      await ccr.stop();
    }
    expect(await waitGone([ccr.pid ?? -1])).toEqual([]);
    expect(existsSync(ccr.home)).toBe(false);

    const files = readdirSync(opts.logDir);
    expect(files).toEqual(expect.arrayContaining(['ccr.log', 'ccr-config.json']));
    expect(Object.keys(ccr.logs).some((k) => k.startsWith('ccr-server/'))).toBe(true);
    // CCR's debug log held the request and the upstream Authorization header: only redacted copies remain.
    const server = Object.entries(ccr.logs).find(([k]) => k.startsWith('ccr-server/'))?.[1] ?? '';
    // CCR writes that log asynchronously and may not have flushed the request
    // before SIGTERM on a loaded machine; when it did, the key is redacted.
    const serverLog = readFileSync(server, 'utf8');
    if (/authorization|x-api-key/i.test(serverLog)) expect(serverLog).toContain('[REDACTED]');
    for (const file of files) {
      const text = readFileSync(path.join(opts.logDir, file), 'utf8');
      expect(text, file).not.toContain(opts.apiKey);
      expect(text, file).not.toContain(opts.upstreamApiKey);
    }
    await ccr.stop(); // idempotent
  });

  it('moves to another port when the first one is taken by the time CCR binds it', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const taken = (squatter.address() as net.AddressInfo).port;
    const ports = [taken];
    const opts = { ...options(path.join(work, 'logs-retry')), nextPort: async () => ports.shift() ?? getFreePort() };
    try {
      const ccr = await startCcr(opts);
      try {
        expect(ccr.port).not.toBe(taken);
        expect((await probe(`${ccr.baseUrl}/health`, { timeoutMs: 5_000 })).status).toBe(200);
      } finally {
        await ccr.stop();
      }
      expect(await waitGone([ccr.pid ?? -1])).toEqual([]);
      expect(existsSync(ccr.home)).toBe(false);
    } finally {
      squatter.close();
    }
  });
});
