/**
 * Stack specs are data (stacks/<name>.json, schema schemas/stack.schema.json).
 * This module lists, loads and validates them; every error names the file,
 * the field and what was expected. Keys are environment variable NAMES,
 * resolved at start-up (resolveEnvRefs), never stored.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { BenchError } from '../errors.ts';

/** Where the built-in specs live in the repo. */
export const STACKS_DIR = fileURLToPath(new URL('../../stacks/', import.meta.url));
/** The stack spec JSON Schema. */
export const STACK_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/stack.schema.json', import.meta.url));

export type DriverName = 'docker' | 'process' | 'embedded';
export type BackendKind = 'vllm' | 'llamacpp' | 'ollama' | 'emulator';
export type GatewayKind = 'litellm' | 'claude-code-router' | 'none';

/** One command-line flag of a backend, with the reason it is there. */
export interface SpecArg {
  readonly flag: string;
  readonly value?: string;
  /** Rendered as a comment above the flag in compose files. */
  readonly why?: string;
}

export interface BackendSpec {
  readonly kind: BackendKind;
  readonly image?: string;
  readonly model: string;
  readonly served_model_name?: string;
  readonly port: number;
  readonly health: string;
  readonly args: readonly SpecArg[];
  readonly env?: Readonly<Record<string, string>>;
  readonly api_key_env?: string;
  readonly gpus?: boolean;
  readonly pull?: boolean;
  readonly why?: Readonly<Record<string, string>>;
}

export interface GatewaySpec {
  readonly kind: GatewayKind;
  readonly image?: string;
  readonly port?: number;
  readonly health?: string;
  readonly master_key_env?: string;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly why?: Readonly<Record<string, string>>;
}

export interface ClientSpec {
  readonly model: string;
  readonly api_key_env?: string;
  readonly auth: 'x-api-key' | 'bearer';
  readonly env: Readonly<Record<string, string>>;
  readonly command: readonly string[];
}

export interface RouteSpec {
  readonly kind: 'nginx' | 'mitmproxy';
  readonly variant: 'guide' | 'corrected';
  readonly port: number;
}

export interface TuningSpec {
  readonly says: string;
  readonly backend_args: readonly SpecArg[];
}

/** A validated stack spec. */
export interface StackSpec {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly driver: DriverName;
  readonly drivers: readonly DriverName[];
  readonly ran_here: string;
  readonly backend: BackendSpec;
  readonly gateway: GatewaySpec;
  readonly client: ClientSpec;
  readonly routes?: readonly RouteSpec[];
  readonly tuning?: readonly TuningSpec[];
}

/** A spec and the file it came from. */
export interface LoadedSpec {
  readonly spec: StackSpec;
  readonly file: string;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    compiled = ajv.compile(JSON.parse(readFileSync(STACK_SCHEMA_PATH, 'utf8')) as object);
  }
  return compiled;
}

/** `/backend/args/2/flag` → `backend.args[2].flag`. */
function fieldName(pointer: string, child?: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  let out = '';
  for (const part of parts) out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  return out === '' ? '(top level)' : out;
}

