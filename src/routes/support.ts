/**
 * What the route starters share: finding a Debian-packaged program, and
 * waiting for a listener while watching the child that should provide it.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { BenchError } from '../errors.ts';
import type { ManagedChild } from '../stack/child-process.ts';

/** Find `name` on PATH or in the sbin folders Debian installs daemons into; null when absent. */
export function findProgram(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = [...(env['PATH'] ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** Like findProgram, but a missing program is a STACK_FAILED naming the setup script that installs it. */
export function requireProgram(name: string, script: string): string {
  const found = findProgram(name);
  if (found === null) {
    throw new BenchError('STACK_FAILED', `${name} is not installed`, { hint: `run scripts/${script} (installs Debian's package with apt-get)` });
  }
  return found;
}

/** One TLS handshake against 127.0.0.1:port trusting `ca`; resolves true when it completes. */
export function tlsHandshake(port: number, ca: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Poll `ready` until it resolves true; fail (STACK_FAILED) when the child
 * exits or the deadline passes, INTERRUPTED when `signal` aborts. Bounded by
 * the deadline.
 */
export async function waitReady(child: ManagedChild, ready: () => Promise<boolean>, what: string, deadline: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    if (signal?.aborted) throw new BenchError('INTERRUPTED', `interrupted while starting ${child.name}`);
    const exit = child.exitStatus();
    if (exit !== null) {
      // Let the last lines reach the tail first.
      await new Promise((r) => setTimeout(r, 200));
      const tail = child.tail();
      throw new BenchError('STACK_FAILED', `${child.name} ended before ${what}${tail ? `; last output: ${tail}` : ''}`, { hint: `log: ${child.logFile}` });
    }
    if (await ready()) return;
    if (Date.now() > deadline) {
      throw new BenchError('STACK_FAILED', `${child.name}: ${what} did not happen before the start-up deadline`, { hint: `log: ${child.logFile}` });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
