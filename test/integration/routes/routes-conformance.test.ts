import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../src/client/index.ts';
import { CHECKS } from '../../../src/conform/checks/index.ts';
import { runChecks } from '../../../src/conform/engine.ts';
import { resolveChecks } from '../../../src/conform/suites.ts';
import { findProgram } from '../../../src/routes/support.ts';
import { startRoute, type RouteName } from '../../../src/routes/index.ts';
import { startEmbeddedStack, type RunningStack } from '../../../src/stack/embedded.ts';
import type { Verdict } from '../../../src/types.ts';
import { waitGone } from '../../support/stack-pids.ts';

// The guide's plans 2 and 3 for real: Debian's nginx and mitmproxy on loopback, each in the
// guide's configuration and the corrected one, in front of ONE embedded stack (emulator +
// claude-code-router). The core suite runs through each, plus the proxy checks D6 (one-lump
// stream) and T12 (1.5 MB body).
const SCRIPTS = fileURLToPath(new URL('../../../scripts/', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'cb-routes-'));
let stack: RunningStack;
const checks = [...resolveChecks(['core']), CHECKS.D6, CHECKS.T12];
const results = new Map<string, Map<string, Verdict>>();

async function runThrough(name: RouteName | 'direct'): Promise<Map<string, Verdict>> {
  const route = name === 'direct' ? undefined : await startRoute(name, { upstream: stack.target.baseUrl, logDir: path.join(work, name), deadline: Date.now() + 60_000, secrets: stack.secrets });
  const client = createClient({
    baseUrl: route?.client.baseUrl ?? stack.target.baseUrl,
    apiKey: stack.target.apiKey,
    timeoutMs: 60_000,
    ...(route?.client.proxy ? { proxy: route.client.proxy } : {}),
    ...(route ? { caCert: route.client.caCert } : {}),
  });
  const verdicts = new Map<string, Verdict>();
  try {
    await runChecks({ target: { ...stack.target, baseUrl: route?.client.baseUrl ?? stack.target.baseUrl }, client, checks, onVerdict: (v) => verdicts.set(v.id, v) });
  } finally {
    client.close();
    await route?.stop();
  }
  if (route?.pid !== undefined) expect(await waitGone([route.pid])).toEqual([]);
  results.set(name, verdicts);
  return verdicts;
}

beforeAll(async () => {
  // CI installs them with these scripts too; here they make the test self-sufficient.
  if (findProgram('nginx') === null) execFileSync('bash', [path.join(SCRIPTS, 'ensure-nginx.sh')], { stdio: 'inherit', timeout: 600_000 });
  if (findProgram('mitmdump') === null) execFileSync('bash', [path.join(SCRIPTS, 'ensure-mitmproxy.sh')], { stdio: 'inherit', timeout: 600_000 });
  stack = await startEmbeddedStack({ logDir: path.join(work, 'stack-logs') });
}, 900_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(work, { recursive: true, force: true });
});

const status = (name: string, id: string): string | undefined => results.get(name)?.get(id)?.status;

describe('conformance through the guide\'s routes, in front of the embedded stack', () => {
  it('direct: the baseline', async () => {
    const v = await runThrough('direct');
    expect(v.get('D6')?.status).toBe('pass');
    expect(v.get('T12')?.status).toBe('pass');
  }, 120_000);

  it("nginx with the guide's config: the stream arrives in one lump (TTFT ≈ E2EL) and 1.5 MB is refused with HTML", async () => {
    const v = await runThrough('nginx-guide');
    expect(v.get('D6')?.status).toBe('fail');
    expect(v.get('D6')?.detail).toMatch(/one lump/);
    expect(v.get('T12')?.status).toBe('fail');
    expect(v.get('T12')?.detail).toMatch(/413/);
  }, 120_000);

  it('nginx corrected: streams event by event and takes the large body', async () => {
    const v = await runThrough('nginx');
    expect(v.get('D6')?.status).toBe('pass');
    expect(v.get('T12')?.status).toBe('pass');
  }, 120_000);

  it("mitmproxy with the guide's addon: holds the stream to the end", async () => {
    const v = await runThrough('mitmproxy-guide');
    expect(v.get('D6')?.status).toBe('fail');
    expect(v.get('T12')?.status).toBe('pass');
  }, 120_000);

  it('mitmproxy with the streaming addon: streams; and nothing left loopback', async () => {
    const v = await runThrough('mitmproxy');
    expect(v.get('D6')?.status).toBe('pass');
    expect(v.get('T12')?.status).toBe('pass');
    for (const name of ['mitmproxy-guide', 'mitmproxy']) {
      const log = readFileSync(path.join(work, name, 'mitmdump.log'), 'utf8');
      // Every request for api.anthropic.com was rewritten to the gateway on loopback.
      expect(log).toContain(`claude-bench-guard: connecting to 127.0.0.1:${new URL(stack.target.baseUrl).port}`);
      expect(log).not.toMatch(/BLOCKED|api\.anthropic\.com:443/);
      expect(log).not.toContain(stack.target.apiKey);
    }
  }, 120_000);

  it('every core check reads the same through each route as directly (the routes change timing only)', () => {
    const direct = results.get('direct');
    expect(direct?.size).toBe(checks.length);
    for (const name of ['nginx-guide', 'nginx', 'mitmproxy-guide', 'mitmproxy']) {
      const through = results.get(name);
      for (const check of checks) {
        if (check.id === 'D6' || check.id === 'T12') continue;
        expect({ name, id: check.id, status: through?.get(check.id)?.status }).toEqual({ name, id: check.id, status: direct?.get(check.id)?.status });
      }
    }
    expect(['nginx-guide', 'mitmproxy-guide'].map((n) => status(n, 'D6'))).toEqual(['fail', 'fail']);
    expect(['direct', 'nginx', 'mitmproxy'].map((n) => status(n, 'D6'))).toEqual(['pass', 'pass', 'pass']);
  });
});

describe("mitmproxy's loopback guard", () => {
  it('refuses a request it was not told to rewrite, before any connection leaves the machine', async () => {
    const route = await startRoute('mitmproxy', { upstream: stack.target.baseUrl, logDir: path.join(work, 'guard'), deadline: Date.now() + 60_000 });
    const client = createClient({ baseUrl: 'https://not-anthropic.invalid', apiKey: 'k', proxy: route.client.proxy ?? '', caCert: route.client.caCert, timeoutMs: 30_000 });
    try {
      const obs = await client.send({ path: '/v1/messages', body: { model: 'm', max_tokens: 1, messages: [] } });
      expect(obs.status).toBe(502);
    } finally {
      client.close();
      await route.stop();
    }
    expect(readFileSync(path.join(work, 'guard', 'mitmdump.log'), 'utf8')).toContain('claude-bench-guard: BLOCKED outbound connection to not-anthropic.invalid:443');
  }, 90_000);
});
