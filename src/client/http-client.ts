import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { BenchError } from '../errors.ts';
import type { Observation, ObservationError, ObservationErrorKind, RequestSpec, SseEvent } from '../types.ts';
import { TOOL_VERSION } from '../version.ts';
import { parseProxyUrl, trustedCas, TunnelAgent, type ProxyEndpoint } from './proxy.ts';
import { buildRequestHeaders } from './request-headers.ts';
import { createSseFramer, type SseFramer } from './sse-framer.ts';

/** Claude Code's stream idle timeout: nothing received for this long ends the request. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;
/** Bound on a stored response body (decoded bytes). */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/**
 * Idle keep-alive sockets are dropped after this, below the 5 s that Node and
 * uvicorn servers keep them: reusing a socket the server is closing turns into
 * a spurious ECONNRESET.
 */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

export interface ClientOptions {
  /** Target base URL without `/v1` (a path prefix is kept), e.g. `http://127.0.0.1:3456`. */
  readonly baseUrl: string;
  /** Key presented per `RequestSpec.auth`. Never stored in an Observation. */
  readonly apiKey: string;
  /** Per-request IDLE timeout: the request fails with `timeout` when nothing arrives for this long. */
  readonly timeoutMs?: number;
  /** Bound on the stored body or event stream; beyond it the response is cut (`truncated`, `protocol`). */
  readonly maxBodyBytes?: number;
  /** Bound on one SSE frame (see `createSseFramer`). */
  readonly maxFrameBytes?: number;
  /** Called exactly once per request when it completes or fails (e.g. to append to requests.jsonl). */
  readonly onObservation?: (o: Observation) => void;
  /** Headers added to every request (below `RequestSpec.headers`). */
  readonly defaultHeaders?: Readonly<Record<string, string>>;
  /** Agent to use instead of the client's own keep-alive agent (then `close()` leaves it alone). */
  readonly agent?: http.Agent;
  /**
   * Forward proxy URL (http://host:port), as Claude Code uses HTTPS_PROXY:
   * https targets go through a CONNECT tunnel, http targets are sent in
   * absolute form. Not read from the environment here: resolve it with
   * `resolveProxy()` (src/client/proxy.ts) to honour HTTPS_PROXY/NO_PROXY.
   */
  readonly proxy?: string;
  /**
   * Extra CA certificate (PEM) to trust for https targets, on top of the
   * system store and NODE_EXTRA_CA_CERTS (what Claude Code trusts).
   */
  readonly caCert?: string;
}

export interface SendOptions {
  /** Aborting ends the request with error kind `aborted`. */
  readonly signal?: AbortSignal;
}

/** The one place that speaks HTTP and SSE to a target. */
export interface Client {
  /**
   * Send one request and record what came back. Resolves for every network or
   * protocol outcome (see `Observation.error`); rejects only on misuse (bad
   * path, non-string raw body, invalid header, a throwing `onObservation`).
   * Method defaults to POST when there is a body, GET otherwise.
   */
  send(spec: RequestSpec, opts?: SendOptions): Promise<Observation>;
  /** Destroy the client's own agent and its sockets. */
  close(): void;
}

interface Resolved {
  readonly transport: typeof http | typeof https;
  readonly hostname: string;
  readonly port: string;
  readonly basePath: string;
  readonly auth: string | undefined;
  readonly agent: http.Agent | https.Agent;
  readonly apiKey: string;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly maxFrameBytes: number | undefined;
  readonly onObservation: ((o: Observation) => void) | undefined;
  readonly defaultHeaders: Readonly<Record<string, string>> | undefined;
  readonly userAgent: string;
  /** Where the socket goes: the target, or the proxy for http targets sent in absolute form. */
  readonly connectHost: string;
  readonly connectPort: string;
  /** `http://host:port` prepended to the path in absolute form (http through a proxy), else ''. */
  readonly absolutePrefix: string;
  /** Host header and Proxy-Authorization for absolute-form requests. */
  readonly proxyHeaders: Readonly<Record<string, string>>;
}

/**
 * Create a client for one target. Throws `BenchError` BAD_USAGE when the base
 * URL is not an http(s) URL. Uses node:http directly (keep-alive agent, one
 * per client, no socket limit), as Claude Code keeps connections alive too.
 */
