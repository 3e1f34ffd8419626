/**
 * Plan 2 on loopback: Debian's nginx with TLS (a throw-away CA) in front of
 * the gateway, with the guide's server block or the corrected one. nginx
 * runs non-daemon with its own prefix, pid file and logs, in its own
 * process group, and is stopped by PID.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isBenchError } from '../errors.ts';
import { childEnv, spawnChild, type ManagedChild } from '../stack/child-process.ts';
import { getFreePort, isPortInUse, LOOPBACK } from '../stack/ports.ts';
import { generateCertSet } from './certs.ts';
import { renderNginxLoopbackConf, type RouteVariant } from './nginx-conf.ts';
import { requireProgram, tlsHandshake, waitReady } from './support.ts';
import type { RouteStartOptions, RunningRoute } from './types.ts';

const PORT_ATTEMPTS = 2;

/** `nginx -v` prints "nginx version: nginx/1.22.1" on stderr. */
async function nginxVersion(bin: string): Promise<string> {
  try {
    const { stderr } = await promisify(execFile)(bin, ['-v'], { timeout: 10_000 });
    return /nginx\/(\S+)/.exec(stderr)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The nginx argv for a prefix (exposed for tests and --dry-run). */
export function nginxArgs(prefix: string): string[] {
  // -e: nginx opens its error log before reading the config; keep it in our prefix too.
  return ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', path.join(prefix, 'logs', 'error.log')];
}

/** Start nginx (`variant` configuration) on a free loopback port in front of `options.upstream`. */
export async function startNginxRoute(variant: RouteVariant, options: RouteStartOptions): Promise<RunningRoute> {
  const bin = requireProgram('nginx', 'ensure-nginx.sh');
  const version = await nginxVersion(bin);
  await mkdir(options.logDir, { recursive: true });
  const prefix = await mkdtemp(path.join(tmpdir(), 'claude-bench-nginx-'));
  // Workers run as an unprivileged user when nginx starts as root: they must reach the temp paths.
  await chmod(prefix, 0o711);
  await mkdir(path.join(prefix, 'logs'));
  await mkdir(path.join(prefix, 'tmp'));
  const certDir = path.join(prefix, 'certs');
  await mkdir(certDir, { mode: 0o700 });
  const logs: Record<string, string> = {};
  let child: ManagedChild | undefined;
  const cleanup = async (): Promise<void> => {
    await child?.stop();
    for (const name of ['error.log', 'access.log']) {
      const target = path.join(options.logDir, `nginx-${name}`);
      if (await copyFile(path.join(prefix, 'logs', name), target).then(() => true, () => false)) logs[`nginx-${name}`] = target;
    }
    await rm(prefix, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    const certs = await generateCertSet(certDir);
    const caCopy = path.join(options.logDir, 'route-ca.pem');
    await copyFile(certs.caFile, caCopy);
    logs['route-ca'] = caCopy;
    for (let attempt = 1; ; attempt++) {
      const port = await getFreePort();
      const conf = renderNginxLoopbackConf({ variant, listen: `${LOOPBACK}:${port}`, upstream: options.upstream, certFile: certs.certFile, keyFile: certs.keyFile, prefix });
      await writeFile(path.join(prefix, 'nginx.conf'), conf, { mode: 0o644 });
      const confCopy = path.join(options.logDir, `nginx-${variant}.conf`);
      await writeFile(confCopy, conf, { mode: 0o644 });
      logs['nginx-conf'] = confCopy;
      child = spawnChild({ name: 'nginx', command: bin, args: nginxArgs(prefix), env: childEnv({}), cwd: prefix, logFile: path.join(options.logDir, 'nginx.log'), secrets: options.secrets ?? [] });
      try {
        await waitReady(child, () => tlsHandshake(port, certs.caPem, 1_000), 'it accepted a TLS connection', options.deadline, options.signal);
      } catch (err) {
        await child.stop();
        const interrupted = isBenchError(err) && err.code === 'INTERRUPTED';
        // With our nginx gone, a port still taken was taken by someone else in the meantime: try another.
        if (interrupted || attempt >= PORT_ATTEMPTS || !(await isPortInUse(port))) throw err;
        continue;
      }
      const running = child;
      const baseUrl = `https://${LOOPBACK}:${port}`;
      let stopping: Promise<void> | undefined;
      return {
        name: variant === 'guide' ? 'nginx-guide' : 'nginx',
        kind: 'nginx',
        variant,
        description: `nginx ${version} (${variant === 'guide' ? "the guide's config: proxy_buffering on" : 'corrected config: proxy_buffering off'})`,
        client: { baseUrl, caCert: certs.caPem, caFile: caCopy },
        claudeCodeEnv: { ANTHROPIC_BASE_URL: baseUrl, NODE_EXTRA_CA_CERTS: caCopy },
        pid: running.pid,
        logs,
        stop: () => (stopping ??= cleanup()),
      };
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
}
