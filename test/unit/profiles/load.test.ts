import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { PROFILES_DIR, listProfiles, loadProfile, parseProfile } from '../../../src/profiles/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'profiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shipped = JSON.parse(readFileSync(join(PROFILES_DIR, 'e5-2680.json'), 'utf8')) as Record<string, any>;

/** Write a variant of the shipped e5-2680 profile and return its path. */
function variant(name: string, change: (p: Record<string, any>) => void): string {
  const copy = structuredClone(shipped);
  change(copy);
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(copy));
  return file;
}

async function failure(idOrPath: string): Promise<BenchError> {
  const err = await loadProfile(idOrPath).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(BenchError);
  expect((err as BenchError).code).toBe('BAD_CONFIG');
  return err as BenchError;
}

describe('shipped profiles', () => {
  it('e5-2680 loads with the guide\'s figures and flags', async () => {
    const p = await loadProfile('e5-2680');
    expect(p.model).toMatchObject({ id: 'Qwen/Qwen2.5-Coder-32B-Instruct', params: 32.5e9, active_params: 32.5e9, bytes_per_param: 2, dtype: 'bf16' });
    expect(p.vllm).toMatchObject({ max_model_len: 8192, max_num_seqs: 10, args: ['--max-model-len', '8192', '--max-num-seqs', '10'] });
    expect(p.hardware.cpu.name).toContain('E5-2680');
    expect(p.hardware.gpu.assumed).toBe(true);
    const byId = new Map(p.targets.map((t) => [t.id, t]));
    expect(byId.get('ttft_p95_ms')).toMatchObject({ documented: 'TTFT 2–4 s', parsed: { stat: 'p', percentile: 95, op: '<=', value: 4000 } });
    expect(byId.get('output_tokens_per_s_p50')).toMatchObject({ documented: '8–12 tokens/s per user', parsed: { op: '>=', value: 8 } });
    expect(byId.get('max_users')).toMatchObject({ documented: '3–5 concurrent users', scope: 'capacity', parsed: { stat: 'value', value: 3 } });
    expect(byId.get('e2el_p99_ms')).toMatchObject({ documented: 'any response < 30 s', parsed: { op: '<', value: 30000 } });
    expect(p.file).toBe(join(PROFILES_DIR, 'e5-2680.json'));
  });

  it('the DeepSeek variant is a MoE with its own targets', async () => {
    const p = await loadProfile('e5-2680-deepseek-coder-v2-lite');
    expect(p.model).toMatchObject({ architecture: 'moe', params: 15.7e9, active_params: 2.4e9 });
    expect(p.targets.map((t) => [t.id, t.documented])).toContainEqual(['ttft_p95_ms', 'TTFT 1–2 s']);
    expect(p.targets.map((t) => [t.id, t.documented])).toContainEqual(['output_tokens_per_s_p50', '12–18 tokens/s per user']);
    expect(p.targets.map((t) => [t.id, t.documented])).toContainEqual(['max_users', '5–8 concurrent users']);
  });

  it('listProfiles lists both, sorted', async () => {
    const list = await listProfiles();
    expect(list.map((p) => p.id)).toEqual(['e5-2680', 'e5-2680-deepseek-coder-v2-lite']);
    expect(list[1]?.model).toBe('deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct');
  });

  it('loads by path as well as by id', async () => {
    const p = await loadProfile(join(PROFILES_DIR, 'e5-2680.json'));
    expect(p.id).toBe('e5-2680');
  });
});

describe('broken profiles: the error names the file, the field and what was expected', () => {
  it('an unknown id lists the available ones', async () => {
    const err = await failure('e5-2690');
    expect(err.message).toContain("profile 'e5-2690' not found");
    expect(err.hint).toContain('e5-2680');
  });

  it('a missing file by path', async () => {
    const err = await failure(join(dir, 'absent.json'));
    expect(err.message).toContain('absent.json');
    expect(err.message).toContain('ENOENT');
  });

  it('invalid JSON', async () => {
    const file = join(dir, 'bad-json.json');
    writeFileSync(file, '{ "id": ');
    const err = await failure(file);
    expect(err.message).toContain('bad-json.json');
    expect(err.message).toContain('not valid JSON');
  });

  it('a field of the wrong type', async () => {
    const err = await failure(variant('wrong-type', (p) => (p['vllm']['max_num_seqs'] = 'ten')));
    expect(err.message).toContain('wrong-type.json');
    expect(err.message).toContain('/vllm/max_num_seqs');
    expect(err.message).toContain('must be integer');
  });

  it('a missing field', async () => {
    const err = await failure(variant('missing', (p) => delete p['model']['active_params']));
    expect(err.message).toContain('missing.json');
    expect(err.message).toContain("must have required property 'active_params'");
  });

  it('an unknown field', async () => {
    const err = await failure(variant('extra', (p) => (p['hardware']['gpu']['tflops'] = 1)));
    expect(err.message).toMatch(/\/hardware\/gpu: must NOT have additional properties 'tflops'/);
  });

  it('a malformed threshold', async () => {
    const err = await failure(variant('threshold', (p) => (p['targets'][0]['threshold'] = 'p95 under 4s')));
    expect(err.message).toContain('/targets/0/threshold');
    expect(err.message).toContain('expected e.g. "p(95)<=4000"');
  });

  it('an emulator faster than the hardware\'s ceiling', async () => {
    const err = await failure(variant('too-fast', (p) => (p['emulator']['decode_step_ms'] = 20)));
    expect(err.message).toContain('/emulator/decode_step_ms');
    expect(err.message).toMatch(/beats the hardware's decode ceiling of 21\.4 tokens\/s/);
  });

  it('a dense model whose active params differ from its params, and several problems at once', async () => {
    const err = await failure(
      variant('dense', (p) => {
        p['model']['active_params'] = 3e9;
        p['targets'][1]['id'] = p['targets'][0]['id'];
      }),
    );
    expect(err.message).toContain('dense.json');
    expect(err.message).toContain('(and 1 more)');
    expect(err.hint).toContain('/model/active_params');
    expect(err.hint).toContain("'ttft_p95_ms' is used twice");
  });

  it('weights that do not fit the GPUs', async () => {
    const err = await failure(variant('too-big', (p) => (p['hardware']['gpu']['memory_gb'] = 24)));
    expect(err.message).toContain('/hardware/gpu/memory_gb');
    expect(err.message).toContain('do not fit');
  });

  it('parseProfile checks text without touching the disk', () => {
    expect(() => parseProfile('[]', 'inline.json')).toThrow(/inline\.json: \(top level\): must be object/);
  });
});
