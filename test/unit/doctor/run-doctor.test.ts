import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runDoctor } from '../../../src/cli/run-doctor.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-doctor-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let out = '';
beforeEach(() => {
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const shell = { ANTHROPIC_BASE_URL: 'http://127.0.0.1:4000', ANTHROPIC_AUTH_TOKEN: 'tok-1234' };

describe('claude-bench doctor', () => {
  it('exits 1 on guide-original and lists its findings with fixes', async () => {
    expect(await runDoctor({ stack: 'guide-original', timeout: 10 }, shell)).toBe(1);
    expect(out).toContain('stack guide-original');
    expect(out).toContain('[blocker] window');
    expect(out).toContain('fix:   --max-model-len 65536');
    expect(out).toMatch(/12 finding\(s\), 9 blocker\(s\)/);
  });

  it('exits 0 on a corrected spec; the shell is reported but does not decide', async () => {
    expect(await runDoctor({ stack: 'vllm-litellm', timeout: 10 }, {})).toBe(0);
    expect(out).toContain('no known mistake found');
    expect(out).toContain('env-anthropic-host');
  });

  it('reads an nginx configuration and a mitmproxy addon given as files, and prints JSON', async () => {
    const conf = path.join(work, 'nginx.conf');
    writeFileSync(conf, 'server { location / { proxy_pass http://127.0.0.1:4000; } }\n');
    const addon = path.join(work, 'addon.py');
    writeFileSync(addon, 'def request(flow):\n    flow.request.host = "127.0.0.1"\n');
    expect(await runDoctor({ nginxConf: conf, mitmAddon: addon, timeout: 10, json: true }, shell)).toBe(1);
    const parsed = JSON.parse(out) as { sections: { heading: string; findings: { id: string }[] }[] };
    expect(parsed.sections.map((s) => s.findings.map((f) => f.id))).toEqual([['proxy-buffering', 'proxy-read-timeout', 'proxy-body-size'], ['mitm-buffering'], []]);
  });

  it('with nothing to read, judges the shell alone', async () => {
    expect(await runDoctor({ timeout: 10 }, {})).toBe(1);
    expect(await runDoctor({ timeout: 10 }, shell)).toBe(0);
  });
});
