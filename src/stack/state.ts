/**
 * The state file `claude-bench up` leaves in its run folder so `down` can
 * find what it started: the supervisor's PID and the stack's child PIDs,
 * each with its start time, so a PID the system has since given to another
 * program is never signalled. No key is written here.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BenchError } from '../errors.ts';
import type { DriverName } from './spec.ts';

/** A process as recorded: PID and start time (clock ticks after boot, from /proc). */
export interface ProcessRef {
  readonly pid: number;
  readonly start_time: string | null;
}

/** What state.json holds. */
export interface StackState {
  readonly version: 1;
  readonly stack: string;
  readonly spec_file: string;
  readonly driver: DriverName;
  readonly started_at: string;
  /** The `up --foreground` process that holds the stack. */
  readonly supervisor: ProcessRef;
  /** The stack's own processes, by part (each leads its own process group). */
  readonly children: Readonly<Record<string, ProcessRef>>;
  readonly base_url: string;
  readonly model: string;
  /** Where logs are. */
  readonly logs_dir: string;
  /** How to finish the job when the supervisor is gone (docker: compose down). */
  readonly teardown?: { readonly command: string; readonly args: readonly string[] };
}

/** The default run folder of a stack: .claude-bench/stacks/<name> under the working directory. */
export function defaultRunDir(stack: string, cwd: string = process.cwd()): string {
  return path.resolve(cwd, '.claude-bench', 'stacks', stack);
}

/** state.json in a run folder. */
export function stateFile(runDir: string): string {
  return path.join(runDir, 'state.json');
}

/** Field 22 of /proc/<pid>/stat (start time), or null when the process is gone or /proc is absent. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return null;
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** A reference to a live process (its start time recorded now). */
export function refOf(pid: number): ProcessRef {
  return { pid, start_time: processStartTime(pid) };
}

/**
 * True while the recorded process still runs and is the same process: same
 * start time where /proc tells it, else merely alive.
 */
export function isSameProcess(ref: ProcessRef): boolean {
  const now = processStartTime(ref.pid);
  if (now !== null) return ref.start_time === null || ref.start_time === now;
  if (ref.start_time !== null) return false;
  try {
    process.kill(ref.pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function writeState(runDir: string, state: StackState): Promise<string> {
  await mkdir(runDir, { recursive: true });
  const file = stateFile(runDir);
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** The state in `runDir`, or null when there is none. Throws BAD_INPUT for an unreadable one. */
export async function readState(runDir: string): Promise<StackState | null> {
  let text: string;
  try {
    text = await readFile(stateFile(runDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new BenchError('BAD_INPUT', `cannot read ${stateFile(runDir)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BenchError('BAD_INPUT', `${stateFile(runDir)} is not valid JSON`, { hint: 'remove it if no stack is running' });
  }
  const v = value as Partial<StackState>;
  if (v.version !== 1 || typeof v.supervisor?.pid !== 'number' || typeof v.children !== 'object' || v.children === null) {
    throw new BenchError('BAD_INPUT', `${stateFile(runDir)} is not a claude-bench stack state`, { hint: 'remove it if no stack is running' });
  }
  return value as StackState;
}

export async function removeState(runDir: string): Promise<void> {
  await rm(stateFile(runDir), { force: true });
}
