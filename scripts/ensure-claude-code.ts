/**
 * Install the pinned Claude Code CLI into claude-bench's cache (if absent)
 * and print where it is: `npx tsx scripts/ensure-claude-code.ts`.
 * CI runs it before the tests so the install time shows as its own step.
 */
import { ensureClaudeCode } from '../src/live/install.ts';
import { formatErrorLine } from '../src/errors.ts';

const started = Date.now();
try {
  const bin = await ensureClaudeCode({ onProgress: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${bin.path}\n`);
  process.stderr.write(`claude-bench: Claude Code ${bin.version} ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
} catch (err) {
  process.stderr.write(`${formatErrorLine(err)}\n`);
  process.exitCode = 1;
}
