/**
 * Load a fault schedule file (`emulate --faults FILE`), checked against
 * schemas/faults.schema.json. Every problem is a BenchError BAD_CONFIG naming
 * the file, the field and what was expected.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { BenchError } from '../errors.ts';
import { describeSchemaErrors } from '../results/validate.ts';
import type { FaultRule, FaultSchedule } from './faults.ts';

/** The fault schedule JSON Schema. */
export const FAULTS_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/faults.schema.json', import.meta.url));

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    // Validate the object form; a bare list is wrapped first, so errors name one shape.
    const schema = JSON.parse(readFileSync(FAULTS_SCHEMA_PATH, 'utf8')) as { $id: string };
    const ajv = new Ajv({ allErrors: true, strict: true });
    ajv.addSchema(schema);
    const fn = ajv.getSchema(`${schema.$id}#/definitions/document`);
    if (!fn) throw new BenchError('INTERNAL', `faults schema ${FAULTS_SCHEMA_PATH} lacks definitions/document`);
    compiled = fn;
  }
  return compiled;
}

const TRIGGERS = ['at_request', 'every', 'rate'] as const;

/** Check a parsed fault schedule value; `file` names it in messages. Pure. */
export function parseFaultSchedule(value: unknown, file: string): FaultSchedule {
  const validate = validator();
  const list = Array.isArray(value);
  if (!validate(list ? { faults: value } : value)) {
    let lines = describeSchemaErrors(validate.errors);
    // A bare list was wrapped: name its fields as the file has them.
    if (list) lines = lines.map((l) => (l.startsWith('/faults') ? l.slice('/faults'.length) || '(top level)' : l));
    const unique = [...new Set(lines)].slice(0, 6);
    throw new BenchError('BAD_CONFIG', `faults ${file}: ${unique.join('; ')}`, {
      hint: 'expected a list of {kind, at_request? | every? | rate?, after_tokens?, params?} or {seed, faults: [...]} (schemas/faults.schema.json)',
    });
  }
  const doc = (list ? { faults: value } : value) as { seed?: number; faults: readonly FaultRule[] };
  const rules = doc.faults;
  for (const [i, rule] of rules.entries()) {
    const set = TRIGGERS.filter((t) => rule[t] !== undefined);
    if (set.length > 1) {
      throw new BenchError('BAD_CONFIG', `faults ${file}: /${list ? '' : 'faults/'}${i}: expected at most one of at_request, every, rate (got ${set.join(', ')})`);
    }
  }
  return { rules, ...(doc.seed !== undefined ? { seed: doc.seed } : {}) };
}

/** Read and check a fault schedule file. */
export async function loadFaultsFile(file: string): Promise<FaultSchedule> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new BenchError('BAD_CONFIG', `faults ${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'read error'})`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BenchError('BAD_CONFIG', `faults ${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  return parseFaultSchedule(value, file);
}
