/**
 * Plan 3 on loopback: Debian's mitmproxy (mitmdump) as the HTTPS proxy
 * Claude Code is pointed at (HTTPS_PROXY), rewriting api.anthropic.com to
 * the gateway with the guide's addon (request rewrite only) or the
 * streaming one. Offline it needs connection_strategy=lazy and
 * upstream_cert=false, or it answers 502 trying the real host. A guard
 * addon of ours refuses any non-loopback upstream.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, spawnChild, type ManagedChild } from '../stack/child-process.ts';
import { LOOPBACK } from '../stack/ports.ts';
import type { RouteVariant } from './nginx-conf.ts';
import { requireProgram } from './support.ts';
import type { RouteStartOptions, RunningRoute } from './types.ts';

/** The host Claude Code keeps talking to; the addon rewrites it. */
export const ANTHROPIC_ORIGIN = 'https://api.anthropic.com';

/** The addon files, by variant, and the guard. */
export const MITM_ADDONS = {
  guide: fileURLToPath(new URL('./mitm/guide_addon.py', import.meta.url)),
  corrected: fileURLToPath(new URL('./mitm/streaming_addon.py', import.meta.url)),
  guard: fileURLToPath(new URL('./mitm/loopback_guard.py', import.meta.url)),
} as const;

/** The mitmdump argv (exposed for tests and --dry-run). Port 0: mitmdump prints the one it bound. */
export function mitmdumpArgs(variant: RouteVariant, confdir: string, upstream: string, port = 0): string[] {
  return [
    '--listen-host', LOOPBACK,
    '--listen-port', String(port),
    '--set', `confdir=${confdir}`,
    // Offline: do not connect upstream before the request is rewritten, nor to copy its certificate.
    '--set', 'connection_strategy=lazy',
    '--set', 'upstream_cert=false',
    '-s', MITM_ADDONS.guard,
    '-s', MITM_ADDONS[variant],
    '--set', `gateway_url=${upstream}`,
  ];
}

/** "Proxy server listening at 127.0.0.1:41234" (mitmproxy 8) → 41234. */
export function parseListeningLine(line: string): number | undefined {
  const m = /listening at (?:https?:\/\/)?(?:\[[^\]]+\]|[^\s:]+):(\d+)/i.exec(line);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

/** Start mitmdump (`variant` addon) on a free loopback port, forwarding api.anthropic.com to `options.upstream`. */
export async function startMitmproxyRoute(variant: RouteVariant, options: RouteStartOptions): Promise<RunningRoute> {
  const bin = requireProgram('mitmdump', 'ensure-mitmproxy.sh');
  await mkdir(options.logDir, { recursive: true });
  // mitmproxy writes its CA (key included) here on first start: private, and removed at stop.
  const confdir = await mkdtemp(path.join(tmpdir(), 'claude-bench-mitm-'));
  const logs: Record<string, string> = {};
  let child: ManagedChild | undefined;
  const cleanup = async (): Promise<void> => {
    await child?.stop();
    await rm(confdir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    const addonCopy = path.join(options.logDir, `mitm-${path.basename(MITM_ADDONS[variant])}`);
    await copyFile(MITM_ADDONS[variant], addonCopy);
    logs['mitm-addon'] = addonCopy;
    const logFile = path.join(options.logDir, 'mitmdump.log');
    logs['mitmdump'] = logFile;
    child = spawnChild({
      name: 'mitmdump',
      command: bin,
      args: mitmdumpArgs(variant, confdir, options.upstream),
      env: childEnv({ HOME: confdir, PYTHONUNBUFFERED: '1' }),
      cwd: confdir,
      logFile,
      secrets: options.secrets ?? [],
    });
    const port = await child.waitForLine(parseListeningLine, options.signal ? { deadline: options.deadline, signal: options.signal } : { deadline: options.deadline });
    const caFile = path.join(options.logDir, 'mitmproxy-ca-cert.pem');
    await copyFile(path.join(confdir, 'mitmproxy-ca-cert.pem'), caFile);
    logs['route-ca'] = caFile;
    const caCert = await readFile(caFile, 'utf8');
    const proxy = `http://${LOOPBACK}:${port}`;
    const running = child;
    let stopping: Promise<void> | undefined;
    return {
      name: variant === 'guide' ? 'mitmproxy-guide' : 'mitmproxy',
      kind: 'mitmproxy',
      variant,
      description: `mitmproxy (${variant === 'guide' ? "the guide's addon: request rewrite only" : 'streaming addon: flow.response.stream = True'})`,
      client: { baseUrl: ANTHROPIC_ORIGIN, proxy, caCert, caFile },
      claudeCodeEnv: { HTTPS_PROXY: proxy, NODE_EXTRA_CA_CERTS: caFile },
      pid: running.pid,
      logs,
      stop: () => (stopping ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
