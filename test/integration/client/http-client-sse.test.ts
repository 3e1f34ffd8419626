import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentDeltas, createClient, endedMidFrame, outputTokens, type Client } from '../../../src/client/index.ts';
import { sleep, sseFrame, startHttpServer, type TestServer } from './servers.ts';

const GAP_MS = 60;

const STREAM = [
  sseFrame('message_start', { type: 'message_start', message: { id: 'msg_1' } }),
  sseFrame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  sseFrame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hé' } }),
  sseFrame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'llo 😀' } }),
  sseFrame('content_block_stop', { type: 'content_block_stop', index: 0 }),
  sseFrame('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }),
  sseFrame('message_stop', { type: 'message_stop' }),
];

/** SSE responses: framing, ordering and timestamps over a real socket. */
describe('createClient: SSE responses', () => {
  let server: TestServer;
  let client: Client;

  beforeAll(async () => {
    server = await startHttpServer(async (req, res) => {
      const headers = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
      if (req.url === '/paced') {
        res.writeHead(200, headers);
        res.flushHeaders();
        for (const frame of STREAM) {
          await sleep(GAP_MS);
          res.write(frame);
        }
        res.end();
      } else if (req.url === '/split-emoji') {
        // One frame written in three pieces, cutting the emoji's 4 bytes.
        const bytes = Buffer.from(STREAM[3] ?? '', 'utf8');
        const at = bytes.indexOf(Buffer.from('😀')) + 2;
        res.writeHead(200, headers);
        res.write(bytes.subarray(0, at));
        await sleep(20);
        res.write(bytes.subarray(at, at + 1));
        await sleep(20);
        res.end(bytes.subarray(at + 1));
      } else if (req.url === '/no-final-blank-line') {
        res.writeHead(200, headers);
        res.end(`${STREAM[0]}event: message_stop\ndata: {"type":"message_stop"}\n`);
      } else if (req.url === '/gzip') {
        res.writeHead(200, { ...headers, 'content-encoding': 'gzip' });
        const gzip = zlib.createGzip();
        gzip.pipe(res);
        for (const frame of STREAM) {
          gzip.write(frame);
          gzip.flush();
          await sleep(10);
        }
        gzip.end();
      } else if (req.url === '/huge') {
        res.writeHead(200, headers);
        for (let i = 0; i < 50; i++) res.write(sseFrame('content_block_delta', { text: 'x'.repeat(200) }));
        res.end();
      } else {
        res.writeHead(404).end();
      }
    });
    client = createClient({ baseUrl: server.url, apiKey: 'k', timeoutMs: 10_000 });
  });

  afterAll(async () => {
    client.close();
    await server.close();
  });

  it('records every event in order, stamped as it arrived', async () => {
    const o = await client.send({ path: '/paced', body: { stream: true } });
    expect(o.error).toBeNull();
    expect(o.status).toBe(200);
    expect(o.body).toBeNull();
    expect(o.events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(o.events.map((e) => e.raw).join('')).toBe(STREAM.join(''));
    expect(o.bytes).toBe(Buffer.byteLength(STREAM.join('')));
    const times = o.events.map((e) => e.t_ms);
    // The server pauses GAP_MS before each frame; generous lower bound for timer slack.
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(GAP_MS / 2);
    expect(o.t_hdr_ms).not.toBeNull();
    expect(o.t_hdr_ms ?? Infinity).toBeLessThanOrEqual(times[0] ?? -1);
    expect(o.t_end_ms ?? -1).toBeGreaterThanOrEqual(times[times.length - 1] ?? Infinity);
    expect(contentDeltas(o).map((d) => d.text).join('')).toBe('Héllo 😀');
    expect(outputTokens(o)).toBe(2);
    expect(endedMidFrame(o)).toBe(false);
  });

  it('reassembles a frame whose multi-byte character was split across writes', async () => {
    const o = await client.send({ path: '/split-emoji' });
    expect(o.error).toBeNull();
    expect(o.events).toHaveLength(1);
    expect(JSON.parse(o.events[0]?.data ?? '')).toMatchObject({ delta: { text: 'llo 😀' } });
  });

  it('keeps a final frame that lacks its blank line, and flags it', async () => {
    const o = await client.send({ path: '/no-final-blank-line' });
    expect(o.error).toBeNull();
    expect(o.events.map((e) => e.type)).toEqual(['message_start', 'message_stop']);
    expect(endedMidFrame(o)).toBe(true);
  });

  it('decodes a gzip-compressed stream incrementally', async () => {
    const o = await client.send({ path: '/gzip', headers: { 'accept-encoding': 'gzip' } });
    expect(o.error).toBeNull();
    expect(o.headers['content-encoding']).toBe('gzip');
    expect(o.events).toHaveLength(STREAM.length);
    expect(contentDeltas(o).map((d) => d.text).join('')).toBe('Héllo 😀');
  });

  it('cuts the stream at maxBodyBytes: truncated, protocol error, events so far kept', async () => {
    const small = createClient({ baseUrl: server.url, apiKey: 'k', maxBodyBytes: 2_000 });
    try {
      const o = await small.send({ path: '/huge' });
      expect(o.truncated).toBe(true);
      expect(o.error?.kind).toBe('protocol');
      expect(o.events.length).toBeGreaterThan(0);
      expect(o.events.length).toBeLessThan(50);
      expect(o.events.reduce((n, e) => n + Buffer.byteLength(e.raw), 0)).toBeLessThanOrEqual(2_000);
    } finally {
      small.close();
    }
  });

  it('reports an over-long frame as a protocol error', async () => {
    const tight = createClient({ baseUrl: server.url, apiKey: 'k', maxFrameBytes: 100 });
    try {
      const o = await tight.send({ path: '/huge' });
      expect(o.error?.kind).toBe('protocol');
      expect(o.error?.message).toMatch(/frame exceeds 100 bytes/);
      expect(o.truncated).toBe(true);
      expect(o.events).toEqual([]);
    } finally {
      tight.close();
    }
  });
});
