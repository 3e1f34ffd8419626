/**
 * Reading results files for `report` and `gate`: every input is parsed and
 * validated against the RunResult schema, and a bad one is refused with a
 * message naming the file, the JSON path and what was expected (exit 2).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BenchError } from '../errors.ts';
import { validateRunResult } from '../results/validate.ts';
import { RESULT_SCHEMA_VERSION, type RunResult } from '../types.ts';

/** Most schema errors spelled out in one message. */
const MAX_ERRORS_SHOWN = 5;

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** Parse JSON, turning a syntax error into a BAD_INPUT naming the file and the line. */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(message);
    const where = pos ? ` at ${lineColumn(text, Number(pos[1]))}` : '';
    throw new BenchError('BAD_INPUT', `${file} is not valid JSON${where}: ${message.replace(/ in JSON at position \d+.*$/, '')}`, {
      hint: 'pass a results.json written by claude-bench conform or perf',
    });
  }
}

/** Check a parsed value is a RunResult this version reads; throws BAD_INPUT with file, JSON path and expectation. */
export function checkRunResult(value: unknown, file: string): RunResult {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const version = (value as Record<string, unknown>)['schema_version'];
    if (version !== undefined && version !== RESULT_SCHEMA_VERSION) {
      throw new BenchError('BAD_INPUT', `${file}: /schema_version is ${JSON.stringify(version)}, expected "${RESULT_SCHEMA_VERSION}"`, {
        hint: 'the file was written by another claude-bench version',
      });
    }
  }
  const checked = validateRunResult(value);
  if (checked.ok) return checked.result;
  const shown = checked.errors.slice(0, MAX_ERRORS_SHOWN);
  const more = checked.errors.length > shown.length ? `; and ${checked.errors.length - shown.length} more` : '';
  throw new BenchError('BAD_INPUT', `${file} is not a valid claude-bench results file: ${shown.join('; ')}${more}`, {
    hint: 'see schemas/run-result.schema.json',
  });
}

/** Read, parse and validate one results.json. */
export async function loadRunResult(file: string): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new BenchError('BAD_INPUT', `cannot read ${file}: ${why}`, { hint: 'pass the results.json of a claude-bench run' });
  }
  return checkRunResult(parseJsonFile(text, file), file);
}

/**
 * requests.jsonl next to a results.json, or null when there is none, or when
 * `needed` is false (perf logs can be large: read only when a check cites a request).
 */
export async function loadRequestsNextTo(resultsFile: string, needed = true): Promise<string | null> {
  if (!needed) return null;
  try {
    return await readFile(path.join(path.dirname(resultsFile), 'requests.jsonl'), 'utf8');
  } catch {
    return null;
  }
}
