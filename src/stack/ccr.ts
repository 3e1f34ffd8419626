import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BenchError, isBenchError } from '../errors.ts';
import { redactSecrets } from '../secrets.ts';
import { childEnv, spawnChild, type ManagedChild, type WaitOptions } from './child-process.ts';
import { probe } from './http-probe.ts';
import { getFreePort, isPortInUse, LOOPBACK } from './ports.ts';
import { createRedactingTransform } from './redact-stream.ts';

/** The gateway's name as reported in Target.gateway. */
export const CCR_NAME = 'claude-code-router';
const CCR_PACKAGE = '@musistudio/claude-code-router';
/** CCR keeps everything under $HOME/.claude-code-router; there is no flag for another place. */
const CCR_DIR = '.claude-code-router';

/** claude-code-router's config.json, the subset written here. */
export interface CcrConfig {
  readonly HOST: string;
  readonly PORT: number;
  readonly APIKEY: string;
  readonly LOG: boolean;
  readonly Providers: ReadonlyArray<{
    readonly name: string;
    readonly api_base_url: string;
    readonly api_key: string;
    readonly models: readonly string[];
  }>;
  readonly Router: { readonly default: string };
}

/** What buildCcrConfig needs to know about this run. */
export interface CcrConfigInput {
  readonly port: number;
  /** Key clients must send (x-api-key or Bearer). */
  readonly apiKey: string;
  /** Base URL of the OpenAI-compatible backend, without `/v1`. */
  readonly upstreamBaseUrl: string;
  /** Key CCR sends upstream as Bearer. */
  readonly upstreamApiKey: string;
  /** The backend's model name (vLLM --served-model-name). */
  readonly servedModelName: string;
}

/**
 * A plain user config: one provider, every request routed to it. No
 * transformer on purpose: what CCR does out of the box (e.g. zero usage on
 * streams, since it does not ask for stream_options) is what gets measured.
 */
export function buildCcrConfig(input: CcrConfigInput): CcrConfig {
  return {
    HOST: LOOPBACK,
    PORT: input.port,
    APIKEY: input.apiKey,
    LOG: true,
    Providers: [
      {
        name: 'vllm',
        // CCR posts to this URL exactly; it appends nothing.
        api_base_url: `${input.upstreamBaseUrl.replace(/\/+$/, '')}/v1/chat/completions`,
        api_key: input.upstreamApiKey,
        models: [input.servedModelName],
      },
    ],
    Router: { default: `vllm,${input.servedModelName}` },
  };
}

/** Write `config` as `<home>/.claude-code-router/config.json`, readable by the owner only. */
export async function writeCcrConfig(home: string, config: CcrConfig): Promise<string> {
  const dir = path.join(home, CCR_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'config.json');
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** Where CCR's entry point is and which version is installed, from its package.json. */
export function ccrPackage(): { readonly cliPath: string; readonly version: string } {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve(`${CCR_PACKAGE}/package.json`);
  } catch (err) {
    throw new BenchError('STACK_FAILED', `${CCR_PACKAGE} is not installed`, { hint: 'run npm install in the claude-bench folder', cause: err });
  }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string; bin?: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : (pkg.bin?.['ccr'] ?? 'dist/cli.js');
  return { cliPath: path.join(path.dirname(manifest), bin), version: pkg.version ?? 'unknown' };
}

/** A random key, distinct per run, recognisable in a log as ours. */
export function newKey(prefix: string): string {
  return `${prefix}-${randomBytes(18).toString('base64url')}`;
}

/** Options of startCcr. */
export interface CcrStartOptions extends Omit<CcrConfigInput, 'port'> {
  /** Folder for ccr.log, the redacted config and (at stop) CCR's own logs. */
  readonly logDir: string;
  /** Every string to redact from what is written to logDir (apiKey and upstreamApiKey are added). */
  readonly secrets?: readonly string[];
  readonly deadline: number;
  readonly signal?: AbortSignal;
  /** Where ports come from (tests hand in a taken one); default getFreePort. */
  readonly nextPort?: () => Promise<number>;
}

/** A claude-code-router that answers on `baseUrl`. */
export interface RunningCcr {
  readonly baseUrl: string;
  readonly port: number;
  readonly pid: number | undefined;
  readonly version: string;
  /** The private HOME; removed by stop(). */
  readonly home: string;
  /** name → file in logDir; CCR's own log files are added by stop(). */
  readonly logs: Record<string, string>;
  /** Stop CCR, copy its logs (redacted) into logDir, remove the private HOME. Idempotent; never throws. */
  stop(): Promise<void>;
}

/** Attempts at binding: the port from getFreePort can be taken before CCR binds it. */
const PORT_ATTEMPTS = 2;

/**
 * Start claude-code-router as a child in a fresh private HOME, on a free
 * loopback port, and wait until it answers /health and accepts our key. CCR
 * exits 1 without a word when its port is taken, so a start that fails while
 * someone else holds the port is retried once on a new one. Failures tear
 * down what was started and throw STACK_FAILED (or INTERRUPTED on abort).
 */
