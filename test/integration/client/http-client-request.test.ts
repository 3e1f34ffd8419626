import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../src/client/index.ts';
import { BenchError } from '../../../src/errors.ts';
import type { Observation } from '../../../src/types.ts';
import { readBody, startHttpServer, type TestServer } from './servers.ts';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Requests and non-SSE responses against an echo server. */
describe('createClient: requests and plain responses', () => {
  const seen: Seen[] = [];
  let server: TestServer;
  let client: Client;
  const observed: Observation[] = [];

  beforeAll(async () => {
    server = await startHttpServer(async (req, res) => {
      const body = await readBody(req);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/br') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' });
        res.end(req.method === 'HEAD' ? undefined : zlib.brotliCompressSync('{"br":true}'));
        return;
      }
      if (req.url === '/gzip') {
        const payload = zlib.gzipSync(JSON.stringify({ zipped: 'héllo' }));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(payload);
        return;
      }
      const json = JSON.stringify({ echo: { method: req.method, url: req.url, body } });
      res.writeHead(201, [
        ['Content-Type', 'application/json'],
        ['X-Custom', 'One'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ]);
      res.end(req.method === 'HEAD' ? undefined : json);
    });
    client = createClient({ baseUrl: server.url, apiKey: 'sk-test-key-123', timeoutMs: 10_000, onObservation: (o) => observed.push(o) });
  });

  afterAll(async () => {
    client.close();
    await server.close();
  });

  it('records status, lower-cased headers and the body of a JSON response', async () => {
    const o = await client.send({ path: '/v1/messages', body: { model: 'm', max_tokens: 1 }, label: 'json' });
    expect(o.error).toBeNull();
    expect(o.status).toBe(201);
    expect(o.method).toBe('POST');
    expect(o.path).toBe('/v1/messages');
    expect(o.label).toBe('json');
    expect(o.headers['content-type']).toBe('application/json');
    expect(o.headers['x-custom']).toBe('One');
    expect(o.headers['set-cookie']).toBe('a=1, b=2');
    expect(JSON.parse(o.body ?? '')).toEqual({ echo: { method: 'POST', url: '/v1/messages', body: '{"model":"m","max_tokens":1}' } });
    expect(o.bytes).toBe(Buffer.byteLength(o.body ?? ''));
    expect(o.events).toEqual([]);
    expect(o.truncated).toBe(false);
    expect(o.t_hdr_ms).not.toBeNull();
    expect(o.t_end_ms).toBeGreaterThanOrEqual(o.t_hdr_ms ?? Infinity);
    expect(Math.abs(o.t0_epoch_ms - Date.now())).toBeLessThan(60_000);
  });

  it('sends the Messages API headers and a unique x-request-id that matches request_id', async () => {
    const before = seen.length;
    const results = await Promise.all(Array.from({ length: 12 }, () => client.send({ path: '/v1/messages', body: {} })));
    const mine = seen.slice(before);
    const ids = results.map((o) => o.request_id);
    expect(new Set(ids).size).toBe(12);
    expect(new Set(mine.map((s) => s.headers['x-request-id']))).toEqual(new Set(ids));
    for (const s of mine) {
      expect(s.headers['anthropic-version']).toBe('2023-06-01');
      expect(s.headers['content-type']).toBe('application/json');
      expect(s.headers['user-agent']).toMatch(/^claude-bench\//);
    }
  });

  it('presents the key per auth mode', async () => {
    const modes = ['x-api-key', 'bearer', 'both', 'none'] as const;
    const got: Record<string, { xApiKey: unknown; authorization: unknown }> = {};
    for (const auth of modes) {
      const o = await client.send({ path: '/v1/messages', body: {}, auth });
      const s = seen.find((x) => x.headers['x-request-id'] === o.request_id);
      got[auth] = { xApiKey: s?.headers['x-api-key'], authorization: s?.headers['authorization'] };
    }
    expect(got).toEqual({
      'x-api-key': { xApiKey: 'sk-test-key-123', authorization: undefined },
      bearer: { xApiKey: undefined, authorization: 'Bearer sk-test-key-123' },
      both: { xApiKey: 'sk-test-key-123', authorization: 'Bearer sk-test-key-123' },
      none: { xApiKey: undefined, authorization: undefined },
    });
    const o = await client.send({ path: '/v1/messages', body: {}, apiKey: 'wrong-key', headers: { 'Anthropic-Version': '2099-01-01' } });
    const s = seen.find((x) => x.headers['x-request-id'] === o.request_id);
    expect(s?.headers['x-api-key']).toBe('wrong-key');
    expect(s?.headers['anthropic-version']).toBe('2099-01-01');
  });

  it('never puts the key in the Observation', async () => {
    const o = await client.send({ path: '/v1/messages', body: {}, auth: 'both' });
    expect(JSON.stringify(o)).not.toContain('sk-test-key-123');
  });

  it('sends a raw body verbatim and supports GET and HEAD', async () => {
    const raw = await client.send({ path: '/v1/messages', body: '{"model": broken', rawBody: true });
    expect(seen.find((x) => x.headers['x-request-id'] === raw.request_id)?.body).toBe('{"model": broken');

    const get = await client.send({ path: '/v1/models?limit=2' });
    const getSeen = seen.find((x) => x.headers['x-request-id'] === get.request_id);
    expect(get.method).toBe('GET');
    expect(getSeen?.url).toBe('/v1/models?limit=2');
    expect(getSeen?.headers['content-type']).toBeUndefined();

    const head = await client.send({ method: 'HEAD', path: '/health' });
    expect(head.error).toBeNull();
    expect(head.status).toBe(201);
    expect(head.body).toBe('');
    expect(head.bytes).toBe(0);
  });

  it('keeps a base URL path prefix and reuses one keep-alive connection', async () => {
    const prefixed = createClient({ baseUrl: `${server.url}/proxy/`, apiKey: 'k' });
    const before = server.connections();
    try {
      for (let i = 0; i < 4; i++) {
        const o = await prefixed.send({ path: '/v1/messages', body: {} });
        expect(seen.find((x) => x.headers['x-request-id'] === o.request_id)?.url).toBe('/proxy/v1/messages');
      }
      expect(server.connections() - before).toBe(1);
    } finally {
      prefixed.close();
    }
  });

  it('decodes gzip and brotli bodies (bytes counts the wire bytes)', async () => {
    const o = await client.send({ path: '/gzip', headers: { 'accept-encoding': 'gzip' } });
    expect(o.error).toBeNull();
    expect(JSON.parse(o.body ?? '')).toEqual({ zipped: 'héllo' });
    expect(o.bytes).toBeGreaterThan(0);
    expect(o.bytes).not.toBe(Buffer.byteLength(o.body ?? ''));
    const br = await client.send({ path: '/br' });
    expect(br.error).toBeNull();
    expect(br.body).toBe('{"br":true}');
    const head = await client.send({ method: 'HEAD', path: '/br' });
    expect(head.error).toBeNull();
    expect(head.body).toBe('');
  });

  it('calls onObservation exactly once per request, with the resolved Observation', async () => {
    const start = observed.length;
    const results = await Promise.all([client.send({ path: '/a' }), client.send({ path: '/b' }), client.send({ path: '/c' })]);
    const mine = observed.slice(start);
    expect(mine).toHaveLength(3);
    expect(new Set(mine)).toEqual(new Set(results));
  });

  it('shares one abort signal across many concurrent requests without a listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const results = await Promise.all(Array.from({ length: 24 }, () => client.send({ path: '/x' }, { signal: controller.signal })));
      expect(results.every((o) => o.error === null && o.status === 201)).toBe(true);
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('rejects only on misuse', async () => {
    expect(() => createClient({ baseUrl: 'not a url', apiKey: 'k' })).toThrow(BenchError);
    expect(() => createClient({ baseUrl: 'ftp://127.0.0.1', apiKey: 'k' })).toThrow(/http or https/);
    let thrown: unknown;
    try {
      createClient({ baseUrl: 'http://user:secret@[bad', apiKey: 'k' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(BenchError);
    expect((thrown as BenchError).code).toBe('BAD_USAGE');
    expect((thrown as Error).message).not.toContain('secret');
    await expect(client.send({ path: 'v1/messages' })).rejects.toMatchObject({ code: 'BAD_USAGE' });
    await expect(client.send({ path: '/v1/messages', body: { a: 1 }, rawBody: true })).rejects.toMatchObject({ code: 'BAD_USAGE' });
    await expect(client.send({ path: '/v1/messages', headers: { 'x-bad': 'a\nb' } })).rejects.toMatchObject({ code: 'BAD_USAGE' });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const sent = client.send({ path: '/v1/messages', body: cyclic });
    await expect(sent).rejects.toMatchObject({ code: 'BAD_USAGE' });
    await expect(client.send({ path: '/v1/messages', body: 1n })).rejects.toMatchObject({ code: 'BAD_USAGE' });
  });
});
