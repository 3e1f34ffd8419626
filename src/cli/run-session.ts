import { mkdir } from 'node:fs/promises';
import path from 'node:path';

/** Default output folder: reports/<UTC timestamp>/ under the working directory. */
export function defaultOutDir(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-').replace(/Z$/, 'Z');
  return path.resolve('reports', stamp);
}

export async function prepareOutDir(out: string | undefined): Promise<string> {
  const dir = path.resolve(out ?? defaultOutDir());
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * SIGINT/SIGTERM abort the run instead of killing the process, so partial
 * results get written and the stack torn down. A second signal gives up
 * waiting and exits at once with 130.
 */
export function interruptController(): { signal: AbortSignal; interrupted: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    count += 1;
    if (count === 1) {
      process.stderr.write(`claude-bench: ${sig} received, writing partial results and tearing down (again to force)\n`);
      controller.abort(new Error(`interrupted by ${sig}`));
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    interrupted: () => controller.signal.aborted,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Resolve the API key the way Claude Code does: flag, then ANTHROPIC_API_KEY, then ANTHROPIC_AUTH_TOKEN. */
export function resolveApiKey(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env['ANTHROPIC_API_KEY'] ?? env['ANTHROPIC_AUTH_TOKEN'] ?? '';
}