export function createClient(options: ClientOptions): Client {
  const cfg = resolve(options);
  const ownAgent = options.agent === undefined;
  let closed = false;
  return {
    send(spec, opts = {}) {
      if (closed) return Promise.reject(new BenchError('INTERNAL', 'client used after close()'));
      if (opts.signal !== undefined) liftListenerLimit(opts.signal);
      return exchange(cfg, spec, opts.signal);
    },
    close() {
      closed = true;
      if (ownAgent) cfg.agent.destroy();
    },
  };
}

const lifted = new WeakSet<AbortSignal>();

/**
 * One run-deadline or SIGINT signal is shared by every in-flight request, so
 * more than 10 abort listeners on it is normal, not a leak: lift Node's
 * warning threshold for signals handed to the client.
 */
function liftListenerLimit(signal: AbortSignal): void {
  if (lifted.has(signal)) return;
  lifted.add(signal);
  setMaxListeners(0, signal);
}

function resolve(options: ClientOptions): Resolved {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new BenchError('BAD_USAGE', `invalid target URL '${stripCredentials(options.baseUrl)}'`, {
      hint: 'give the gateway base URL, e.g. http://127.0.0.1:3456',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BenchError('BAD_USAGE', `target URL must be http or https, got '${url.protocol}'`, {
      hint: 'give the gateway base URL, e.g. http://127.0.0.1:3456',
    });
  }
  if (url.search !== '' || url.hash !== '') {
    throw new BenchError('BAD_USAGE', 'target URL must not carry a query or fragment', {
      hint: 'give the base URL only; request paths are appended to it',
    });
  }
  const secure = url.protocol === 'https:';
  const proxy: ProxyEndpoint | undefined = options.proxy === undefined ? undefined : parseProxyUrl(options.proxy);
  const ca = secure ? trustedCas(options.caCert) : undefined;
  const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets: Infinity, timeout: FREE_SOCKET_TIMEOUT_MS, ...(ca ? { ca } : {}) };
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const absolute = proxy !== undefined && !secure;
  const timeoutMs = options.timeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!(timeoutMs > 0) || !(maxBodyBytes > 0)) {
    throw new BenchError('BAD_USAGE', 'timeout and body bound must be positive numbers');
  }
  return {
    transport: secure ? https : http,
    // URL keeps IPv6 literals bracketed; node:http wants them bare.
    hostname,
    port: url.port,
    basePath: url.pathname.replace(/\/+$/, ''),
    auth: url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
    agent: options.agent ?? (secure ? (proxy ? new TunnelAgent(proxy, agentOptions) : new https.Agent(agentOptions)) : new http.Agent(agentOptions)),
    apiKey: options.apiKey,
    timeoutMs,
    maxBodyBytes,
    maxFrameBytes: options.maxFrameBytes,
    onObservation: options.onObservation,
    defaultHeaders: options.defaultHeaders,
    userAgent: `claude-bench/${TOOL_VERSION}`,
    connectHost: absolute ? proxy.hostname : hostname,
    connectPort: absolute ? String(proxy.port) : url.port,
    absolutePrefix: absolute ? `http://${url.host}` : '',
    proxyHeaders: absolute ? { host: url.host, ...(proxy.authorization ? { 'proxy-authorization': proxy.authorization } : {}) } : {},
  };
}

function stripCredentials(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//');
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EAI_NONAME',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  // TLS verification: the connection could not be established as asked.
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Classify a socket/parser error by its code (never by message text). */
export function classifyNetworkError(err: unknown, connected: boolean): ObservationErrorKind {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code.startsWith('HPE_')) return 'protocol';
    if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) return 'protocol';
    if (CONNECT_CODES.has(code)) return 'connect';
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return 'reset';
  }
  return connected ? 'reset' : 'connect';
}

function errorMessage(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

function flattenHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function createDecoder(encoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    case 'deflate':
      return zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      // identity, or an encoding node cannot decode: stored as received.
      return null;
  }
}

