/**
 * The recording proxy behind `claude-bench record`: an HTTP server on
 * loopback that a client (Claude Code, via ANTHROPIC_BASE_URL) talks to. It
 * forwards every request to the upstream unchanged (method, path and query,
 * headers minus hop-by-hop ones, body) and streams the answer back chunk by
 * chunk as it arrives — nothing is held back, so SSE flows event by event.
 * A copy of each exchange is kept on the side and, once the answer has
 * ended, written as one fixture file (format.ts), keys redacted, prose
 * scrubbed unless `raw`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { createSseFramer } from '../client/sse-framer.ts';
import { BenchError } from '../errors.ts';
import type { SseEvent } from '../types.ts';
import { buildFixture, type Capture } from './fixture.ts';
import { fixtureFileName, isFixtureFileName } from './format.ts';
import { keysInHeaders } from './keys.ts';

/** Largest request or recorded response body kept (the answer itself is always forwarded in full). */
export const MAX_RECORDED_BYTES = 64 * 1024 * 1024;
/** How long close() lets exchanges in flight finish before cutting them. */
const CLOSE_GRACE_MS = 5_000;

/** Headers that belong to one connection and are never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export interface RecordProxyOptions {
  /** Base URL of the upstream (a path prefix is kept), e.g. `http://127.0.0.1:3456`. */
  readonly upstream: string;
  /** Folder the fixture files go to (created; must not already hold recorded requests). */
  readonly outDir: string;
  /** Port on 127.0.0.1; 0 (default) = any free port. */
  readonly port?: number;
  /** Keep prose as it is (keys are still redacted). Default false: scrub. */
  readonly raw?: boolean;
  /** Further values to redact wherever they appear (e.g. the upstream's key). */
  readonly apiKeys?: readonly string[];
  /** Called after each fixture file is written. */
  readonly onRecorded?: (file: RecordedFile) => void;
  /** Called when a fixture could not be written or an exchange failed. */
  readonly onProblem?: (message: string) => void;
}

/** One written fixture. */
export interface RecordedFile {
  readonly file: string;
  readonly path: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | null;
  /** SSE events recorded (0 for a plain answer). */
  readonly events: number;
}

export interface RecordProxy {
  /** `http://127.0.0.1:<port>`: what ANTHROPIC_BASE_URL should be. */
  readonly url: string;
  readonly port: number;
  readonly outDir: string;
  /** Files written so far, in the order they were written. */
  recorded(): readonly RecordedFile[];
  /** Stop accepting, let exchanges in flight finish (bounded), write their files. Idempotent. */
  close(): Promise<void>;
}

function parseUpstream(upstream: string): URL {
  let url: URL;
  try {
    url = new URL(upstream);
  } catch {
    throw new BenchError('BAD_USAGE', `invalid --upstream URL '${upstream}'`, { hint: 'give a base URL such as http://127.0.0.1:3456' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BenchError('BAD_USAGE', `--upstream must be http or https, got '${url.protocol}'`);
  }
  if (url.search !== '' || url.hash !== '') throw new BenchError('BAD_USAGE', '--upstream must not carry a query or fragment');
  return url;
}

/** Request headers for the upstream: hop-by-hop ones (and those `Connection` names) dropped, Host set to the upstream. */
export function forwardRequestHeaders(rawHeaders: readonly string[], upstreamHost: string): Record<string, string> {
  const pairs: Array<[string, string]> = [];
  const dropped = new Set(HOP_BY_HOP);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const value = rawHeaders[i + 1] ?? '';
    pairs.push([name, value]);
    if (name.toLowerCase() === 'connection') for (const token of value.split(',')) dropped.add(token.trim().toLowerCase());
  }
  const out: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    if (dropped.has(lower) || lower === 'host') continue;
    const existing = seen.get(lower);
    if (existing !== undefined) out[existing] = `${out[existing] ?? ''}, ${value}`;
    else {
      seen.set(lower, name);
      out[name] = value;
    }
  }
  out['Host'] = upstreamHost;
  return out;
}

