/**
 * Suites are data: `suites/<name>.json` = {name, description, checks: [ids],
 * includes?: [suite names]}. A suite that includes others runs their checks
 * after its own (e.g. `default`: the whole catalogue but the live client).
 * This module lists, loads and resolves them to registered checks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BenchError } from '../errors.ts';
import type { Check } from './check.ts';
import { CHECKS, isCheckId, type CheckId } from './checks/index.ts';

/** Where the suite files live in the repo (and in the installed package). */
export const SUITES_DIR = fileURLToPath(new URL('../../suites/', import.meta.url));

export interface Suite {
  readonly name: string;
  readonly description: string;
  readonly checkIds: readonly CheckId[];
  /** Other suites whose checks this one runs too. */
  readonly includes: readonly string[];
}

/** Names of the suites on disk, sorted. */
export function listSuites(dir = SUITES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

function parseSuite(name: string, text: string): Suite {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new BenchError('BAD_CONFIG', `suite '${name}' is not valid JSON`, { cause: err });
  }
  const record = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const checks = record['checks'];
  if (record['name'] !== name || typeof record['description'] !== 'string' || !Array.isArray(checks)) {
    throw new BenchError('BAD_CONFIG', `suite '${name}' must be {"name":"${name}","description":…,"checks":[ids]}`);
  }
  const unknown = checks.filter((id) => typeof id !== 'string' || !isCheckId(id));
  if (unknown.length > 0) {
    throw new BenchError('BAD_CONFIG', `suite '${name}' names unknown checks: ${unknown.map(String).join(', ')}`, {
      hint: `known checks: ${Object.keys(CHECKS).join(', ')}`,
    });
  }
  const includes = record['includes'] ?? [];
  if (!Array.isArray(includes) || includes.some((n) => typeof n !== 'string')) {
    throw new BenchError('BAD_CONFIG', `suite '${name}': "includes" must be a list of suite names`);
  }
  return { name, description: record['description'], checkIds: checks as CheckId[], includes: includes as string[] };
}

/**
 * Load suites by name. An unknown name is a usage error listing the known
 * ones (names are plain words, never paths).
 */
export function loadSuites(names: readonly string[], dir = SUITES_DIR): Suite[] {
  const known = listSuites(dir);
  const missing = names.filter((n) => !known.includes(n));
  if (missing.length > 0) {
    throw new BenchError('BAD_USAGE', `unknown suite${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}`, {
      hint: `known suites: ${known.join(', ')}`,
    });
  }
  return names.map((name) => parseSuite(name, readFileSync(`${dir}/${name}.json`, 'utf8')));
}

/** The checks of the named suites (and the suites they include), in suite order, each once. */
export function resolveChecks(names: readonly string[], dir = SUITES_DIR): Check[] {
  const ids = new Set<CheckId>();
  const visited = new Set<string>();
  const visit = (suiteNames: readonly string[]): void => {
    for (const suite of loadSuites(suiteNames.filter((n) => !visited.has(n)), dir)) {
      visited.add(suite.name);
      for (const id of suite.checkIds) ids.add(id);
      visit(suite.includes);
    }
  };
  visit(names);
  return [...ids].map((id) => CHECKS[id]);
}
