import type { Command } from 'commander';

/** Options of `claude-bench gate`, as commander hands them over. */
export interface GateCliOptions {
  baseline: string;
  current?: string;
  thresholds?: string;
  threshold?: string[];
  allowDifferentEnv?: boolean;
  html?: string;
  json?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerGateCommand(program: Command): void {
  program
    .command('gate')
    .description('Compare a run against a baseline: exit 1 on a conformance or perf regression beyond run-to-run noise')
    .requiredOption('--baseline <file>', 'results.json to compare against (e.g. reports/baselines/conform-embedded.json)')
    .option('--current <file>', 'results.json of the run to judge (default: the newest reports/*/results.json)')
    .option('--thresholds <file>', 'JSON file {"thresholds": {"ttft_ms": ["p(95)<+10%"], …}, "noise": {…}}; listed metrics replace the defaults')
    .option('--threshold <metric:expr>', "one threshold, e.g. 'ttft_ms:p(95)<+20%' (repeatable; replaces that metric's list)", collect)
    .option('--allow-different-env', 'compare even when the target kind, emulation or (for perf) the machine differ')
    .option('--html <file>', "write the current run's HTML report with the gate's comparison in it")
    .option('--json', 'print the gate result as JSON instead of the table')
    .action(async (opts: GateCliOptions) => {
      const { runGate } = await import('../run-gate.ts');
      process.exitCode = await runGate(opts);
    });
}
