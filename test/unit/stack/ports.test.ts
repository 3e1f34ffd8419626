import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { getFreePort, isPortInUse } from '../../../src/stack/ports.ts';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('ports', () => {
  it('getFreePort returns a loopback port that can be bound', async () => {
    const port = await getFreePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
    const server = await listen(port);
    server.close();
  });

  it('isPortInUse tells a held port from a free one', async () => {
    const server = await listen(0);
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(await isPortInUse(port)).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await isPortInUse(port)).toBe(false);
  });
});
