import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BenchError } from '../errors.ts';
import type { RunResult } from '../types.ts';
import { redactSecrets } from '../secrets.ts';
import { validateRunResult } from './validate.ts';

/**
 * Validate and write `results.json` into `dir`. Secrets are scrubbed from the
 * serialized text first, so no renderer downstream can leak them. The file is
 * written to a temporary name and renamed: a crash never leaves half a file.
 */
export async function writeRunResult(dir: string, result: RunResult, secrets: readonly string[]): Promise<string> {
  const checked = validateRunResult(result);
  if (!checked.ok) {
    throw new BenchError('INTERNAL', `refusing to write an invalid results.json: ${checked.errors.slice(0, 3).join('; ')}`);
  }
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'results.json');
  const text = redactSecrets(`${JSON.stringify(result, null, 2)}\n`, secrets);
  await writeFile(`${file}.tmp`, text, 'utf8');
  await rename(`${file}.tmp`, file);
  return file;
}
