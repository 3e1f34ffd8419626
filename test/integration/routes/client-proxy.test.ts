import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../src/client/index.ts';
import { noProxyMatches, parseProxyUrl, resolveProxy, trustedCas } from '../../../src/client/proxy.ts';
import { generateCertSet, type CertSet } from '../../../src/routes/certs.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-client-proxy-'));
let certs: CertSet;
let httpsTarget: https.Server;
let httpTarget: http.Server;
let proxy: http.Server;
let httpsPort = 0;
let httpPort = 0;
let proxyPort = 0;
/** What the proxy saw: CONNECT authorities and absolute-form URLs, with the Proxy-Authorization header. */
const seen: { method: string; url: string; auth: string | undefined }[] = [];
/** What the targets saw. */
const arrived: { host: string | undefined; path: string | undefined }[] = [];
let refuseConnect = false;

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  arrived.push({ host: req.headers.host, path: req.url });
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: message_start\ndata: {"type":"message_start"}\n\n');
    res.end('event: message_stop\ndata: {"type":"message_stop"}\n\n');
  });
}

beforeAll(async () => {
  certs = await generateCertSet(work);
  const { readFileSync } = await import('node:fs');
  httpsTarget = https.createServer({ cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) }, answer);
  httpTarget = http.createServer(answer);
  // A small forward proxy: CONNECT tunnels and absolute-form requests, to loopback only.
  proxy = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers['proxy-authorization'] });
    const url = new URL(req.url ?? '');
    const upstream = http.request({ host: '127.0.0.1', port: url.port, path: url.pathname + url.search, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    seen.push({ method: 'CONNECT', url: req.url ?? '', auth: req.headers['proxy-authorization'] });
    if (refuseConnect) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const port = Number((req.url ?? '').split(':').pop());
    const upstream = net.connect(port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  [httpsPort, httpPort, proxyPort] = await Promise.all([listen(httpsTarget), listen(httpTarget), listen(proxy)]);
});

afterAll(async () => {
  await Promise.all([httpsTarget, httpTarget, proxy].map((s) => new Promise((r) => { s.closeAllConnections?.(); s.close(r); })));
  rmSync(work, { recursive: true, force: true });
});

const stream = { path: '/v1/messages?beta=true', body: { model: 'm', max_tokens: 1, stream: true, messages: [] } };

describe('the client through a forward proxy', () => {
  it('tunnels an https target through CONNECT and trusts the given CA', async () => {
    seen.length = 0;
    arrived.length = 0;
    const client = createClient({ baseUrl: `https://localhost:${httpsPort}`, apiKey: 'k', proxy: `http://127.0.0.1:${proxyPort}`, caCert: certs.caPem });
    try {
      const obs = await client.send(stream);
      expect(obs.error).toBeNull();
      expect(obs.status).toBe(200);
      expect(obs.events.map((e) => e.type)).toEqual(['message_start', 'message_stop']);
    } finally {
      client.close();
    }
    expect(seen).toEqual([{ method: 'CONNECT', url: `localhost:${httpsPort}`, auth: undefined }]);
    expect(arrived).toEqual([{ host: `localhost:${httpsPort}`, path: '/v1/messages?beta=true' }]);
  });

  it('refuses a certificate it was not told to trust (a connect error, nothing sent)', async () => {
    arrived.length = 0;
    const client = createClient({ baseUrl: `https://localhost:${httpsPort}`, apiKey: 'k', proxy: `http://127.0.0.1:${proxyPort}` });
    try {
      const obs = await client.send(stream);
      expect(obs.error?.kind).toBe('connect');
      expect(obs.status).toBeNull();
    } finally {
      client.close();
    }
    expect(arrived).toEqual([]);
  });

  it('sends an http target in absolute form, with the target as Host and the proxy credentials', async () => {
    seen.length = 0;
    arrived.length = 0;
    const client = createClient({ baseUrl: `http://127.0.0.1:${httpPort}`, apiKey: 'k', proxy: `http://user:p%40ss@127.0.0.1:${proxyPort}` });
    try {
      const obs = await client.send(stream);
      expect(obs.status).toBe(200);
    } finally {
      client.close();
    }
    expect(seen).toEqual([{ method: 'POST', url: `http://127.0.0.1:${httpPort}/v1/messages?beta=true`, auth: `Basic ${Buffer.from('user:p@ss').toString('base64')}` }]);
    expect(arrived).toEqual([{ host: `127.0.0.1:${httpPort}`, path: '/v1/messages?beta=true' }]);
  });

  it('reports a refused CONNECT as a connect error', async () => {
    refuseConnect = true;
    const client = createClient({ baseUrl: `https://localhost:${httpsPort}`, apiKey: 'k', proxy: `http://127.0.0.1:${proxyPort}`, caCert: certs.caPem });
    try {
      const obs = await client.send(stream);
      expect(obs.error?.kind).toBe('connect');
      expect(obs.error?.message).toContain('refused CONNECT');
    } finally {
      client.close();
      refuseConnect = false;
    }
  });
});

describe('proxy and trust settings, resolved as Claude Code resolves them', () => {
  const target = new URL('https://api.anthropic.com');
  it('an explicit proxy wins; else HTTPS_PROXY for https and HTTP_PROXY for http; NO_PROXY exempts', () => {
    const env = { HTTPS_PROXY: 'http://p:1', http_proxy: 'http://q:2', NO_PROXY: 'localhost,.internal,10.0.0.1:8080' };
    expect(resolveProxy(target, 'http://x:9', env)).toBe('http://x:9');
    expect(resolveProxy(target, null, env)).toBeNull();
    expect(resolveProxy(target, undefined, env)).toBe('http://p:1');
    expect(resolveProxy(new URL('http://example.com'), undefined, env)).toBe('http://q:2');
    expect(resolveProxy(new URL('https://localhost:3456'), undefined, env)).toBeNull();
    expect(resolveProxy(new URL('https://gw.internal'), undefined, env)).toBeNull();
    expect(resolveProxy(new URL('http://10.0.0.1:8080'), undefined, env)).toBeNull();
    expect(resolveProxy(new URL('http://10.0.0.1:9090'), undefined, env)).toBe('http://q:2');
    expect(resolveProxy(target, undefined, {})).toBeNull();
  });

  it('NO_PROXY entries: host, .domain, *.domain, host:port, bare and bracketed IPv6, *', () => {
    expect(noProxyMatches('a.example.com', '443', '*.example.com')).toBe(true);
    expect(noProxyMatches('example.com', '443', '.example.com')).toBe(true);
    expect(noProxyMatches('badexample.com', '443', '.example.com')).toBe(false);
    expect(noProxyMatches('::1', '443', '::1')).toBe(true);
    expect(noProxyMatches('[::1]', '8080', '[::1]:8080')).toBe(true);
    expect(noProxyMatches('anything', '1', '*')).toBe(true);
  });

  it('keeps the system roots and NODE_EXTRA_CA_CERTS when a CA is added', () => {
    const extra = path.join(work, 'extra.pem');
    writeFileSync(extra, certs.caPem);
    expect(trustedCas(undefined, {})).toBeUndefined();
    const cas = trustedCas('PEM-X', { NODE_EXTRA_CA_CERTS: extra }) ?? [];
    expect(cas.length).toBe(tls.rootCertificates.length + 2);
    expect(cas.slice(-2)).toEqual([certs.caPem, 'PEM-X']);
  });

  it('takes an http proxy URL only', () => {
    expect(parseProxyUrl('127.0.0.1:8080')).toMatchObject({ hostname: '127.0.0.1', port: 8080, display: 'http://127.0.0.1:8080' });
    expect(() => parseProxyUrl('https://p:1')).toThrow(/must be http/);
  });
});
