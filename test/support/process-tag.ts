import { readdirSync, readFileSync } from 'node:fs';

/**
 * PIDs of live processes whose environment holds `CLAUDE_BENCH_TEST_TAG=<tag>`.
 * Children inherit the environment, so this finds everything a CLI run
 * started, however deep, without touching anyone else's processes.
 */
export function processesWithTag(tag: string): number[] {
  const needle = `CLAUDE_BENCH_TEST_TAG=${tag}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (env.split('\0').includes(needle)) found.push(Number(entry));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}
