import net from 'node:net';

/** Loopback only: nothing the harness stands up is reachable from outside. */
export const LOOPBACK = '127.0.0.1';

/**
 * A port that was free a moment ago: listen on 0, read what the kernel gave,
 * close. Another process may take it before the caller binds, so callers
 * that cannot bind themselves on 0 must cope with EADDRINUSE (see ccr.ts).
 */
export function getFreePort(host: string = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** True when something is listening on host:port (binding it fails with EADDRINUSE). */
export function isPortInUse(port: number, host: string = LOOPBACK): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(true);
      else reject(err);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(false)));
  });
}
