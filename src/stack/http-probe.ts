import http from 'node:http';

/** Bodies read by probes are small; anything past this is dropped. */
const MAX_PROBE_BODY = 64 * 1024;

/** Status and (bounded) body of a probe. */
export interface ProbeResponse {
  readonly status: number;
  readonly body: string;
}

/** Options of probe. */
export interface ProbeOptions {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-encoded when given. */
  readonly body?: unknown;
  /** Whole exchange, connect to last byte. */
  readonly timeoutMs: number;
}

/**
 * One small HTTP exchange for health and identity probes. Uses no keep-alive
 * agent, so no socket outlives the call and a stopped server is not held
 * open. Rejects on connect errors and on timeout.
 */
export function probe(url: string, options: ProbeOptions): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { ...options.headers };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const req = http.request(url, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < MAX_PROBE_BODY) body += chunk;
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: body.slice(0, MAX_PROBE_BODY) });
      });
      res.on('error', fail);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    function fail(err: Error): void {
      clearTimeout(timer);
      reject(err);
    }
    req.on('error', fail);
    req.end(payload);
  });
}
