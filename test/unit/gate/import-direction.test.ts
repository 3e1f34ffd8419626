/**
 * Dependencies run one way (style habit 1): gate/ reads only the results
 * types (and the error type); report/ only results, gate types and its own
 * files. Neither may reach back into the stages that produce results.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

function localImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => path.relative(SRC, path.resolve(path.dirname(file), m[1] as string)));
}

describe('import direction', () => {
  it('gate/ imports only types.ts, errors.ts and gate/ itself', () => {
    for (const file of files(path.join(SRC, 'gate'))) {
      for (const target of localImports(file)) expect(target, `${path.relative(SRC, file)} → ${target}`).toMatch(/^(types\.ts|errors\.ts|gate\/)/);
    }
  });

  it('report/ imports only types, errors, secrets, results/ and gate/ (its types and threshold names)', () => {
    for (const file of files(path.join(SRC, 'report'))) {
      for (const target of localImports(file)) {
        expect(target, `${path.relative(SRC, file)} → ${target}`).toMatch(/^(types\.ts|errors\.ts|secrets\.ts|results\/|report\/|gate\/(types|thresholds)\.ts)/);
      }
    }
  });
});
