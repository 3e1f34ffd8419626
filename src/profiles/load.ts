/**
 * Load hardware profiles: by id from the repo's profiles/ folder, or from any
 * JSON file. A profile is checked against schemas/profile.schema.json, its
 * thresholds are parsed, and its figures are cross-checked (active ≤ total
 * params, the weights fit the GPUs, the emulator's timing model does not beat
 * the hardware's physical ceiling). Every problem is a BenchError BAD_CONFIG
 * naming the file, the field and what was expected.
 */
import { readFile, readdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { BenchError } from '../errors.ts';
import { describeSchemaErrors } from '../results/validate.ts';
import { profileCeiling } from './ceiling.ts';
import { parseThreshold } from './threshold.ts';
import type { Profile, ProfileSummary, ProfileTarget, ProfileTargetSpec } from './types.ts';

/** The repo's profiles folder. */
export const PROFILES_DIR = fileURLToPath(new URL('../../profiles/', import.meta.url));
/** The profile JSON Schema. */
export const PROFILE_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/profile.schema.json', import.meta.url));

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(PROFILE_SCHEMA_PATH, 'utf8')) as object);
  return compiled;
}

/**
 * Load a profile by id (`e5-2680` → profiles/e5-2680.json) or by path (any
 * argument with a slash or ending in .json).
 */
export async function loadProfile(idOrPath: string): Promise<Profile> {
  const file = resolveProfileFile(idOrPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !looksLikePath(idOrPath)) {
      const ids = await availableIds();
      throw new BenchError('BAD_CONFIG', `profile '${idOrPath}' not found in ${display(PROFILES_DIR)}`, {
        hint: ids.length > 0 ? `available: ${ids.join(', ')}; or give a path to a profile .json` : 'give a path to a profile .json',
      });
    }
    throw new BenchError('BAD_CONFIG', `profile ${display(file)}: cannot read it (${code ?? String(err)})`, { cause: err });
  }
  return parseProfile(text, file);
}

/** Every profile in profiles/, sorted by id. A broken file throws (naming it). */
export async function listProfiles(): Promise<ProfileSummary[]> {
  const out: ProfileSummary[] = [];
  for (const id of await availableIds()) {
    const p = await loadProfile(id);
    out.push({ id: p.id, title: p.title, model: p.model.id, file: p.file });
  }
  return out;
}

/** Parse and check a profile's JSON text; `file` is used in messages and as Profile.file. */
export function parseProfile(text: string, file: string): Profile {
  const where = `profile ${display(file)}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BenchError('BAD_CONFIG', `${where}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const validate = validator();
  if (!validate(value)) {
    const problems = describeSchemaErrors(validate.errors);
    throw problemsError(where, problems);
  }
  const raw = value as Omit<Profile, 'targets' | 'file'> & { readonly targets: readonly ProfileTargetSpec[]; readonly $schema?: string };
  const problems: string[] = [];
  const targets: ProfileTarget[] = [];
  const seen = new Set<string>();
  raw.targets.forEach((t, i) => {
    const parsed = parseThreshold(t.threshold);
    if (typeof parsed === 'string') problems.push(`/targets/${i}/threshold: ${parsed}`);
    else targets.push({ ...t, parsed });
    if (seen.has(t.id)) problems.push(`/targets/${i}/id: '${t.id}' is used twice (expected unique ids)`);
    seen.add(t.id);
    if (t.documented_range && t.documented_range[0] > t.documented_range[1]) {
      problems.push(`/targets/${i}/documented_range: expected [low, high], got [${t.documented_range.join(', ')}]`);
    }
  });
  problems.push(...crossChecks(raw, file));
  if (problems.length > 0) throw problemsError(where, problems);
  const { $schema: _schema, ...rest } = raw;
  return { ...rest, targets, file: path.resolve(file) };
}

/** Checks a schema cannot express: figures that contradict each other or physics. */
function crossChecks(p: Omit<Profile, 'targets' | 'file'>, file: string): string[] {
  const problems: string[] = [];
  const m = p.model;
  if (m.active_params > m.params) problems.push(`/model/active_params: expected at most params (${m.params}), got ${m.active_params}`);
  if (m.architecture === 'dense' && m.active_params !== m.params) {
    problems.push(`/model/active_params: a dense model uses every parameter (expected ${m.params}), got ${m.active_params}`);
  }
  if (m.architecture === 'moe' && m.active_params >= m.params) {
    problems.push(`/model/active_params: a MoE model activates fewer parameters than it has (expected < ${m.params})`);
  }
  if (path.resolve(path.dirname(file)) === path.resolve(PROFILES_DIR) && path.basename(file, '.json') !== p.id) {
    problems.push(`/id: expected '${path.basename(file, '.json')}' (the file name), got '${p.id}'`);
  }
  if (problems.length > 0) return problems;
  const ceiling = profileCeiling(p);
  if (ceiling.kv_cache_tokens <= 0) {
    problems.push(
      `/hardware/gpu/memory_gb: the weights (${(ceiling.weight_bytes / 1e9).toFixed(1)} GB) do not fit ${p.hardware.gpu.count} × ${p.hardware.gpu.memory_gb} GB at gpu_memory_utilization ${p.vllm.gpu_memory_utilization} (expected room for a KV cache)`,
    );
  }
  const e = p.emulator;
  const decode = 1000 / e.decode_step_ms;
  if (decode > ceiling.decode_tokens_per_s_per_stream) {
    problems.push(
      `/emulator/decode_step_ms: ${e.decode_step_ms} ms = ${decode.toFixed(1)} tokens/s beats the hardware's decode ceiling of ${ceiling.decode_tokens_per_s_per_stream.toFixed(1)} tokens/s (expected ≥ ${(1000 / ceiling.decode_tokens_per_s_per_stream).toFixed(1)} ms)`,
    );
  }
  if (e.prefill_tokens_per_s > ceiling.prefill_tokens_per_s) {
    problems.push(
      `/emulator/prefill_tokens_per_s: ${e.prefill_tokens_per_s} beats the hardware's prefill ceiling (expected ≤ ${Math.floor(ceiling.prefill_tokens_per_s)})`,
    );
  }
  if (p.vllm.max_num_batched_tokens < p.vllm.max_num_seqs) {
    problems.push(`/vllm/max_num_batched_tokens: expected ≥ max_num_seqs (${p.vllm.max_num_seqs}), got ${p.vllm.max_num_batched_tokens}`);
  }
  return problems;
}

function problemsError(where: string, problems: readonly string[]): BenchError {
  const [first = 'invalid'] = problems;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new BenchError('BAD_CONFIG', `${where}: ${first}${more}`, {
    hint: problems.length > 1 ? problems.join('; ') : 'see profiles/README.md and schemas/profile.schema.json',
  });
}

/** The file a profile argument names. */
export function resolveProfileFile(idOrPath: string): string {
  return looksLikePath(idOrPath) ? path.resolve(idOrPath) : path.join(PROFILES_DIR, `${idOrPath}.json`);
}

function looksLikePath(value: string): boolean {
  return value.includes('/') || value.includes('\\') || value.endsWith('.json');
}

async function availableIds(): Promise<string[]> {
  try {
    const names = await readdir(PROFILES_DIR);
    return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length)).sort();
  } catch {
    return [];
  }
}

/** A path as the user would like to read it: relative to the working folder when inside it. */
function display(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
