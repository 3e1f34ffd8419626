import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../src/client/index.ts';
import { startEmulator } from '../../../src/emulator/server.ts';
import { newKey, startCcr } from '../../../src/stack/ccr.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-perf-reqid-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Why harness accuracy is calibrated straight against the emulator
// (src/perf/calibrate.ts): the gateway does not pass the client's
// x-request-id upstream, so requests sent through it cannot be matched to the
// emulator's ground-truth log by id. If a later version forwards it, this
// test fails and perf can match gateway traffic directly.
describe('claude-code-router and x-request-id', () => {
  it('does not forward the client request id to the backend', async () => {
    const seen: string[] = [];
    const emulator = await startEmulator({ timing: { ttftMs: 5, itlMs: 1 }, onEvent: (e) => void (e.kind === 'headers' && seen.push(e.request_id)) });
    const apiKey = newKey('cb-ccr');
    const ccr = await startCcr({
      logDir: work,
      apiKey,
      upstreamApiKey: newKey('cb-up'),
      upstreamBaseUrl: emulator.url,
      servedModelName: 'Qwen/Qwen2.5-Coder-32B-Instruct',
      deadline: Date.now() + 40_000,
    });
    const client = createClient({ baseUrl: ccr.baseUrl, apiKey });
    try {
      const o = await client.send({ path: '/v1/messages', body: { model: 'claude-opus-5-5', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'hi [[emulate tokens=3]]' }] } });
      expect(o.status).toBe(200);
      expect(o.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(seen).toHaveLength(1);
      expect(seen[0]).not.toBe(o.request_id);
    } finally {
      client.close();
      await ccr.stop();
      await emulator.close();
    }
  });
});
