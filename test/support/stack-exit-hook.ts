// Starts the stack-child fixture (with a grandchild) through spawnChild, prints
// both PIDs as one JSON line, then leaves with process.exit() without calling
// stop(): the module's 'exit' hook must take the whole group down.
import { fileURLToPath } from 'node:url';
import { childEnv, spawnChild } from '../../src/stack/child-process.ts';

const fixture = fileURLToPath(new URL('./stack-child.mjs', import.meta.url));
const logFile = process.argv[2] ?? '/dev/null';
const child = spawnChild({ name: 'exit-hook fixture', command: process.execPath, args: [fixture, '--grandchild'], env: childEnv({}), logFile });
const grandchild = await child.waitForLine((line) => {
  const v = JSON.parse(line) as { event?: string; pid?: number };
  return v.event === 'grandchild' ? v.pid : undefined;
}, { deadline: Date.now() + 20_000 });
process.stdout.write(`${JSON.stringify({ child: child.pid, grandchild })}\n`);
process.exit(0);
