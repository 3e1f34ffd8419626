import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../src/client/index.ts';
import type { Observation } from '../../../src/types.ts';
import { closedPort, sleep, sseFrame, startGarbageServer, startHttpServer, type TestServer } from './servers.ts';

/** Network and protocol failures: send resolves, and the error kind says what happened. */
describe('createClient: failures become Observation errors', () => {
  let server: TestServer;
  let hits = 0;
  const observed: Observation[] = [];
  let client: Client;

  beforeAll(async () => {
    server = await startHttpServer(async (req, res) => {
      hits++;
      const sse = { 'content-type': 'text/event-stream' };
      if (req.url === '/stall-after-headers') {
        res.writeHead(200, sse);
        res.flushHeaders();
      } else if (req.url === '/stall-mid-stream') {
        res.writeHead(200, sse);
        res.write(sseFrame('message_start', { type: 'message_start' }));
      } else if (req.url === '/slow-drip') {
        // Gaps shorter than the 300 ms idle timeout, then silence.
        res.writeHead(200, sse);
        for (let i = 0; i < 4; i++) {
          res.write(sseFrame('ping', { type: 'ping' }));
          await sleep(150);
        }
      } else if (req.url === '/drop-mid-stream') {
        res.writeHead(200, sse);
        res.write(sseFrame('message_start', { type: 'message_start' }));
        res.write(sseFrame('ping', { type: 'ping' }));
        res.write('event: content_block_delta\ndata: {"type":"con');
        await sleep(80);
        res.socket?.destroy();
      } else if (req.url === '/drop-before-headers') {
        req.socket.destroy();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
    });
    client = createClient({ baseUrl: server.url, apiKey: 'k', timeoutMs: 300, onObservation: (o) => observed.push(o) });
  });

  afterAll(async () => {
    client.close();
    await server.close();
  });

  it('connection refused → connect', async () => {
    const port = await closedPort();
    const refused = createClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k' });
    try {
      const o = await refused.send({ path: '/v1/messages', body: {} });
      expect(o.error?.kind).toBe('connect');
      expect(o.error?.message).toMatch(/ECONNREFUSED/);
      expect(o.status).toBeNull();
      expect(o.t_hdr_ms).toBeNull();
      expect(o.body).toBeNull();
      expect(o.t_end_ms).not.toBeNull();
    } finally {
      refused.close();
    }
  });

  it('headers then silence → timeout after the idle period', async () => {
    const o = await client.send({ path: '/stall-after-headers' });
    expect(o.error?.kind).toBe('timeout');
    expect(o.status).toBe(200);
    expect(o.t_end_ms ?? 0).toBeGreaterThanOrEqual(290);
  });

  it('the idle timer restarts on every chunk; events so far are kept', async () => {
    const o = await client.send({ path: '/slow-drip' });
    expect(o.error?.kind).toBe('timeout');
    expect(o.error?.message).toMatch(/mid-response/);
    expect(o.events.map((e) => e.type)).toEqual(['ping', 'ping', 'ping', 'ping']);
    // Total time exceeds the idle timeout: only silence counts.
    expect((o.t_end_ms ?? 0) - (o.events[3]?.t_ms ?? 0)).toBeGreaterThanOrEqual(290);
    expect(o.t_end_ms ?? 0).toBeGreaterThanOrEqual(700);
  });

  it('socket destroyed mid-stream → reset, with the events so far kept', async () => {
    const o = await client.send({ path: '/drop-mid-stream' });
    expect(o.error?.kind).toBe('reset');
    expect(o.error?.message).toMatch(/unfinished SSE frame dropped/);
    expect(o.events.map((e) => e.type)).toEqual(['message_start', 'ping']);
    expect(o.status).toBe(200);
  });

  it('socket destroyed before any response → reset', async () => {
    const o = await client.send({ path: '/drop-before-headers', body: {} });
    expect(o.error?.kind).toBe('reset');
    expect(o.status).toBeNull();
  });

  it('a server that does not speak HTTP → protocol', async () => {
    const garbage = await startGarbageServer('SSH-2.0-OpenSSH_9.6\r\n');
    const c = createClient({ baseUrl: garbage.url, apiKey: 'k', timeoutMs: 5_000 });
    try {
      const o = await c.send({ path: '/v1/messages', body: {} });
      expect(o.error?.kind).toBe('protocol');
      expect(o.error?.message).toMatch(/HPE_/);
      expect(o.status).toBeNull();
    } finally {
      c.close();
      await garbage.close();
    }
  });

  it('abort signal mid-stream → aborted', async () => {
    const controller = new AbortController();
    const pending = client.send({ path: '/stall-mid-stream' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const o = await pending;
    expect(o.error?.kind).toBe('aborted');
    expect(o.events.length).toBeLessThanOrEqual(1);
  });

  it('an already-aborted signal → aborted without sending anything', async () => {
    const before = hits;
    const o = await client.send({ path: '/ok', body: {} }, { signal: AbortSignal.abort() });
    expect(o.error?.kind).toBe('aborted');
    expect(o.status).toBeNull();
    await sleep(50);
    expect(hits).toBe(before);
  });

  it('reports each request to onObservation exactly once, failures included', async () => {
    const start = observed.length;
    const results = await Promise.all([
      client.send({ path: '/ok' }),
      client.send({ path: '/stall-after-headers' }),
      client.send({ path: '/drop-mid-stream' }),
      client.send({ path: '/ok' }, { signal: AbortSignal.abort() }),
    ]);
    await sleep(50);
    const mine = observed.slice(start);
    expect(mine.map((o) => o.request_id).sort()).toEqual(results.map((o) => o.request_id).sort());
    expect(results.map((o) => o.error?.kind ?? 'ok')).toEqual(['ok', 'timeout', 'reset', 'aborted']);
  });
});