/** Response headers for the client: hop-by-hop ones dropped, the rest as the upstream sent them. */
function forwardResponseHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const dropped = new Set(HOP_BY_HOP);
  const connection = headers['connection'];
  if (typeof connection === 'string') for (const token of connection.split(',')) dropped.add(token.trim().toLowerCase());
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!dropped.has(name) && value !== undefined) out[name] = value;
  return out;
}

function flatten(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/** Decode a recorded body for the fixture; the client got the bytes as they were. */
function decodeBody(bytes: Buffer, encoding: string | undefined): { text: string } | { note: string } {
  const enc = encoding?.trim().toLowerCase() ?? '';
  try {
    if (enc === '' || enc === 'identity') return { text: bytes.toString('utf8') };
    if (enc === 'gzip' || enc === 'x-gzip') return { text: zlib.gunzipSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8') };
    if (enc === 'deflate') return { text: zlib.inflateSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8') };
    if (enc === 'br') return { text: zlib.brotliDecompressSync(bytes).toString('utf8') };
  } catch (err) {
    return { note: `the ${enc} body could not be decoded (${err instanceof Error ? err.message : String(err)})` };
  }
  return { note: `content-encoding ${enc} is not decoded by the recorder (${bytes.length} bytes)` };
}

function framesOf(text: string): SseEvent[] {
  const framer = createSseFramer({ maxFrameBytes: MAX_RECORDED_BYTES });
  framer.push(Buffer.from(text, 'utf8'), 0);
  framer.end();
  return framer.drain();
}

function anthropicError(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message } });
}

/**
 * Start the recording proxy on 127.0.0.1. Throws BenchError BAD_USAGE for a
 * bad upstream URL, a port in use, or an out folder that already holds
 * recorded requests.
 */
