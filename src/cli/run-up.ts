/**
 * `claude-bench up`: stand a stack up and leave it running. By default a
 * detached supervisor (`up --foreground`, a claude-bench process) holds the
 * stack, writes the state file `down` reads, and hands the target back over
 * an IPC channel (the key never touches the disk); `--foreground` holds it
 * in this process until Ctrl-C; `--dry-run` prints the exact commands.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BenchError, formatErrorLine, isBenchError, EXIT } from '../errors.ts';
import { chooseDriver, startStack, type StackHandle } from '../stack/drivers/index.ts';
import { planStack } from '../stack/drivers/plan.ts';
import { BIN_PATH } from '../stack/emulator.ts';
import { loadStackSpec, type DriverName, type StackSpec } from '../stack/spec.ts';
import { defaultRunDir, isSameProcess, readState, refOf, removeState, stateFile, writeState, type StackState } from '../stack/state.ts';
import type { UpCliOptions } from './commands/up.ts';

const EMBEDDED_START_S = 60;
const REAL_START_S = 1800;

/** What the supervisor reports once the stack is up (over IPC, or on stdout with --foreground --json). */
export interface UpReady {
  readonly event: 'ready';
  readonly stack: string;
  readonly driver: DriverName;
  readonly base_url: string;
  readonly api_key: string;
  readonly model: string;
  readonly pids: Readonly<Record<string, number>>;
  readonly run_dir: string;
  readonly state_file: string;
}

/** What the supervisor reports when it could not stand the stack up. */
interface UpFailed {
  readonly event: 'error';
  readonly line: string;
  readonly exit_code: number;
}

export async function runUp(opts: UpCliOptions): Promise<number> {
  const { spec, file } = loadStackSpec(opts.stack);
  const driver = chooseDriver(spec, opts.driver);
  const runDir = path.resolve(opts.runDir ?? defaultRunDir(spec.name));
  if (opts.dryRun) return dryRun(spec, driver, runDir);
  const existing = await readState(runDir);
  if (existing !== null && isSameProcess(existing.supervisor)) {
    throw new BenchError('BAD_USAGE', `stack ${spec.name} is already up (supervisor pid ${existing.supervisor.pid}, ${existing.base_url})`, {
      hint: `claude-bench down --stack ${opts.stack}${opts.runDir ? ` --run-dir ${opts.runDir}` : ''}`,
    });
  }
  const startS = opts.startTimeout ?? (driver === 'embedded' ? EMBEDDED_START_S : REAL_START_S);
  return opts.foreground ? holdForeground(spec, file, driver, runDir, startS, opts) : startBackground(spec, file, driver, runDir, startS, opts);
}

async function dryRun(spec: StackSpec, driver: DriverName, runDir: string): Promise<number> {
  const plan = planStack(spec, driver, runDir);
  for (const [rel, text] of Object.entries(plan.files)) {
    const target = path.join(runDir, rel);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text, { mode: 0o644 });
  }
  process.stdout.write(`${plan.lines.join('\n')}\n`);
  if (Object.keys(plan.files).length > 0) process.stderr.write(`claude-bench: wrote ${Object.keys(plan.files).length} file(s) under ${runDir} (nothing started)\n`);
  return EXIT.ok;
}

/** The shell lines that point Claude Code (and claude-bench --target) at the stack; keys from the environment stay references. */
export function exportLines(spec: StackSpec, ready: UpReady): string[] {
  const keyVar = spec.client.auth === 'bearer' ? 'ANTHROPIC_AUTH_TOKEN' : 'ANTHROPIC_API_KEY';
  const key = spec.client.api_key_env !== undefined ? `"$${spec.client.api_key_env}"` : ready.api_key === '' ? undefined : ready.api_key;
  return [`export ANTHROPIC_BASE_URL=${ready.base_url}`, ...(key !== undefined ? [`export ${keyVar}=${key}`] : []), `export ANTHROPIC_MODEL=${ready.model}`];
}

function printReady(spec: StackSpec, ready: UpReady, json: boolean, runDirFlag: string | undefined): void {
  if (json) process.stdout.write(`${JSON.stringify(ready)}\n`);
  else process.stdout.write(`${exportLines(spec, ready).join('\n')}\n`);
  const pids = Object.entries(ready.pids).map(([k, v]) => `${k} ${v}`).join(', ');
  process.stderr.write(
    `claude-bench: stack ${ready.stack} is up at ${ready.base_url} (${ready.driver}; ${pids}); state ${ready.state_file}\n` +
      `claude-bench: stop it with: claude-bench down --stack ${ready.stack}${runDirFlag ? ` --run-dir ${runDirFlag}` : ''}\n`,
  );
}

