/**
 * The real client end to end (suite `live-client`): the pinned Claude Code
 * CLI runs headless through the target and must write, run and read back a
 * file. One Claude Code run per conform run feeds all three checks.
 */
import type { Client } from '../../client/index.ts';
import { judgeFile, judgeLoop, judgeRan } from '../../live/judge.ts';
import { runLiveTask, type LiveOutcome } from '../../live/live-task.ts';
import { defineChecks, type CheckContext } from '../check.ts';

/** One task per run: the client is created once per run, so it keys the run. */
const runs = new WeakMap<Client, Promise<LiveOutcome>>();

/** The run's live task, started by whichever check asks first. */
export function liveOutcome(ctx: CheckContext): Promise<LiveOutcome> {
  let run = runs.get(ctx.client);
  if (!run) {
    run = runLiveTask({ target: ctx.target, requestTimeoutMs: ctx.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    runs.set(ctx.client, run);
  }
  return run;
}

export const LIVE_CLIENT_CHECKS = defineChecks({
  L1: {
    title: 'Claude Code completes a headless agent loop through the gateway',
    area: 'live-client',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      return judgeLoop(await liveOutcome(ctx));
    },
  },
  L2: {
    title: "Claude Code's Write tool leaves the requested file with the right content",
    area: 'live-client',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      return judgeFile(await liveOutcome(ctx));
    },
  },
  L3: {
    title: 'Claude Code runs the file with Bash, gets its output back, and reads it',
    area: 'live-client',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      return judgeRan(await liveOutcome(ctx));
    },
  },
});
