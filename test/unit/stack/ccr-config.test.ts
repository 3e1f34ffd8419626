import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCcrConfig, ccrPackage, newKey, writeCcrConfig } from '../../../src/stack/ccr.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-ccr-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const input = {
  port: 45678,
  apiKey: 'cb-ccr-key',
  upstreamBaseUrl: 'http://127.0.0.1:40751/',
  upstreamApiKey: 'cb-upstream-key',
  servedModelName: 'Qwen/Qwen2.5-Coder-32B-Instruct',
};

describe('buildCcrConfig', () => {
  it('writes a plain one-provider config routed to the served model, no transformer', () => {
    expect(buildCcrConfig(input)).toEqual({
      HOST: '127.0.0.1',
      PORT: 45678,
      APIKEY: 'cb-ccr-key',
      LOG: true,
      Providers: [
        {
          name: 'vllm',
          api_base_url: 'http://127.0.0.1:40751/v1/chat/completions',
          api_key: 'cb-upstream-key',
          models: ['Qwen/Qwen2.5-Coder-32B-Instruct'],
        },
      ],
      Router: { default: 'vllm,Qwen/Qwen2.5-Coder-32B-Instruct' },
    });
  });
});

describe('writeCcrConfig', () => {
  it('puts config.json where CCR reads it, owner-readable only', async () => {
    const home = path.join(work, 'home');
    const file = await writeCcrConfig(home, buildCcrConfig(input));
    expect(file).toBe(path.join(home, '.claude-code-router', 'config.json'));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(buildCcrConfig(input));
    expect(statSync(file).mode & 0o077).toBe(0);
  });
});

describe('ccrPackage', () => {
  it('resolves the installed CLI and reads its version', () => {
    const pkg = ccrPackage();
    expect(pkg.version).toBe('1.0.73');
    expect(pkg.cliPath.endsWith(path.join('dist', 'cli.js'))).toBe(true);
    expect(existsSync(pkg.cliPath)).toBe(true);
  });
});

describe('newKey', () => {
  it('makes distinct, prefixed, shell- and JSON-safe keys', () => {
    const a = newKey('cb-ccr');
    const b = newKey('cb-ccr');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^cb-ccr-[A-Za-z0-9_-]{24}$/);
  });
});
