import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDefectiveGateway } from '../../support/defective-gateway.ts';
import { hasStackTrace, runCli } from '../../support/run-cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-conform-fixtures-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('claude-bench conform --fixtures', () => {
  it('appends one replay verdict per recorded request to the selected suites', async () => {
    const gateway = await startDefectiveGateway({ defects: ['no-message-stop'] });
    try {
      const out = path.join(work, 'run');
      const run = await runCli(['conform', '--suite', 'core', '--target', gateway.baseUrl, '--api-key', gateway.apiKey, '--fixtures', 'fixtures/sessions/write-run-read', '--out', out, '--json'], { timeoutMs: 120_000 });
      expect(run.code).toBe(1);
      const result = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { conformance: { checks: Array<{ id: string; status: string; severity: string; detail: string }> } };
      const replayed = result.conformance.checks.filter((c) => c.id.startsWith('replay:'));
      expect(replayed.map((c) => c.id)).toEqual([1, 2, 3, 4].map((n) => `replay:write-run-read/000${n}-post-v1-messages`));
      for (const c of replayed) expect(c).toMatchObject({ status: 'fail', severity: 'blocker' });
      expect(replayed[0]?.detail).toMatch(/no-message-stop/);
      expect(result.conformance.checks.length).toBeGreaterThan(replayed.length);
      const jsonl = readFileSync(path.join(out, 'requests.jsonl'), 'utf8');
      expect(jsonl).toContain('replay:write-run-read/0004-post-v1-messages');
      expect(jsonl).not.toContain(gateway.apiKey);
    } finally {
      await gateway.close();
    }
  });

  it('rejects a folder without recordings with exit 2 and one clear line', async () => {
    const run = await runCli(['conform', '--target', 'http://127.0.0.1:9', '--api-key', 'k', '--fixtures', work, '--out', path.join(work, 'x')], { timeoutMs: 60_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no recorded requests/);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });
});
