import type { Command } from 'commander';
import { parseSeconds } from '../options.ts';

/** Options of `claude-bench up`, as commander hands them over. */
export interface UpCliOptions {
  stack: string;
  driver?: string;
  runDir?: string;
  model?: string;
  startTimeout?: number;
  foreground?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('Stand a stack up from its spec and leave it running (stop it with `claude-bench down`)')
    .option('--stack <name|file>', 'stack spec: stacks/<name>.json or a file', 'embedded')
    .option('--driver <name>', "docker, process or embedded (default: the spec's own)")
    .option('--run-dir <dir>', 'folder for the state file, generated files and logs (default: .claude-bench/stacks/<name>)')
    .option('--model <id>', "model id clients should send (default: the spec's)")
    .option('--start-timeout <seconds>', 'bound on standing it up (default: 60 for embedded, 1800 for docker/process)', parseSeconds)
    .option('--foreground', 'hold the stack in this process until Ctrl-C instead of in the background')
    .option('--dry-run', 'print the exact commands and write the files the driver would use; start nothing')
    .option('--json', 'print the target as JSON (base_url, api_key, model, pids) instead of shell exports')
    .action(async (opts: UpCliOptions) => {
      const { runUp } = await import('../run-up.ts');
      process.exitCode = await runUp(opts);
    });
}
