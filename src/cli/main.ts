import { CommanderError } from 'commander';
import { EXIT, formatErrorLine, isBenchError } from '../errors.ts';
import { createProgram } from './program.ts';

/**
 * The one place that turns errors into output and exit codes. Everything
 * below sets `process.exitCode` and returns; nothing calls process.exit
 * in the middle of work.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
    if (err instanceof CommanderError) return; // commander already printed its one line (or the help)
    process.stderr.write(`${formatErrorLine(err)}\n`);
    if (process.env['CLAUDE_BENCH_DEBUG'] && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (isBenchError(err)) return err.exitCode;
  return EXIT.internal;
}