/** Validate the spec and build the bytes and headers to send. Throws BenchError on misuse. */
function prepare(cfg: Resolved, spec: RequestSpec): { payload: Buffer | null; method: string; headers: Record<string, string> } {
  if (typeof spec.path !== 'string' || !spec.path.startsWith('/')) {
    throw new BenchError('BAD_USAGE', `request path must start with '/', got '${String(spec.path)}'`);
  }
  let payload: Buffer | null = null;
  if (spec.rawBody === true) {
    if (typeof spec.body !== 'string') throw new BenchError('BAD_USAGE', 'rawBody requires body to be a string');
    payload = Buffer.from(spec.body, 'utf8');
  } else if (spec.body !== undefined) {
    let json: string | undefined;
    try {
      json = JSON.stringify(spec.body);
    } catch (err) {
      throw new BenchError('BAD_USAGE', `request body is not JSON-serialisable: ${errorMessage(err)}`, { cause: err });
    }
    if (json === undefined) throw new BenchError('BAD_USAGE', 'request body is not JSON-serialisable');
    payload = Buffer.from(json, 'utf8');
  }
  const method = spec.method ?? (payload === null ? 'GET' : 'POST');
  const headers = buildRequestHeaders({
    spec,
    apiKey: cfg.apiKey,
    requestId: randomUUID(),
    bodyBytes: payload === null ? null : payload.length,
    userAgent: cfg.userAgent,
    ...(cfg.defaultHeaders ? { defaultHeaders: cfg.defaultHeaders } : {}),
  });
  return { payload, method, headers };
}

