import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { contextWindow, listStackSpecs, loadStackSpec, resolveEnvRefs, validateStackSpec } from '../../../src/stack/spec.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-specs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const { spec: base } = loadStackSpec('vllm-litellm');

/** A deep copy of the valid spec with one change. */
function variant(change: (s: Record<string, any>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, any>;
  change(copy);
  return copy;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BenchError);
    return (err as BenchError).message;
  }
  throw new Error('expected a BenchError');
}

describe('built-in stack specs', () => {
  it('lists every stack the issue asks for, and each one validates', () => {
    const names = listStackSpecs();
    expect(names).toEqual(
      expect.arrayContaining(['vllm-litellm', 'vllm-native', 'llamacpp', 'ollama', 'claude-code-router', 'embedded', 'embedded-guide', 'guide-original']),
    );
    for (const name of names) expect(loadStackSpec(name).spec.name).toBe(name);
  });

  it('keeps keys out of the specs: only variable names and ${VAR} references', () => {
    for (const name of listStackSpecs()) {
      const { spec } = loadStackSpec(name);
      for (const value of Object.values(spec.gateway.env ?? {})) expect(value).toMatch(/^\$\{[A-Z_]+:\?[^}]*\}$/);
      for (const value of Object.values(spec.client.env)) expect(value).not.toMatch(/^sk-/);
    }
  });

  it('reads each backend window the way the backend does', () => {
    expect(contextWindow('vllm', loadStackSpec('guide-original').spec.backend.args)).toBe(8192);
    expect(contextWindow('llamacpp', loadStackSpec('llamacpp').spec.backend.args)).toBe(65536);
    const ollama = loadStackSpec('ollama').spec.backend;
    expect(contextWindow('ollama', ollama.args, ollama.env)).toBe(65536);
    expect(contextWindow('ollama', [])).toBeNull();
  });
});

describe('spec errors name the file, the field and what was expected', () => {
  it('a missing field', () => {
    expect(messageOf(() => validateStackSpec(variant((s) => delete s['backend'].port), 'stacks/x.json'))).toBe('stacks/x.json: backend.port: is required');
  });

  it('a wrong type', () => {
    expect(messageOf(() => validateStackSpec(variant((s) => (s['backend'].port = '8000')), 'vllm-litellm.json'))).toBe('vllm-litellm.json: backend.port: expected integer');
  });

  it('an out-of-range number', () => {
    expect(messageOf(() => validateStackSpec(variant((s) => (s['gateway'].port = 70000)), 'vllm-litellm.json'))).toBe('vllm-litellm.json: gateway.port: expected a number ≤ 65535');
  });

  it('a value outside an enum', () => {
    expect(messageOf(() => validateStackSpec(variant((s) => (s['backend'].kind = 'tgi')), 'vllm-litellm.json'))).toBe(
      'vllm-litellm.json: backend.kind: expected one of "vllm", "llamacpp", "ollama", "emulator"',
    );
  });

  it('an unknown field, deep inside an array', () => {
    expect(messageOf(() => validateStackSpec(variant((s) => (s['backend'].args[0].vaule = '1')), 'vllm-litellm.json'))).toBe('vllm-litellm.json: backend.args[0].vaule: is not a known field');
  });

  it('a key variable that is not a variable name', () => {
    expect(messageOf(() => validateStackSpec(variant((s) => (s['gateway'].master_key_env = 'sk-1234')), 'vllm-litellm.json'))).toBe(
      'vllm-litellm.json: gateway.master_key_env: expected a string matching ^[A-Z_][A-Z0-9_]*$',
    );
  });

  it('a default driver the spec does not list', () => {
    expect(messageOf(() => validateStackSpec(variant((s) => (s['driver'] = 'embedded')), 'vllm-litellm.json'))).toBe('vllm-litellm.json: driver: expected one of drivers (docker, process)');
  });

  it('two values in one flag entry', () => {
    expect(messageOf(() => validateStackSpec(variant((s) => s['backend'].args.push({ flag: '--enable-auto-tool-choice', value: '--tool-call-parser' })), 'vllm-litellm.json'))).toBe(
      'vllm-litellm.json: backend.args[7].value: expected a value, got the flag "--tool-call-parser" (one flag per entry)',
    );
  });

  it('a file whose name differs from its spec name, and a file that is not JSON', () => {
    const renamed = path.join(work, 'other.json');
    writeFileSync(renamed, JSON.stringify(base));
    expect(messageOf(() => loadStackSpec(renamed))).toMatch(/other\.json: name: expected "other" \(the file name\)$/);
    const broken = path.join(work, 'broken.json');
    writeFileSync(broken, '{ "name": ');
    expect(messageOf(() => loadStackSpec(broken))).toMatch(/broken\.json: not valid JSON/);
  });

  it('an unknown stack name lists the known ones, with usage exit code 2', () => {
    let caught: BenchError | undefined;
    try {
      loadStackSpec('nginx-guide');
    } catch (err) {
      caught = err as BenchError;
    }
    expect(caught?.code).toBe('BAD_USAGE');
    expect(caught?.exitCode).toBe(2);
    expect(caught?.hint).toContain('embedded, embedded-guide');
  });
});

describe('resolveEnvRefs', () => {
  it('fills ${VAR}, ${VAR:-default} and ${VAR:?message} as compose does', () => {
    const env = { KEY: 'k1', EMPTY: '' };
    expect(resolveEnvRefs('${KEY}/${MISSING:-d}/${EMPTY:-e}', env, 'x')).toBe('k1/d/e');
    expect(() => resolveEnvRefs('${MISSING:?set MISSING}', env, 'stack s')).toThrow('stack s needs the environment variable MISSING (set MISSING)');
    expect(() => resolveEnvRefs('${MISSING}', env, 'stack s')).toThrow(/MISSING/);
  });
});
