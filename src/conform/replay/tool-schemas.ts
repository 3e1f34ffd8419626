/**
 * Validate the tool calls of an answer against the tools the replayed
 * request offered: the name must be one of them and the input must satisfy
 * its `input_schema` (JSON Schema; Claude Code's are draft 2020-12).
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { quote } from '../evidence.ts';
import { isObject } from '../json.ts';

// ajv-formats ships CommonJS; under NodeNext its default import is the module object.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

/** A tool call as the answer delivered it. */
export interface ToolCall {
  readonly name: unknown;
  /** The parsed input; undefined when it did not parse (reported by the stream checker). */
  readonly input: unknown;
}

/** A tool the request offered: its name and input schema (absent for server tools). */
export interface OfferedTool {
  readonly name: string;
  readonly schema: unknown;
}

/** The tools of a request body (`tools[]` entries with a string name). */
export function offeredTools(body: unknown): OfferedTool[] {
  if (!isObject(body) || !Array.isArray(body['tools'])) return [];
  return body['tools'].filter(isObject).flatMap((t) => (typeof t['name'] === 'string' ? [{ name: t['name'], schema: t['input_schema'] }] : []));
}

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction | string>();

/** A validator for `schema`, or the reason it cannot be compiled. */
function validatorFor(schema: unknown): ValidateFunction | string {
  const key = JSON.stringify(schema);
  const known = compiled.get(key);
  if (known !== undefined) return known;
  if (!ajv) {
    ajv = new Ajv2020({ strict: false, allErrors: true, logger: false, validateFormats: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  }
  let result: ValidateFunction | string;
  try {
    // `$schema` may name a draft this instance does not carry; the keywords are what matter.
    const { $schema: _ignored, ...rest } = isObject(schema) ? schema : {};
    result = ajv.compile(rest);
  } catch (err) {
    result = err instanceof Error ? err.message : String(err);
  }
  compiled.set(key, result);
  return result;
}

function describe(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 3)
    .map((e) => {
      const extra = e.keyword === 'additionalProperties' ? ` '${String((e.params as { additionalProperty?: unknown }).additionalProperty)}'` : '';
      return `${e.instancePath === '' ? 'input' : `input${e.instancePath}`} ${e.message ?? 'is invalid'}${extra}`;
    })
    .join('; ');
}

/** The outcome of validating an answer's tool calls. */
export interface ToolCallReport {
  /** What is wrong, one sentence per call; empty when every call is valid. */
  readonly problems: readonly string[];
  /** Names of the calls whose input was validated against a schema and held. */
  readonly valid: readonly string[];
  /** Calls that could not be validated (no schema, or a schema ajv cannot compile), with why. */
  readonly unchecked: readonly string[];
}

/** Check each call's name against the offered tools and its input against that tool's schema. */
export function checkToolCalls(calls: readonly ToolCall[], tools: readonly OfferedTool[]): ToolCallReport {
  const problems: string[] = [];
  const valid: string[] = [];
  const unchecked: string[] = [];
  for (const call of calls) {
    const tool = typeof call.name === 'string' ? tools.find((t) => t.name === call.name) : undefined;
    if (!tool) {
      problems.push(`a tool_use names ${quote(call.name)}, which the request did not offer (offered: ${tools.map((t) => t.name).join(', ') || 'none'})`);
      continue;
    }
    // Unparseable input is already a stream violation (tool-input-not-json).
    if (call.input === undefined) continue;
    if (!isObject(call.input)) {
      problems.push(`the ${tool.name} tool_use input is ${quote(call.input)}, not a JSON object`);
      continue;
    }
    if (!isObject(tool.schema)) {
      unchecked.push(`${tool.name} (no input_schema)`);
      continue;
    }
    const validate = validatorFor(tool.schema);
    if (typeof validate === 'string') {
      unchecked.push(`${tool.name} (its input_schema does not compile: ${validate})`);
      continue;
    }
    if (validate(call.input)) valid.push(tool.name);
    else problems.push(`the ${tool.name} tool_use input does not match its input_schema: ${describe(validate.errors)} (input ${quote(call.input)})`);
  }
  return { problems, valid, unchecked };
}