export async function startCcr(options: CcrStartOptions): Promise<RunningCcr> {
  const { cliPath, version } = ccrPackage();
  const secrets = [options.apiKey, options.upstreamApiKey, ...(options.secrets ?? [])];
  await mkdir(options.logDir, { recursive: true });
  // mkdtemp makes it 0700: CCR's config (with both keys) is for our eyes only.
  const home = await mkdtemp(path.join(tmpdir(), 'claude-bench-ccr-'));
  const logFile = path.join(options.logDir, 'ccr.log');
  const configCopy = path.join(options.logDir, 'ccr-config.json');
  const logs: Record<string, string> = { ccr: logFile, 'ccr-config': configCopy };
  let child: ManagedChild | undefined;
  try {
    // CCR looks up Claude Code projects here when a session id arrives; without it, it prints errors to stderr.
    await mkdir(path.join(home, '.claude', 'projects'), { recursive: true });
    const nextPort = options.nextPort ?? (() => getFreePort());
    for (let attempt = 1; ; attempt++) {
      const port = await nextPort();
      const config = buildCcrConfig({ ...options, port });
      await writeCcrConfig(home, config);
      await writeFile(configCopy, redactSecrets(`${JSON.stringify(config, null, 2)}\n`, secrets), { mode: 0o600 });
      child = spawnChild({
        name: CCR_NAME,
        command: process.execPath,
        args: [cliPath, 'start'],
        env: childEnv({ HOME: home }),
        cwd: home,
        logFile,
        secrets,
      });
      const wait: WaitOptions = options.signal ? { deadline: options.deadline, signal: options.signal } : { deadline: options.deadline };
      const baseUrl = `http://${LOOPBACK}:${port}`;
      try {
        await child.waitForHealth(`${baseUrl}/health`, wait);
        await confirmIdentity(child, baseUrl, options.apiKey);
      } catch (err) {
        await child.stop();
        // With our CCR gone, a port still in use belongs to someone else: the race getFreePort warns of.
        const interrupted = isBenchError(err) && err.code === 'INTERRUPTED';
        if (interrupted || !(await isPortInUse(port))) throw err;
        if (attempt >= PORT_ATTEMPTS) {
          throw new BenchError('STACK_FAILED', `${CCR_NAME} could not bind a free loopback port (${PORT_ATTEMPTS} attempts, last ${port})`, {
            hint: `log: ${logFile}`,
          });
        }
        // CCR leaves its PID file behind on this exit; a fresh start must not trip over it.
        await rm(path.join(home, CCR_DIR, '.claude-code-router.pid'), { force: true });
        continue;
      }
      const running = child;
      let stopping: Promise<void> | undefined;
      return {
        baseUrl,
        port,
        pid: running.pid,
        version,
        home,
        logs,
        stop: () => (stopping ??= teardown(running, home, options.logDir, secrets, logs)),
      };
    }
  } catch (err) {
    await teardown(child, home, options.logDir, secrets, logs);
    throw err;
  }
}

/**
 * Health alone could come from someone else on that port; our key being
 * accepted on a route that never calls upstream shows it is our CCR.
 */
async function confirmIdentity(child: ManagedChild, baseUrl: string, apiKey: string): Promise<void> {
  let status: number;
  try {
    const res = await probe(`${baseUrl}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey },
      body: { model: 'probe', messages: [{ role: 'user', content: 'ping' }] },
      timeoutMs: 5_000,
    });
    status = res.status;
  } catch (err) {
    throw new BenchError('STACK_FAILED', `${CCR_NAME} answered /health but not a keyed request: ${(err as Error).message}`, {
      hint: `log: ${child.logFile}`,
    });
  }
  if (child.exitStatus() !== null || status !== 200) {
    throw new BenchError('STACK_FAILED', `${CCR_NAME} is not the one answering on ${baseUrl} (keyed probe: HTTP ${status})`, {
      hint: `log: ${child.logFile}`,
    });
  }
}

/** Stop CCR, keep its own logs (redacted), delete the private HOME. Never throws. */
async function teardown(
  child: ManagedChild | undefined,
  home: string,
  logDir: string,
  secrets: readonly string[],
  logs: Record<string, string>,
): Promise<void> {
  await child?.stop();
  try {
    await copyCcrLogs(path.join(home, CCR_DIR, 'logs'), logDir, secrets, logs);
  } catch {
    // keeping logs is best effort; removing the HOME below is not
  }
  await rm(home, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * CCR's pino logs hold request bodies and the upstream Authorization header:
 * copy them through the redacting transform, so only clean copies persist.
 */
async function copyCcrLogs(from: string, logDir: string, secrets: readonly string[], logs: Record<string, string>): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(from)).filter((n) => n.endsWith('.log')).sort();
  } catch {
    return; // CCR never got as far as creating its log folder
  }
  for (const name of names) {
    const target = path.join(logDir, `ccr-server-${name.replace(/^ccr-/, '')}`);
    await pipeline(createReadStream(path.join(from, name)), createRedactingTransform(secrets), createWriteStream(target, { mode: 0o600 }));
    logs[`ccr-server/${name}`] = target;
  }
}

