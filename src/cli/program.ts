import { Command } from 'commander';
import { TOOL_VERSION } from '../version.ts';
import { registerConformCommand } from './commands/conform.ts';
import { registerDoctorCommand } from './commands/doctor.ts';
import { registerDownCommand } from './commands/down.ts';
import { registerUpCommand } from './commands/up.ts';
import { registerEmulateCommand } from './commands/emulate.ts';
import { registerPerfCommand } from './commands/perf.ts';
import { registerGateCommand } from './commands/gate.ts';
import { registerRecordCommand } from './commands/record.ts';
import { registerReportCommand } from './commands/report.ts';

/** Build the commander program. No side effects: tests run it in-process. */
export function createProgram(): Command {
  const program = new Command('claude-bench')
    .description('Can this local-model stack stand in for the Anthropic API under Claude Code, and how fast is it?')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerConformCommand(program);
  registerEmulateCommand(program);
  registerUpCommand(program);
  registerDownCommand(program);
  registerDoctorCommand(program);
  registerPerfCommand(program);
  registerRecordCommand(program);
  registerReportCommand(program);
  registerGateCommand(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}