/** Hold the stack in this process until SIGINT/SIGTERM. */
async function holdForeground(spec: StackSpec, specFile: string, driver: DriverName, runDir: string, startS: number, opts: UpCliOptions): Promise<number> {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('stopped'));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let stack: StackHandle | undefined;
  try {
    try {
      stack = await startStack(spec, driver, {
        runDir,
        logDir: path.join(runDir, 'logs'),
        deadline: Date.now() + startS * 1000,
        signal: controller.signal,
        ...(opts.model !== undefined ? { model: opts.model } : {}),
      });
    } catch (err) {
      const failed: UpFailed = { event: 'error', line: formatErrorLine(err), exit_code: isBenchError(err) ? err.exitCode : EXIT.internal };
      if (process.send) await send(failed);
      throw err;
    }
    const children: Record<string, ReturnType<typeof refOf>> = {};
    for (const [part, pid] of Object.entries(stack.pids)) if (pid !== undefined) children[part] = refOf(pid);
    const state: StackState = {
      version: 1,
      stack: spec.name,
      spec_file: specFile,
      driver,
      started_at: new Date().toISOString(),
      supervisor: refOf(process.pid),
      children,
      base_url: stack.target.baseUrl,
      model: stack.target.model,
      logs_dir: path.join(runDir, 'logs'),
      ...(stack.teardown ? { teardown: stack.teardown } : {}),
    };
    const file = await writeState(runDir, state);
    const ready: UpReady = {
      event: 'ready',
      stack: spec.name,
      driver,
      base_url: stack.target.baseUrl,
      api_key: stack.target.apiKey,
      model: stack.target.model,
      pids: { supervisor: process.pid, ...Object.fromEntries(Object.entries(children).map(([k, v]) => [k, v.pid])) },
      run_dir: runDir,
      state_file: file,
    };
    if (process.send) {
      await send(ready);
      process.disconnect?.();
    } else {
      printReady(spec, ready, opts.json === true, opts.runDir);
    }
    if (!controller.signal.aborted) await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }));
    return EXIT.ok;
  } finally {
    await stack?.stop();
    await removeState(runDir).catch(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function send(message: UpReady | UpFailed): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Start a detached supervisor (`up --foreground`) and wait for its report. */
async function startBackground(spec: StackSpec, specFile: string, driver: DriverName, runDir: string, startS: number, opts: UpCliOptions): Promise<number> {
  await mkdir(runDir, { recursive: true });
  const logPath = path.join(runDir, 'supervisor.log');
  const fd = openSync(logPath, 'a', 0o600);
  const args = [BIN_PATH, 'up', '--stack', specFile, '--driver', driver, '--run-dir', runDir, '--foreground', '--start-timeout', String(startS)];
  if (opts.model !== undefined) args.push('--model', opts.model);
  // detached: the supervisor leads its own group and outlives this command; its output goes to the log.
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd, 'ipc'], env: process.env });
  closeSync(fd);
  const outcome = await new Promise<UpReady | UpFailed | { event: 'exit' | 'timeout' }>((resolve) => {
    const timer = setTimeout(() => resolve({ event: 'timeout' }), (startS + 30) * 1000);
    child.once('message', (m: UpReady | UpFailed) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve({ event: 'exit' });
    });
  });
  if (outcome.event === 'ready') {
    child.disconnect();
    child.unref();
    printReady(spec, outcome, opts.json === true, opts.runDir);
    return EXIT.ok;
  }
  if (outcome.event === 'timeout' && child.pid !== undefined) {
    // Our own child, by PID: it tears its stack down on SIGTERM.
    process.kill(child.pid, 'SIGTERM');
  }
  await new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(resolve, 15_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
  if (outcome.event === 'error') {
    process.stderr.write(`${outcome.line}\n`);
    return outcome.exit_code;
  }
  const tail = (await readFile(logPath, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' | ');
  throw new BenchError('STACK_FAILED', outcome.event === 'timeout' ? `stack ${spec.name} was not up within ${startS} s` : `the supervisor of stack ${spec.name} ended before the stack was up${tail ? `: ${tail}` : ''}`, {
    hint: `log: ${logPath}; state: ${stateFile(runDir)}`,
  });
}
