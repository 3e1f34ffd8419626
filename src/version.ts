import { readFileSync } from 'node:fs';

/** claude-bench's own version, from package.json (stamped into every result). */
export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
