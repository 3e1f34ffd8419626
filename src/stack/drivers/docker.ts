/**
 * The docker driver: writes the spec's compose project into the run
 * folder, then `docker compose up --detach --wait`, a health wait on the
 * part clients talk to, and at stop `logs` (kept) and `down`. The exact
 * argv lists are pure functions (tested; printed by `up --dry-run`).
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BenchError, isBenchError } from '../../errors.ts';
import { redactSecrets } from '../../secrets.ts';
import { probe } from '../http-probe.ts';
import type { StackSpec } from '../spec.ts';
import { backendSetup, BACKEND_SERVICE } from './commands.ts';
import { composeProject, renderDockerFiles } from './compose.ts';
import { clientHealthUrl, realTarget, specSecrets } from './target.ts';
import type { DriverStartOptions, StackDriver, StackHandle } from './types.ts';

/** The docker commands of a stack whose compose project is in `dir`. */
export interface DockerPlan {
  readonly dir: string;
  readonly files: Readonly<Record<string, string>>;
  readonly up: readonly string[];
  readonly setup: readonly (readonly string[])[];
  readonly logs: readonly string[];
  readonly down: readonly string[];
  /** Variables compose will require (${VAR:?…}), by name. */
  readonly requiredEnv: readonly string[];
}

/** The exact docker argv lists (after `docker`) for a spec whose files go to `dir`. */
export function planDocker(spec: StackSpec, dir: string, waitTimeoutS = 1800): DockerPlan {
  const files = renderDockerFiles(spec);
  const base = ['compose', '--project-name', composeProject(spec), '--file', path.join(dir, 'compose.yaml')];
  const setup = backendSetup(spec.backend);
  const service = BACKEND_SERVICE[spec.backend.kind];
  const required = new Set<string>();
  for (const text of Object.values(files)) for (const m of text.matchAll(/\$\{([A-Z_][A-Z0-9_]*):\?/g)) required.add(m[1] ?? '');
  return {
    dir,
    files,
    up: [...base, 'up', '--detach', '--wait', '--wait-timeout', String(waitTimeoutS)],
    setup: setup === null ? [] : [[...base, 'exec', '-T', service, 'ollama', ...setup]],
    logs: [...base, 'logs', '--no-color', '--timestamps'],
    down: [...base, 'down', '--remove-orphans'],
    requiredEnv: [...required].sort(),
  };
}

interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `docker …` to completion (bounded), never throwing for a non-zero exit. */
function docker(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile('docker', [...args], { env, timeout: Math.max(1_000, timeoutMs), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      if (e && e.code === 'ENOENT') resolve({ code: 127, stdout: '', stderr: 'docker: command not found' });
      else resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? '';
}

/** Poll `url` until 2xx, bounded by `deadline`. */
async function waitHealthy(url: string, deadline: number, signal?: AbortSignal): Promise<void> {
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new BenchError('INTERRUPTED', 'interrupted while waiting for the stack');
    try {
      const res = await probe(url, { timeoutMs: 2_000 });
      if (res.status >= 200 && res.status < 300) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new BenchError('STACK_FAILED', `the stack never answered ${url}`, { hint: 'see docker compose logs in the run folder' });
}

export const dockerDriver: StackDriver = {
  name: 'docker',
  async start(spec, options: DriverStartOptions): Promise<StackHandle> {
    const env = options.env ?? process.env;
    const dir = path.join(options.runDir, 'docker');
    const plan = planDocker(spec, dir, Math.max(1, Math.round((options.deadline - Date.now()) / 1000)));
    const missing = plan.requiredEnv.filter((n) => (env[n] ?? '') === '');
    if (missing.length > 0) {
      throw new BenchError('BAD_CONFIG', `stack ${spec.name} needs ${missing.join(', ')} in the environment`, { hint: `export ${missing[0] ?? ''}=… (keys are read from the environment, never from the spec)` });
    }
    // Fail fast and clearly when there is no compose (no engine, or no plugin).
    const version = await docker(['compose', 'version'], env, 20_000);
    if (version.code !== 0) {
      throw new BenchError('STACK_FAILED', `docker compose is not available: ${lastLine(version.stderr) || `exit ${version.code}`}`, {
        hint: 'install Docker with the compose plugin and a GPU runtime, or use --driver process',
      });
    }
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(plan.files)) await writeFile(path.join(dir, name), text, { mode: 0o644 });
    const secrets = specSecrets(spec, env);
    const logFile = path.join(options.logDir ?? path.join(options.runDir, 'logs'), 'docker-compose.log');
    await mkdir(path.dirname(logFile), { recursive: true });
    const saveLogs = async (): Promise<void> => {
      const logs = await docker(plan.logs, env, 60_000);
      await writeFile(logFile, redactSecrets(logs.stdout + logs.stderr, secrets), { mode: 0o600 }).catch(() => undefined);
    };
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        await saveLogs().catch(() => undefined);
        await docker(plan.down, env, 120_000);
      })());
    try {
      const up = await docker(plan.up, env, options.deadline - Date.now());
      if (up.code !== 0) {
        throw new BenchError('STACK_FAILED', `docker compose up failed: ${redactSecrets(lastLine(up.stderr), secrets)}`, { hint: `logs: ${logFile}` });
      }
      for (const step of plan.setup) {
        const res = await docker(step, env, options.deadline - Date.now());
        if (res.code !== 0) throw new BenchError('STACK_FAILED', `set-up step failed (docker ${step.slice(-3).join(' ')}): ${lastLine(res.stderr)}`);
      }
      await waitHealthy(clientHealthUrl(spec), options.deadline, options.signal);
    } catch (err) {
      await stop();
      throw isBenchError(err) ? err : new BenchError('STACK_FAILED', `could not stand up ${spec.name}: ${(err as Error).message}`, { cause: err });
    }
    return {
      driver: 'docker',
      target: realTarget(spec, env, options.model, 'docker'),
      secrets,
      logs: { 'docker-compose': logFile },
      pids: {},
      teardown: { command: 'docker', args: plan.down },
      stop,
    };
  },
};

