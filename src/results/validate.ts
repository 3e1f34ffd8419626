import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { RunResult } from '../types.ts';

// ajv-formats ships CommonJS; under NodeNext its default import is the module object.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

/** Where the RunResult JSON Schema lives in the repo. */
export const RUN_RESULT_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/run-result.schema.json', import.meta.url));

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    compiled = ajv.compile(JSON.parse(readFileSync(RUN_RESULT_SCHEMA_PATH, 'utf8')) as object);
  }
  return compiled;
}

/** One readable line per schema error, e.g. `/conformance/checks/3/status: must be equal to one of the allowed values (pass, fail, …)`. */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath === '' ? '(top level)' : e.instancePath;
    const allowed =
      e.keyword === 'enum'
        ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`
        : e.keyword === 'const'
          ? ` (${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)})`
          : '';
    const extra = e.keyword === 'additionalProperties' ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'` : '';
    return `${where}: ${e.message ?? 'invalid'}${extra}${allowed}`;
  });
}

/** Validate a value against the RunResult schema. */
export function validateRunResult(value: unknown): { ok: true; result: RunResult } | { ok: false; errors: string[] } {
  const validate = validator();
  if (validate(value)) return { ok: true, result: value as RunResult };
  return { ok: false, errors: describeSchemaErrors(validate.errors) };
}