/** One request/response exchange. All mutable state is local to this call. */
function exchange(cfg: Resolved, spec: RequestSpec, signal: AbortSignal | undefined): Promise<Observation> {
  let prepared: { payload: Buffer | null; method: string; headers: Record<string, string> };
  try {
    prepared = prepare(cfg, spec);
  } catch (err) {
    return Promise.reject(err);
  }
  const { payload, method, headers } = prepared;
  // A caller-supplied x-request-id is what the server sees, so it is the id recorded.
  const requestId = headers['x-request-id'] ?? '';

  return new Promise<Observation>((resolvePromise, rejectPromise) => {
    let t0 = performance.now();
    let lastActivity = t0;
    let tHdr: number | null = null;
    let status: number | null = null;
    let resHeaders: Record<string, string> = {};
    let framer: SseFramer | null = null;
    let bodyParts: Buffer[] | null = null;
    let bytes = 0;
    let stored = 0;
    let truncated = false;
    let connected = false;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let req: http.ClientRequest | undefined;

    const finish = (failure: ObservationError | null): void => {
      if (done) return;
      done = true;
      let error = failure;
      const tEnd = performance.now() - t0;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error !== null) req?.destroy();
      let events: SseEvent[] = [];
      let body: string | null = null;
      if (framer !== null) {
        if (error === null) framer.end();
        else if (framer.pendingBytes > 0) {
          error = { kind: error.kind, message: `${error.message} (${framer.pendingBytes} bytes of an unfinished SSE frame dropped)` };
        }
        events = framer.drain();
      } else if (bodyParts !== null) {
        body = Buffer.concat(bodyParts, stored).toString('utf8');
      }
      const observation: Observation = {
        request_id: requestId,
        label: spec.label ?? '',
        method,
        path: spec.path,
        t0_epoch_ms: performance.timeOrigin + t0,
        t_hdr_ms: tHdr,
        t_end_ms: tEnd,
        status,
        headers: resHeaders,
        events,
        body,
        bytes,
        truncated,
        error,
      };
      try {
        cfg.onObservation?.(observation);
      } catch (err) {
        rejectPromise(err);
        return;
      }
      resolvePromise(observation);
    };

    const fail = (kind: ObservationErrorKind, message: string): void => {
      finish({ kind, message });
    };

    function onAbort(): void {
      const reason: unknown = signal?.reason;
      const why = reason instanceof Error ? reason.message : 'request aborted';
      fail('aborted', why);
    }

    // Idle timer: the hot path only records `lastActivity`; the timer re-arms
    // itself for the remaining time instead of being reset on every chunk.
    const checkIdle = (): void => {
      const idle = performance.now() - lastActivity;
      if (idle >= cfg.timeoutMs) {
        const phase = tHdr === null ? 'before response headers' : 'mid-response';
        fail('timeout', `no bytes received for ${cfg.timeoutMs} ms (${phase})`);
      } else {
        timer = setTimeout(checkIdle, Math.max(1, cfg.timeoutMs - idle));
      }
    };

    const overflow = (chunk: Buffer, t_ms: number, sink: (c: Buffer, t: number) => void): void => {
      const room = cfg.maxBodyBytes - stored;
      if (room > 0) {
        sink(chunk.subarray(0, room), t_ms);
        stored += room;
      }
      truncated = true;
      fail('protocol', `response body exceeds ${cfg.maxBodyBytes} bytes; kept the first ${cfg.maxBodyBytes}`);
    };

    const onResponse = (res: http.IncomingMessage): void => {
      const now = performance.now();
      tHdr = now - t0;
      lastActivity = now;
      if (done) {
        res.resume();
        return;
      }
      status = res.statusCode ?? null;
      resHeaders = flattenHeaders(res.headers);
      const isSse = (resHeaders['content-type'] ?? '').trimStart().toLowerCase().startsWith('text/event-stream');
      let sink: (chunk: Buffer, t_ms: number) => void;
      if (isSse) {
        const f = createSseFramer(cfg.maxFrameBytes === undefined ? {} : { maxFrameBytes: cfg.maxFrameBytes });
        framer = f;
        sink = (chunk, t_ms) => {
          f.push(chunk, t_ms);
          if (f.error !== null) {
            truncated = true;
            fail('protocol', f.error);
          }
        };
      } else {
        const parts: Buffer[] = [];
        bodyParts = parts;
        sink = (chunk) => parts.push(chunk);
      }
      // HEAD, 204 and 304 carry no body to decode (an empty brotli stream is an error).
      const bodyless = method === 'HEAD' || status === 204 || status === 304;
      const decoder = bodyless ? null : createDecoder(resHeaders['content-encoding']);

      if (decoder === null) {
        // Hot path: timestamp first, then count and hand the bytes on.
        res.on('data', (chunk: Buffer) => {
          const t = performance.now();
          lastActivity = t;
          bytes += chunk.length;
          if (done) return;
          if (stored + chunk.length > cfg.maxBodyBytes) {
            overflow(chunk, t - t0, sink);
            return;
          }
          stored += chunk.length;
          sink(chunk, t - t0);
        });
        res.on('end', () => finish(null));
      } else {
        // Compressed: events are stamped when the decoder yields them (after
        // one zlib hop) rather than when the compressed bytes arrived.
        res.on('data', (chunk: Buffer) => {
          lastActivity = performance.now();
          bytes += chunk.length;
          if (!done) decoder.write(chunk);
        });
        res.on('end', () => decoder.end());
        decoder.on('data', (chunk: Buffer) => {
          const t = performance.now();
          if (done) return;
          if (stored + chunk.length > cfg.maxBodyBytes) {
            overflow(chunk, t - t0, sink);
            return;
          }
          stored += chunk.length;
          sink(chunk, t - t0);
        });
        decoder.on('end', () => finish(null));
        decoder.on('error', (err: Error) => fail('protocol', `cannot decode ${resHeaders['content-encoding'] ?? ''} body: ${errorMessage(err)}`));
      }
      res.on('error', (err: Error) => fail(classifyNetworkError(err, true), errorMessage(err)));
      res.on('close', () => {
        if (!res.complete) fail('reset', 'connection closed before the response ended');
      });
    };

    if (signal?.aborted === true) {
      onAbort();
      return;
    }
    try {
      req = cfg.transport.request({
        method,
        hostname: cfg.connectHost,
        port: cfg.connectPort,
        path: cfg.absolutePrefix + cfg.basePath + spec.path,
        // Absolute form through a proxy: Host names the target, not the proxy.
        headers: cfg.absolutePrefix === '' ? headers : { ...cfg.proxyHeaders, ...headers },
        agent: cfg.agent,
        ...(cfg.auth !== undefined ? { auth: cfg.auth } : {}),
      });
    } catch (err) {
      // Node validates header names and values synchronously; its message names the header, not the value.
      rejectPromise(new BenchError('BAD_USAGE', `cannot build request: ${errorMessage(err)}`, { cause: err }));
      return;
    }
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    req.on('response', onResponse);
    req.on('error', (err: Error) => fail(classifyNetworkError(err, connected || tHdr !== null), errorMessage(err)));

    signal?.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(checkIdle, cfg.timeoutMs);
    // t0: immediately before the request is handed to the socket.
    t0 = performance.now();
    lastActivity = t0;
    req.end(payload ?? undefined);
  });
}