export async function startRecordProxy(options: RecordProxyOptions): Promise<RecordProxy> {
  const upstream = parseUpstream(options.upstream);
  const transport = upstream.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: Infinity });
  const basePath = upstream.pathname.replace(/\/+$/, '');
  const outDir = path.resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const existing = (await readdir(outDir)).filter(isFixtureFileName);
  if (existing.length > 0) {
    throw new BenchError('BAD_USAGE', `${outDir} already holds ${existing.length} recorded requests`, {
      hint: 'record each session into a new --out folder',
    });
  }

  const knownKeys = new Set((options.apiKeys ?? []).filter((k) => k !== ''));
  const files: RecordedFile[] = [];
  const pending = new Set<Promise<void>>();
  const inFlight = new Set<() => void>();
  let seq = 0;

  const save = async (number: number, capture: Capture): Promise<void> => {
    for (const key of keysInHeaders(capture.headers)) knownKeys.add(key);
    const fixture = buildFixture(capture, { keys: [...knownKeys], scrub: options.raw !== true });
    const file = fixtureFileName(number, capture.method, capture.url.split('?')[0] ?? '/');
    const target = path.join(outDir, file);
    const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, `${JSON.stringify(fixture, null, 2)}\n`, 'utf8');
    await rename(temp, target);
    const recorded: RecordedFile = {
      file,
      path: target,
      method: capture.method,
      url: fixture.url,
      status: capture.response?.status ?? null,
      events: capture.response?.events?.length ?? 0,
    };
    files.push(recorded);
    options.onRecorded?.(recorded);
  };

  const track = (number: number, capture: Capture): void => {
    const job = save(number, capture).catch((err: unknown) => {
      options.onProblem?.(`could not write the fixture of request ${number}: ${err instanceof Error ? err.message : String(err)}`);
    });
    pending.add(job);
    void job.finally(() => pending.delete(job));
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const number = ++seq;
    const recordedAt = new Date();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const headers = flatten(req.headers);
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const done = (): void => {
      finished = true;
      inFlight.delete(cut);
    };
    const cut = (): void => {
      if (!finished) res.destroy();
    };
    inFlight.add(cut);

    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_RECORDED_BYTES) chunks.push(chunk);
    });
    req.on('error', () => done());
    req.on('end', () => {
      if (size > MAX_RECORDED_BYTES) {
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end(anthropicError('request_too_large', `record proxy: request body over ${MAX_RECORDED_BYTES} bytes`));
        options.onProblem?.(`request ${number} (${method} ${url}) is over ${MAX_RECORDED_BYTES} bytes: answered 413, not recorded`);
        done();
        return;
      }
      const body = Buffer.concat(chunks, size);
      const capture = (response: Capture['response']): Capture => ({
        method,
        url,
        headers,
        body: body.length === 0 ? null : body.toString('utf8'),
        recordedAt,
        response,
      });

      const upReq = transport.request({
        protocol: upstream.protocol,
        hostname: upstream.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: upstream.port,
        method,
        path: `${basePath}${url}`,
        headers: forwardRequestHeaders(req.rawHeaders, upstream.host),
        agent,
      });
      let clientGone = false;
      res.on('close', () => {
        if (!res.writableFinished) {
          clientGone = true;
          upReq.destroy();
        }
      });
      upReq.on('error', (err) => {
        if (finished) return;
        const message = `upstream ${upstream.host} failed: ${err.message}`;
        if (!res.headersSent && !clientGone) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(anthropicError('api_error', `record proxy: ${message}`));
        } else {
          res.destroy();
        }
        track(number, capture({ status: null, headers: {}, error: clientGone ? 'the client closed the connection' : message }));
        done();
      });
      upReq.on('response', (upRes) => {
        const status = upRes.statusCode ?? 502;
        const responseHeaders = flatten(upRes.headers);
        if (!clientGone) {
          res.writeHead(status, upRes.statusMessage, forwardResponseHeaders(upRes.headers));
          res.flushHeaders();
        }
        const parts: Buffer[] = [];
        let stored = 0;
        upRes.on('data', (chunk: Buffer) => {
          // Forward first: the client must see each event as soon as it exists.
          if (!clientGone) res.write(chunk);
          if (stored + chunk.length <= MAX_RECORDED_BYTES) {
            parts.push(chunk);
            stored += chunk.length;
          }
        });
        const finish = (error: string | undefined): void => {
          if (finished) return;
          const decoded = decodeBody(Buffer.concat(parts, stored), responseHeaders['content-encoding']);
          const text = 'text' in decoded ? decoded.text : decoded.note;
          const isSse = (responseHeaders['content-type'] ?? '').toLowerCase().includes('text/event-stream');
          const problem = error ?? ('note' in decoded ? decoded.note : undefined);
          track(
            number,
            capture({
              status,
              headers: responseHeaders,
              ...(isSse && 'text' in decoded ? { events: framesOf(text) } : { body: text }),
              ...(problem !== undefined ? { error: problem } : {}),
            }),
          );
          done();
        };
        upRes.on('end', () => {
          if (!clientGone) res.end();
          finish(clientGone ? 'the client closed the connection before the answer ended' : undefined);
        });
        upRes.on('error', (err) => {
          res.destroy();
          finish(`the upstream answer broke off: ${err.message}`);
        });
        upRes.on('aborted', () => {
          res.destroy();
          finish('the upstream closed the connection before the answer ended');
        });
      });
      upReq.end(body);
    });
  };

  const server = http.createServer({ noDelay: true }, handle);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        err.code === 'EADDRINUSE'
          ? new BenchError('BAD_USAGE', `port ${options.port ?? 0} on 127.0.0.1 is in use`, { hint: 'pick another --port, or 0 for any free port' })
          : err,
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = performance.now() + CLOSE_GRACE_MS;
    while (inFlight.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const cut of [...inFlight]) cut();
    server.closeAllConnections();
    await closed;
    while (pending.size > 0) await Promise.all([...pending]);
    agent.destroy();
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    outDir,
    recorded: () => [...files],
    close: () => (closing ??= close()),
  };
}