/** What a schema error expected, in words. */
function expected(e: ErrorObject): { field: string; what: string } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { field: fieldName(e.instancePath, String(p['missingProperty'])), what: 'is required' };
    case 'additionalProperties':
      return { field: fieldName(e.instancePath, String(p['additionalProperty'])), what: 'is not a known field' };
    case 'type':
      return { field: fieldName(e.instancePath), what: `expected ${String(p['type'])}` };
    case 'enum':
      return { field: fieldName(e.instancePath), what: `expected one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'pattern':
      return { field: fieldName(e.instancePath), what: `expected a string matching ${String(p['pattern'])}` };
    case 'minimum':
    case 'maximum':
      return { field: fieldName(e.instancePath), what: `expected a number ${e.keyword === 'minimum' ? '≥' : '≤'} ${String(p['limit'])}` };
    default:
      return { field: fieldName(e.instancePath), what: `expected ${e.message ?? 'a valid value'}` };
  }
}

function specError(file: string, field: string, what: string): BenchError {
  return new BenchError('BAD_CONFIG', `${file}: ${field}: ${what}`, { hint: 'see schemas/stack.schema.json' });
}

/**
 * Validate parsed JSON as a stack spec. `file` is used in messages only.
 * Throws BenchError BAD_CONFIG naming the file, the field and what was
 * expected (the first problem; schema problems before semantic ones).
 */
export function validateStackSpec(data: unknown, file: string): StackSpec {
  const validate = validator();
  if (!validate(data)) {
    const first = (validate.errors ?? [])[0];
    if (!first) throw specError(file, '(top level)', 'is not a valid stack spec');
    const { field, what } = expected(first);
    throw specError(file, field, what);
  }
  const spec = data as unknown as StackSpec;
  const base = path.basename(file).replace(/\.json$/, '');
  if (file.endsWith('.json') && base !== spec.name) throw specError(file, 'name', `expected "${base}" (the file name)`);
  if (!spec.drivers.includes(spec.driver)) throw specError(file, 'driver', `expected one of drivers (${spec.drivers.join(', ')})`);
  const embedded = spec.drivers.includes('embedded');
  if (embedded !== (spec.backend.kind === 'emulator')) {
    throw specError(file, 'backend.kind', embedded ? 'expected "emulator" for the embedded driver' : 'expected a real backend: "emulator" runs only with the embedded driver');
  }
  if (spec.gateway.kind !== 'none' && spec.gateway.port === undefined && !embedded) throw specError(file, 'gateway.port', 'is required when gateway.kind is not "none"');
  if (spec.gateway.kind !== 'none' && spec.gateway.health === undefined) throw specError(file, 'gateway.health', 'is required when gateway.kind is not "none"');
  if (spec.drivers.includes('docker')) {
    if (spec.backend.image === undefined) throw specError(file, 'backend.image', 'is required for the docker driver');
    if (spec.gateway.kind !== 'none' && spec.gateway.image === undefined) throw specError(file, 'gateway.image', 'is required for the docker driver');
  }
  for (const [i, a] of spec.backend.args.entries()) {
    if (a.value !== undefined && a.value.startsWith('--')) throw specError(file, `backend.args[${i}].value`, `expected a value, got the flag "${a.value}" (one flag per entry)`);
  }
  return spec;
}

/** Names of the built-in specs, sorted. */
export function listStackSpecs(dir = STACKS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * Load a spec by built-in name (`vllm-litellm`) or by file path (anything
 * with a slash or ending in .json). Unknown names are a usage error listing
 * the known ones.
 */
export function loadStackSpec(nameOrFile: string, dir = STACKS_DIR): LoadedSpec {
  const isFile = nameOrFile.includes('/') || nameOrFile.includes(path.sep) || nameOrFile.endsWith('.json');
  let file: string;
  if (isFile) {
    file = path.resolve(nameOrFile);
  } else {
    const known = listStackSpecs(dir);
    if (!known.includes(nameOrFile)) {
      throw new BenchError('BAD_USAGE', `unknown stack '${nameOrFile}'`, { hint: `known stacks: ${known.join(', ')}; or give a spec file path` });
    }
    file = path.join(dir, `${nameOrFile}.json`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BenchError('BAD_INPUT', `cannot read stack spec ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new BenchError('BAD_CONFIG', `${displayPath(file)}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return { spec: validateStackSpec(data, displayPath(file)), file };
}

/** A path relative to the working directory when inside it (shorter messages). */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

// ─── Environment references ──────────────────────────────────────────────────

const REF = /\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}/g;

/** Variable names referenced as `${NAME}` (compose syntax, defaults allowed) in `text`. */
export function envRefs(text: string): string[] {
  return [...text.matchAll(REF)].map((m) => m[1] ?? '');
}

/**
 * Replace `${NAME}`, `${NAME:-default}` and `${NAME:?message}` with values
 * from `env`, as docker compose does. A missing variable without a default
 * throws BAD_CONFIG naming it and what it is for.
 */
export function resolveEnvRefs(text: string, env: NodeJS.ProcessEnv, what: string): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (_m, name: string, colon: string | undefined, op: string | undefined, rest: string | undefined) => {
    const value = env[name];
    const unset = value === undefined || (colon === ':' && value === '');
    if (!unset) return value ?? '';
    if (op === '-') return rest ?? '';
    throw new BenchError('BAD_CONFIG', `${what} needs the environment variable ${name}${op === '?' && rest ? ` (${rest})` : ''}`, {
      hint: `export ${name}=… before starting the stack`,
    });
  });
}

/** The value of a required key variable, or BAD_CONFIG naming it. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv, what: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new BenchError('BAD_CONFIG', `${what} needs the environment variable ${name}`, { hint: `export ${name}=… (the key is read from the environment, never from the spec)` });
  }
  return value;
}

/** The backend's context window in tokens as the spec sets it (null: the backend's own default). */
export function contextWindow(kind: BackendKind, args: readonly SpecArg[], env: Readonly<Record<string, string>> = {}): number | null {
  const flags = kind === 'llamacpp' ? ['-c', '--ctx-size'] : kind === 'ollama' ? [] : ['--max-model-len'];
  for (const a of [...args].reverse()) {
    if (flags.includes(a.flag) && a.value !== undefined) {
      const n = Number(a.value);
      if (Number.isFinite(n)) return n;
    }
  }
  if (kind === 'ollama' && env['OLLAMA_CONTEXT_LENGTH'] !== undefined) {
    const n = Number(env['OLLAMA_CONTEXT_LENGTH']);
    if (Number.isFinite(n)) return n;
  }
  return null;
}

/** True when `args` holds `flag` (with any value). */
export function hasFlag(args: readonly SpecArg[], flag: string): boolean {
  return args.some((a) => a.flag === flag);
}

/** The value of `flag` in `args`, last one wins. */
export function flagValue(args: readonly SpecArg[], flag: string): string | undefined {
  let out: string | undefined;
  for (const a of args) if (a.flag === flag) out = a.value;
  return out;
}
