import type { Command } from 'commander';

/** Options of `claude-bench down`, as commander hands them over. */
export interface DownCliOptions {
  stack: string;
  runDir?: string;
}

export function registerDownCommand(program: Command): void {
  program
    .command('down')
    .description('Stop a stack `claude-bench up` started (only the processes it recorded, by PID)')
    .option('--stack <name|file>', 'stack spec: stacks/<name>.json or a file', 'embedded')
    .option('--run-dir <dir>', 'the folder given to up --run-dir (default: .claude-bench/stacks/<name>)')
    .action(async (opts: DownCliOptions) => {
      const { runDown } = await import('../run-down.ts');
      process.exitCode = await runDown(opts);
    });
}
