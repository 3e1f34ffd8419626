import type { Command } from 'commander';
import { parsePort, parseTargetUrl } from '../options.ts';

/** Options of `claude-bench record`, as commander hands them over. */
export interface RecordCliOptions {
  upstream: string;
  port: number;
  out: string;
  raw?: boolean;
  apiKey: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerRecordCommand(program: Command): void {
  program
    .command('record')
    .description('Record a client session through a proxy: one JSON fixture per request (keys redacted, prose scrubbed)')
    .requiredOption('--upstream <url>', 'base URL the requests go on to (an Anthropic-compatible endpoint)', parseTargetUrl)
    .option('--port <port>', 'port on 127.0.0.1 to listen on (0 = any free port)', parsePort, 0)
    .requiredOption('--out <dir>', 'folder for the fixture files, e.g. fixtures/sessions/NAME (must not already hold recorded requests)')
    .option('--raw', 'keep prose as it is (keys are still redacted); for private use, never commit')
    .option('--api-key <key>', 'a further value to redact wherever it appears (repeatable)', collect, [])
    .action(async (opts: RecordCliOptions) => {
      const { runRecord } = await import('../run-record.ts');
      process.exitCode = await runRecord(opts);
    });
}
