import { readFile } from 'node:fs/promises';
import { BenchError } from '../errors.ts';
import { parseScript, type Script } from './script.ts';

/** Read and check a script JSON file. Throws BenchError BAD_CONFIG naming the file (and field). */
export async function loadScriptFile(path: string): Promise<Script> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    throw new BenchError('BAD_CONFIG', `script ${path}: cannot read the file (${code})`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new BenchError('BAD_CONFIG', `script ${path}: not valid JSON (${detail})`, { cause: err });
  }
  return parseScript(value, path);
}
