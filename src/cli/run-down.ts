/**
 * `claude-bench down`: stop what `up` started, found through its state
 * file. The supervisor gets SIGTERM and tears its stack down; whatever it
 * recorded and is still there afterwards (it crashed, or was killed) is
 * ended by PID — only when the PID still names the same process.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { EXIT } from '../errors.ts';
import { loadStackSpec } from '../stack/spec.ts';
import { defaultRunDir, isSameProcess, readState, removeState, type ProcessRef } from '../stack/state.ts';
import type { DownCliOptions } from './commands/down.ts';

/** How long the supervisor gets to tear its stack down (docker compose down can take a while). */
const SUPERVISOR_GRACE_MS = 120_000;

async function waitGone(ref: ProcessRef, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isSameProcess(ref)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isSameProcess(ref);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

export async function runDown(opts: DownCliOptions): Promise<number> {
  const name = opts.stack.includes('/') || opts.stack.endsWith('.json') ? loadStackSpec(opts.stack).spec.name : opts.stack;
  const runDir = path.resolve(opts.runDir ?? defaultRunDir(name));
  const state = await readState(runDir);
  if (state === null) {
    process.stderr.write(`claude-bench: stack ${name} is not up (no state file in ${runDir})\n`);
    return EXIT.ok;
  }
  const supervisorAlive = isSameProcess(state.supervisor);
  if (supervisorAlive) {
    signal(state.supervisor.pid, 'SIGTERM');
    if (!(await waitGone(state.supervisor, SUPERVISOR_GRACE_MS))) signal(state.supervisor.pid, 'SIGKILL');
  }
  // Whatever the supervisor recorded and is still there: its process group, by PID.
  const leftovers = Object.entries(state.children).filter(([, ref]) => isSameProcess(ref));
  for (const [, ref] of leftovers) {
    signal(-ref.pid, 'SIGKILL');
    await waitGone(ref, 5_000);
  }
  if (!supervisorAlive && state.teardown) {
    // The supervisor is gone but its containers may not be.
    await new Promise<void>((resolve) => execFile(state.teardown?.command ?? 'docker', [...(state.teardown?.args ?? [])], { timeout: SUPERVISOR_GRACE_MS }, () => resolve()));
  }
  await removeState(runDir);
  const extra = leftovers.length > 0 ? ` (${leftovers.map(([k, r]) => `${k} ${r.pid}`).join(', ')} ended by PID)` : '';
  process.stderr.write(`claude-bench: stack ${state.stack} is down${supervisorAlive ? '' : ' (its supervisor was already gone)'}${extra}\n`);
  return EXIT.ok;
}
