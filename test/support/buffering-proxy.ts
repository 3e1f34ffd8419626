/**
 * A reverse proxy that does what nginx does without `proxy_buffering off`
 * (and mitmproxy without streaming): it reads the upstream's whole response
 * before sending any of it on, so an SSE stream arrives in one lump.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface BufferingProxy {
  /** `http://127.0.0.1:<port>`, to use instead of the upstream's URL. */
  readonly baseUrl: string;
  /** Responses relayed so far. */
  readonly relayed: number;
  close(): Promise<void>;
}

/** Headers that describe the hop, not the message: the proxy sets its own. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

export async function startBufferingProxy(upstreamBaseUrl: string): Promise<BufferingProxy> {
  const upstream = new URL(upstreamBaseUrl);
  const sockets = new Set<Socket>();
  let relayed = 0;
  const server = http.createServer((req, res) => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_HEADERS.has(name) && value !== undefined) headers[name] = value;
    const out = http.request(
      { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent: false },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.concat(chunks);
          const back: http.OutgoingHttpHeaders = {};
          for (const [name, value] of Object.entries(up.headers)) if (!HOP_HEADERS.has(name) && value !== undefined) back[name] = value;
          back['content-length'] = body.length;
          res.writeHead(up.statusCode ?? 502, back);
          res.end(body);
          relayed++;
        });
        up.on('error', () => res.destroy());
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    });
    req.pipe(out);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    get relayed() {
      return relayed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
