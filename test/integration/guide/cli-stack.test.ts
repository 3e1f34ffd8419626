import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/types.ts';
import { runCli } from '../../support/run-cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-guide-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The CLI environment without the user's Claude Code settings, so D2 judges a clean shell.
const env = { ANTHROPIC_BASE_URL: '', ANTHROPIC_API_KEY: '', ANTHROPIC_AUTH_TOKEN: '', CLAUDE_CODE_MAX_OUTPUT_TOKENS: '' };

describe('claude-bench conform --stack embedded-guide', () => {
  it("stands up the guide's configuration and exits 1 on its blockers", async () => {
    const out = path.join(work, 'guide');
    const run = await runCli(['conform', '--stack', 'embedded-guide', '--suite', 'guide', '--out', out], { env, timeoutMs: 120_000 });
    expect(run.stderr).toContain("embedded stack 'embedded-guide'");
    expect(run.stderr).toContain('--max-model-len 8192');
    expect(run.code).toBe(1);
    const result = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as RunResult;
    const byId = Object.fromEntries((result.conformance?.checks ?? []).map((c) => [c.id, c.status]));
    expect(byId).toMatchObject({ D1: 'pass', D4: 'fail', D5: 'fail', D6: 'pass', D3: 'pass' });
  }, 150_000);

  it('refuses an unknown stack with exit 2, naming the known ones', async () => {
    const run = await runCli(['conform', '--stack', 'nginx-guide', '--suite', 'guide', '--out', path.join(work, 'bad')], { env, timeoutMs: 30_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('embedded, embedded-guide');
  });
});
