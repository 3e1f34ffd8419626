import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runRecord } from '../../../src/cli/run-record.ts';
import { parseFixture } from '../../../src/record/format.ts';
import { startRecordProxy, type RecordProxy } from '../../../src/record/proxy.ts';

const KEY = 'sk-ant-record-test-key-0123456789';
const work = mkdtempSync(path.join(tmpdir(), 'cb-record-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const FRAMES = [
  `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'm', stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } })}\n\n`,
  `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`,
  `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `Hello there, your key is ${KEY}` } })}\n\n`,
  `event: content_block_stop\ndata: ${JSON.stringify({ type: 'content_block_stop', index: 0 })}\n\n`,
  `event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } })}\n\n`,
  `event: message_stop\ndata: ${JSON.stringify({ type: 'message_stop' })}\n\n`,
];

/** An upstream that sends the first SSE frame, then holds the rest until the test releases it. */
async function startUpstream(): Promise<{ url: string; received: Received[]; release: () => void; finished: () => boolean; close: () => Promise<void> }> {
  const received: Received[] = [];
  let release: () => void = () => {};
  const released = new Promise<void>((r) => (release = r));
  let finished = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      if (req.url?.startsWith('/v1/messages')) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-upstream': 'yes' });
        res.write(FRAMES[0]);
        // A buffering proxy never shows the client the first event: give up holding after a while
        // so that case ends as a failed assertion instead of a hung test.
        const giveUp = setTimeout(() => release(), 5_000);
        void released.then(() => {
          clearTimeout(giveUp);
          for (const frame of FRAMES.slice(1)) res.write(frame);
          finished = true;
          res.end();
        });
      } else if (req.url === '/v1/gzip') {
        const gz = zlib.gzipSync(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'no such route here' } }));
        res.writeHead(404, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gz);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: [{ id: 'model-a', type: 'model', display_name: 'Model A for tests' }] }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    release: () => release(),
    finished: () => finished,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const REQUEST_BODY = JSON.stringify({
  model: 'claude-opus-5-5',
  max_tokens: 32000,
  stream: true,
  system: [{ type: 'text', text: 'You are Claude Code, a helpful agent.' }],
  messages: [{ role: 'user', content: [{ type: 'text', text: `Please summarise the report; my key is ${KEY}` }] }],
  tools: [{ name: 'Bash', description: 'Runs a shell command.', input_schema: { type: 'object', properties: { command: { type: 'string', description: 'The command' } }, required: ['command'] } }],
});

