import type { Command } from 'commander';

/** Options of `claude-bench report`, as commander hands them over. */
export interface ReportCliOptions {
  html?: string;
  junit?: string;
  json?: boolean;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('Validate results.json files, print their summary and write HTML / JUnit reports (several files: side by side)')
    .argument('<results...>', 'results.json files of conform or perf runs')
    .option('--html <file>', 'write a self-contained HTML report (several inputs: side by side)')
    .option('--junit <file>', 'write JUnit XML (each check and each perf verdict a testcase)')
    .option('--json', 'print the validated results as a JSON array instead of the tables')
    .action(async (files: string[], opts: ReportCliOptions) => {
      const { runReport } = await import('../run-report.ts');
      process.exitCode = await runReport(files, opts);
    });
}
