/**
 * How the client reaches a target through a forward proxy and whom it
 * trusts, the way Claude Code does: HTTPS_PROXY / HTTP_PROXY / NO_PROXY for
 * the proxy, NODE_EXTRA_CA_CERTS added to the system store.
 *
 * Precedence: an explicit proxy (`--proxy`) wins over the environment;
 * without one, HTTPS_PROXY (or https_proxy) applies to https targets and
 * HTTP_PROXY (or http_proxy) to http targets, unless NO_PROXY (no_proxy)
 * names the target host. Trust: the system roots, plus the file in
 * NODE_EXTRA_CA_CERTS, plus an explicit CA (`--ca-cert`).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { BenchError } from '../errors.ts';

/** A forward proxy, parsed. */
export interface ProxyEndpoint {
  readonly hostname: string;
  readonly port: number;
  /** `Proxy-Authorization` value when the proxy URL carries credentials. */
  readonly authorization?: string;
  /** The URL without credentials, for messages. */
  readonly display: string;
}

/** Parse a proxy URL (http:// only: CONNECT and absolute-form go to it in clear). Throws BAD_USAGE. */
export function parseProxyUrl(value: string): ProxyEndpoint {
  let url: URL;
  try {
    url = new URL(value.includes('://') ? value : `http://${value}`);
  } catch {
    throw new BenchError('BAD_USAGE', `invalid proxy URL '${value.replace(/\/\/[^/@]*@/, '//')}'`, { hint: 'e.g. --proxy http://127.0.0.1:8080' });
  }
  if (url.protocol !== 'http:') {
    throw new BenchError('BAD_USAGE', `proxy URL must be http://, got '${url.protocol}'`, { hint: 'the proxy is spoken to in clear; the tunnel inside carries TLS' });
  }
  const authorization =
    url.username || url.password ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : undefined;
  return {
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 80 : Number(url.port),
    ...(authorization ? { authorization } : {}),
    display: `http://${url.host}`,
  };
}

/** True when a NO_PROXY list exempts `hostname:port` (entries: host, .domain, *.domain, host:port, *). */
export function noProxyMatches(hostname: string, port: string, noProxy: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  for (const raw of noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let name = entry;
    let entryPort: string | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      name = bracketed[1] ?? '';
      entryPort = bracketed[2];
    } else if ((entry.match(/:/g) ?? []).length === 1) {
      // host:port (a bare IPv6 address has several colons and no port)
      [name, entryPort] = entry.split(':') as [string, string];
    }
    name = name.replace(/^\*?\./, '.');
    if (entryPort !== undefined && entryPort !== port) continue;
    if (name.startsWith('.') ? host.endsWith(name) || host === name.slice(1) : host === name) return true;
  }
  return false;
}

/**
 * The proxy for `target`: `explicit` when given (null = none, whatever the
 * environment says), else the environment per the precedence above.
 */
export function resolveProxy(target: URL, explicit: string | null | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  if (explicit !== undefined) return explicit;
  const secure = target.protocol === 'https:';
  const fromEnv = secure ? (env['HTTPS_PROXY'] ?? env['https_proxy']) : (env['HTTP_PROXY'] ?? env['http_proxy']);
  if (fromEnv === undefined || fromEnv === '') return null;
  const noProxy = env['NO_PROXY'] ?? env['no_proxy'] ?? '';
  const port = target.port || (secure ? '443' : '80');
  return noProxyMatches(target.hostname, port, noProxy) ? null : fromEnv;
}

/**
 * CA list for TLS when an explicit CA is added: Node replaces its default
 * store when `ca` is set, so the system roots and NODE_EXTRA_CA_CERTS are
 * put back in. Undefined (Node's default store) when there is none.
 */
export function trustedCas(caCert: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (caCert === undefined) return undefined;
  const extra: string[] = [];
  const file = env['NODE_EXTRA_CA_CERTS'];
  if (file) {
    try {
      extra.push(readFileSync(file, 'utf8'));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS
    }
  }
  return [...tls.rootCertificates, ...extra, caCert];
}

/** Read a CA file given on the command line. Throws BAD_INPUT naming it. */
export function readCaFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BenchError('BAD_INPUT', `cannot read CA certificate ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new BenchError('BAD_INPUT', `${file} is not a PEM certificate`, { hint: 'give the CA certificate in PEM form (-----BEGIN CERTIFICATE-----)' });
  }
  return text;
}

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

/**
 * An https.Agent whose sockets are TLS sessions inside an HTTP CONNECT
 * tunnel through `proxy` (what Claude Code does with HTTPS_PROXY). Keep-alive
 * pooling works per target as with a direct agent.
 */
export class TunnelAgent extends https.Agent {
  readonly #proxy: ProxyEndpoint;

  constructor(proxy: ProxyEndpoint, options: https.AgentOptions) {
    super(options);
    this.#proxy = proxy;
  }

  // Node's Agent accepts the socket through the callback when createConnection returns nothing.
  override createConnection(requestOptions: http.RequestOptions, callback?: ConnectCallback): undefined {
    // https.Agent hands its TLS options (ca, servername, host, port) in here.
    const options = requestOptions as tls.ConnectionOptions;
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 443);
    const authority = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
    const headers: Record<string, string> = { host: authority };
    if (this.#proxy.authorization) headers['proxy-authorization'] = this.#proxy.authorization;
    const req = http.request({ host: this.#proxy.hostname, port: this.#proxy.port, method: 'CONNECT', path: authority, headers, agent: false });
    let settled = false;
    const settle = (err: Error | null, socket?: Duplex): void => {
      if (settled) return;
      settled = true;
      // Node's agent reads only the error when one is given.
      callback?.(err, socket as Duplex);
    };
    req.once('connect', (res: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        const err = new Error(`proxy ${this.#proxy.display} refused CONNECT ${authority} with HTTP ${res.statusCode ?? '?'}`) as NodeJS.ErrnoException;
        err.code = 'ECONNREFUSED';
        settle(err);
        return;
      }
      if (head.length > 0) socket.unshift(head);
      const servername = options.servername ?? (net.isIP(host) === 0 ? host : undefined);
      // The request's own path must not reach tls.connect (it would read it as an IPC socket path).
      const { path: _path, ...tlsOptions } = options as tls.ConnectionOptions & { path?: string };
      const secure = tls.connect({ ...tlsOptions, socket, ...(servername !== undefined ? { servername } : {}) });
      settle(null, secure);
    });
    req.once('error', (err) => settle(err));
    req.end();
    return undefined;
  }
}