describe('record proxy', () => {
  it('passes the request through, streams SSE without buffering, and writes a redacted, scrubbed fixture', async () => {
    const upstream = await startUpstream();
    cleanups.push(upstream.close);
    const outDir = path.join(work, 'stream');
    const written: string[] = [];
    const proxy = await startRecordProxy({ upstream: upstream.url, outDir, onRecorded: (f) => written.push(f.file) });
    cleanups.push(proxy.close);

    const result = await new Promise<{ status: number | undefined; headers: http.IncomingHttpHeaders; body: string; upstreamDoneAtFirstEvent: boolean }>((resolve, reject) => {
      const req = http.request(`${proxy.url}/v1/messages?beta=true`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': KEY,
          'anthropic-beta': 'claude-code-20250219',
          'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)',
          connection: 'keep-alive, x-drop-me',
          'x-drop-me': 'per-connection',
        },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let body = '';
        let upstreamDoneAtFirstEvent: boolean | undefined;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (upstreamDoneAtFirstEvent === undefined && body.includes('message_start')) {
            // The first event is here while the upstream still holds the rest: nothing was buffered.
            upstreamDoneAtFirstEvent = upstream.finished();
            upstream.release();
          }
        });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body, upstreamDoneAtFirstEvent: upstreamDoneAtFirstEvent ?? true }));
      });
      req.end(REQUEST_BODY);
    });

    expect(result.upstreamDoneAtFirstEvent).toBe(false);
    expect(result.status).toBe(200);
    expect(result.headers['x-upstream']).toBe('yes');
    expect(result.body).toBe(FRAMES.join(''));

    // Passed through unchanged: method, path and query, body bytes, the key itself; hop-by-hop headers dropped.
    const got = upstream.received[0];
    expect(got?.method).toBe('POST');
    expect(got?.url).toBe('/v1/messages?beta=true');
    expect(got?.body.toString('utf8')).toBe(REQUEST_BODY);
    expect(got?.headers['x-api-key']).toBe(KEY);
    expect(got?.headers['anthropic-beta']).toBe('claude-code-20250219');
    expect(got?.headers['x-drop-me']).toBeUndefined();
    expect(got?.headers['host']).toBe(new URL(upstream.url).host);

    await proxy.close();
    expect(written).toEqual(['0001-post-v1-messages.json']);
    const text = readFileSync(path.join(outDir, '0001-post-v1-messages.json'), 'utf8');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('Claude Code');
    expect(text).not.toContain('summarise');
    const fixture = parseFixture(JSON.parse(text) as unknown, 'stream');
    expect(fixture).toMatchObject({ format: 'claude-bench.fixture/1', scrubbed: true, method: 'POST', url: '/v1/messages?beta=true' });
    expect(fixture.headers['x-api-key']).toBe('[REDACTED]');
    expect(fixture.client?.user_agent).toBe('claude-cli/2.1.332 (external, sdk-cli)');
    const body = fixture.body as { model: string; max_tokens: number; tools: Array<{ name: string; input_schema: unknown }> };
    expect(body.model).toBe('claude-opus-5-5');
    expect(body.max_tokens).toBe(32000);
    expect(body.tools[0]?.name).toBe('Bash');
    expect(fixture.response?.status).toBe(200);
    expect(fixture.response?.events?.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  });

  it('--raw keeps prose (keys still redacted); plain and gzip answers are recorded decoded, forwarded as sent', async () => {
    const upstream = await startUpstream();
    cleanups.push(upstream.close);
    const outDir = path.join(work, 'raw');
    const proxy = await startRecordProxy({ upstream: upstream.url, outDir, raw: true, apiKeys: ['model-a'] });
    cleanups.push(proxy.close);

    const models = await fetch(`${proxy.url}/v1/models?limit=5`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(models.status).toBe(200);
    const gz = await new Promise<{ status: number | undefined; raw: Buffer }>((resolve, reject) => {
      http
        .get(`${proxy.url}/v1/gzip`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode, raw: Buffer.concat(parts) }));
        })
        .on('error', reject);
    });
    expect(gz.status).toBe(404);
    expect(JSON.parse(zlib.gunzipSync(gz.raw).toString('utf8'))).toMatchObject({ type: 'error' });
    await proxy.close();

    const files = readdirSync(outDir).sort();
    expect(files).toEqual(['0001-get-v1-models.json', '0002-get-v1-gzip.json']);
    const first = parseFixture(JSON.parse(readFileSync(path.join(outDir, files[0] ?? ''), 'utf8')) as unknown, 'models');
    expect(first.scrubbed).toBe(false);
    expect(first.url).toBe('/v1/models?limit=5');
    expect(first.headers['authorization']).toBe('Bearer [REDACTED]');
    // An --api-key value is redacted wherever it appears.
    expect(first.response?.body).toEqual({ data: [{ id: '[REDACTED]', type: 'model', display_name: 'Model A for tests' }] });
    const second = parseFixture(JSON.parse(readFileSync(path.join(outDir, files[1] ?? ''), 'utf8')) as unknown, 'gzip');
    expect(second.response?.body).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'no such route here' } });
    expect(JSON.stringify([first, second])).not.toContain(KEY);
  });

  it('answers 502 in the Anthropic error shape when the upstream is down, and records that', async () => {
    const upstream = await startUpstream();
    const deadUrl = upstream.url;
    await upstream.close();
    const outDir = path.join(work, 'down');
    const proxy = await startRecordProxy({ upstream: deadUrl, outDir });
    cleanups.push(proxy.close);
    const res = await fetch(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: '{"model":"m"}' });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    await proxy.close();
    const fixture = JSON.parse(readFileSync(path.join(outDir, '0001-post-v1-messages.json'), 'utf8')) as { response: { status: null; error: string } };
    expect(fixture.response.status).toBeNull();
    expect(fixture.response.error).toMatch(/failed/);
  });

  it('refuses an out folder that already holds a recording, and a bad upstream', async () => {
    const outDir = path.join(work, 'taken');
    const upstream = await startUpstream();
    cleanups.push(upstream.close);
    const first: RecordProxy = await startRecordProxy({ upstream: upstream.url, outDir });
    await first.close();
    writeFileSync(path.join(outDir, '0001-post-v1-messages.json'), '{}');
    await expect(startRecordProxy({ upstream: upstream.url, outDir })).rejects.toThrow(/already holds 1 recorded requests/);
    await expect(startRecordProxy({ upstream: 'ftp://x', outDir: path.join(work, 'x') })).rejects.toThrow(/http or https/);
  });

  it('`record` (runRecord) says where the files go and how to point the client, and stops cleanly', async () => {
    const upstream = await startUpstream();
    cleanups.push(upstream.close);
    const outDir = path.join(work, 'cli');
    let stderr = '';
    let stop: () => void = () => {};
    let announce: (url: string) => void = () => {};
    const announced = new Promise<string>((r) => (announce = r));
    const code = runRecord(
      { upstream: upstream.url, port: 0, out: outDir, apiKey: [] },
      {
        stderr: {
          write: (t: string) => {
            stderr += t;
            const m = /ANTHROPIC_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)/.exec(t);
            if (m?.[1]) announce(m[1]);
          },
        },
        untilStopped: () => new Promise<void>((r) => (stop = r)),
      },
    );
    const url = await announced;
    expect((await fetch(`${url}/v1/models`)).status).toBe(200);
    stop();
    expect(await code).toBe(0);
    expect(stderr).toContain(outDir);
    expect(stderr).toContain('keys redacted, prose scrubbed');
    expect(stderr).toContain('0001-get-v1-models.json (200)');
    expect(stderr).toMatch(/1 requests recorded/);
  });
});
