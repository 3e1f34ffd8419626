import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, openObservationLog } from '../../../src/client/index.ts';
import { BenchError } from '../../../src/errors.ts';
import { sseFrame, startHttpServer, type TestServer } from './servers.ts';

const KEY = 'sk-planted-secret-0042';

/** requests.jsonl: one line per request, written as it completes, secrets redacted. */
describe('openObservationLog', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'claude-bench-client-'));
    server = await startHttpServer((req, res) => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(sseFrame('message_start', { type: 'message_start' }));
        res.end(sseFrame('message_stop', { type: 'message_stop' }));
      } else {
        // A careless gateway echoing the key back: the log must not keep it.
        const key = String(req.headers['x-api-key'] ?? '');
        res.writeHead(401, { 'content-type': 'application/json', 'x-echo': key });
        res.end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: `invalid key ${key}` } }));
      }
    });
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one parseable, redacted line per request with id, t0 and event timings', async () => {
    const file = path.join(dir, 'requests.jsonl');
    const log = await openObservationLog(file, { secrets: [KEY] });
    const client = createClient({ baseUrl: server.url, apiKey: KEY, onObservation: (o) => log.append(o) });
    const results = [
      await client.send({ path: '/stream', label: 'sse' }),
      await client.send({ path: '/auth', body: {}, label: 'auth' }),
      await client.send({ path: '/stream', label: 'sse' }),
    ];
    await log.flush();
    // Lines are on disk before close.
    const early = await readFile(file, 'utf8');
    expect(early.trim().split('\n')).toHaveLength(3);
    client.close();
    await log.close();
    await log.close();

    const text = await readFile(file, 'utf8');
    expect(results[1]?.body).toContain(KEY);
    expect(text).not.toContain(KEY);
    expect(text).toContain('[REDACTED]');
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['request_id'])).toEqual(results.map((o) => o.request_id));
    for (const line of lines) {
      expect(typeof line['t0_epoch_ms']).toBe('number');
    }
    const events = lines[0]?.['events'] as Array<Record<string, unknown>>;
    expect(events.map((e) => e['type'])).toEqual(['message_start', 'message_stop']);
    for (const e of events) {
      expect(typeof e['t_ms']).toBe('number');
      expect(typeof e['raw']).toBe('string');
    }
  });

  it('appends to an existing file, and compact mode drops raw', async () => {
    const file = path.join(dir, 'compact.jsonl');
    const client = createClient({ baseUrl: server.url, apiKey: 'k' });
    for (const compact of [false, true]) {
      const log = await openObservationLog(file, { compact });
      log.append(await client.send({ path: '/stream' }));
      await log.close();
      expect(() => log.append(null as never)).toThrow(BenchError);
    }
    client.close();
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { events: Array<Record<string, unknown>> });
    expect(lines).toHaveLength(2);
    expect(lines[0]?.events[0]).toHaveProperty('raw');
    expect(lines[1]?.events[0]).not.toHaveProperty('raw');
    expect(lines[1]?.events[0]).toMatchObject({ type: 'message_start', data: '{"type":"message_start"}' });
  });

  it('redacts a secret also where JSON escaping changed it', async () => {
    const file = path.join(dir, 'escaped.jsonl');
    const secret = 'key"with\\quote';
    const log = await openObservationLog(file, { secrets: [secret] });
    log.append({
      request_id: 'r',
      label: secret,
      method: 'GET',
      path: '/',
      t0_epoch_ms: 1,
      t_hdr_ms: null,
      t_end_ms: null,
      status: null,
      headers: {},
      events: [],
      body: null,
      bytes: 0,
      truncated: false,
      error: null,
    });
    await log.close();
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(JSON.parse(text)).toMatchObject({ label: '[REDACTED]' });
  });

  it('fails with a clear BenchError when the file cannot be opened', async () => {
    await expect(openObservationLog(path.join(dir, 'missing', 'requests.jsonl'))).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
