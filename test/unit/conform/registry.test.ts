import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECK_GROUPS, CHECKS } from '../../../src/conform/checks/index.ts';
import { listSuites, loadSuites, resolveChecks } from '../../../src/conform/suites.ts';
import { BenchError } from '../../../src/errors.ts';

const SEVERITIES = ['blocker', 'degraded', 'cosmetic'];
const work = mkdtempSync(path.join(tmpdir(), 'cb-suites-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the check registry', () => {
  it('defines every id once across all areas', () => {
    const ids = CHECK_GROUPS.flatMap((g) => Object.keys(g));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(Object.keys(CHECKS).length);
  });

  it('gives each check its key as id, a title, a severity and well-formed refs', () => {
    for (const [key, check] of Object.entries(CHECKS)) {
      expect(check.id).toBe(key);
      expect(check.title.length).toBeGreaterThan(10);
      expect(SEVERITIES).toContain(check.severity);
      for (const ref of check.refs) expect(ref).toMatch(/^[\w.-]+\/[\w.-]+#\d+$/);
    }
  });
});

describe('suites', () => {
  it('every suite on disk loads and names only registered checks, each once', () => {
    const names = listSuites();
    expect(names).toContain('core');
    for (const suite of loadSuites(names)) {
      expect(suite.checkIds.length + suite.includes.length).toBeGreaterThan(0);
      expect(new Set(suite.checkIds).size).toBe(suite.checkIds.length);
      for (const id of suite.checkIds) expect(Object.keys(CHECKS)).toContain(id);
      for (const inc of suite.includes) expect(names).toContain(inc);
    }
  });

  it('the default suite runs every registered check except the live client, each once', () => {
    const ids = resolveChecks(['default']).map((c) => c.id);
    const live = loadSuites(['live-client'])[0]?.checkIds ?? [];
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(Object.keys(CHECKS).filter((id) => !live.includes(id as never)).sort());
  });

  it('core holds at least the checks the issue asks for', () => {
    const [core] = loadSuites(['core']);
    expect(core?.checkIds).toEqual(expect.arrayContaining(['N1', 'R1a', 'R1b', 'S1', 'S2', 'S3', 'S4', 'S6', 'S7', 'P1', 'P2', 'P5', 'G1', 'G2', 'U1', 'U7', 'E4', 'T5', 'SDK1']));
  });

  it('an unknown suite is a usage error that lists the known ones', () => {
    let caught: unknown;
    try {
      loadSuites(['core', 'nope']);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BenchError);
    const err = caught as BenchError;
    expect(err.code).toBe('BAD_USAGE');
    expect(err.message).toContain("'nope'");
    expect(err.hint).toContain('core');
  });

  it('a suite name is never read as a path', () => {
    expect(() => loadSuites(['../package'])).toThrow(BenchError);
  });

  it('resolveChecks keeps suite order and drops repeats', () => {
    const dir = mkdtempSync(path.join(work, 'order-'));
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ name: 'a', description: 'a', checks: ['S3', 'N1'] }));
    writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ name: 'b', description: 'b', checks: ['N1', 'T5'] }));
    expect(resolveChecks(['a', 'b'], dir).map((c) => c.id)).toEqual(['S3', 'N1', 'T5']);
  });

  it('a suite naming an unknown check is a config error', () => {
    const dir = mkdtempSync(path.join(work, 'bad-'));
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ name: 'bad', description: 'x', checks: ['N1', 'Z9'] }));
    expect(() => loadSuites(['bad'], dir)).toThrow(/unknown checks: Z9/);
  });
});
