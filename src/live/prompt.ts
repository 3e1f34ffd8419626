/**
 * The task the live-client suite gives Claude Code, and what its outcome
 * must look like. The emulator's script (fixtures/scripts/
 * claude-code-write-run-read.json) plays the model's part with the same
 * values; a real model gets the same prompt and must do the same.
 */
import { fileURLToPath } from 'node:url';

/** In every live prompt; the emulator's script rules match only requests that carry it. */
export const LIVE_MARKER = '[claude-bench live-client]';
/** The file Claude Code must write, relative to its working folder. */
export const LIVE_FILE = 'hello.mjs';
/** Its one line of content. The output below appears only if it is run (6 * 7 is computed). */
export const LIVE_SOURCE = 'console.log("claude-bench live " + 6 * 7)';
/** What running it prints. */
export const LIVE_OUTPUT = 'claude-bench live 42';

/** The prompt: write, run, read, answer. */
export const LIVE_PROMPT = [
  `${LIVE_MARKER} In the current directory, create a file named ${LIVE_FILE} whose entire content is this one line:`,
  LIVE_SOURCE,
  `Then run it with the Bash tool, using the command: node ${LIVE_FILE}`,
  `Then read ${LIVE_FILE} back with the Read tool.`,
  'Finally, reply with the exact line the program printed.',
].join('\n');

/** The emulator script that plays the model's part for LIVE_PROMPT. */
export const LIVE_SCRIPT_PATH = fileURLToPath(new URL('../../fixtures/scripts/claude-code-write-run-read.json', import.meta.url));
