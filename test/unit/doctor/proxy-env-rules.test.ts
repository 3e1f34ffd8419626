import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envFindings } from '../../../src/doctor/env-rules.ts';
import { mitmAddonFindings, nginxFindings, nginxMegabytes, nginxSeconds } from '../../../src/doctor/proxy-rules.ts';
import { renderFindings } from '../../../src/doctor/render.ts';
import { MITM_ADDONS } from '../../../src/routes/mitmproxy.ts';
import { renderNginxServer } from '../../../src/routes/nginx-conf.ts';

const server = (variant: 'guide' | 'corrected'): string => renderNginxServer({ variant, listen: '443', upstream: 'http://gw:4000', certFile: 'c', keyFile: 'k' });

describe('nginx configuration rules', () => {
  it("flag the guide's server block three times and the corrected one never", () => {
    expect(nginxFindings(server('guide'), 'x').map((f) => f.id)).toEqual(['proxy-buffering', 'proxy-read-timeout', 'proxy-body-size']);
    expect(nginxFindings(server('corrected'), 'x')).toEqual([]);
  });

  it('read directives, not comments, and nginx units', () => {
    expect(nginxFindings('# proxy_buffering off;\nproxy_buffering on;', 'x')[0]?.found).toMatch(/^proxy_buffering is on/);
    expect(nginxFindings('proxy_buffering off; proxy_read_timeout 10m; client_max_body_size 0;', 'x')).toEqual([]);
    expect(nginxSeconds('10m')).toBe(600);
    expect(nginxSeconds('90')).toBe(90);
    expect(nginxMegabytes('512k')).toBe(0.5);
    expect(nginxMegabytes('0')).toBe(Infinity);
  });
});

describe('mitmproxy addon rule', () => {
  it("flags the guide's addon and passes the streaming one", () => {
    expect(mitmAddonFindings(readFileSync(MITM_ADDONS.guide, 'utf8'), 'a').map((f) => f.id)).toEqual(['mitm-buffering']);
    expect(mitmAddonFindings(readFileSync(MITM_ADDONS.corrected, 'utf8'), 'a')).toEqual([]);
    expect(mitmAddonFindings('# flow.response.stream = True\n', 'a')).toHaveLength(1);
  });
});

describe("Claude Code's environment", () => {
  it('still pointing at the Anthropic host', () => {
    expect(envFindings({}).map((f) => f.id)).toEqual(['env-anthropic-host']);
    expect(envFindings({ ANTHROPIC_BASE_URL: 'https://api.anthropic.com', ANTHROPIC_API_KEY: 'k' }).map((f) => f.id)).toEqual(['env-anthropic-host']);
  });

  it('behind an intercepting proxy without its CA', () => {
    expect(envFindings({ HTTPS_PROXY: 'http://127.0.0.1:8080' }).map((f) => f.id)).toEqual(['env-proxy-ca']);
    expect(envFindings({ HTTPS_PROXY: 'http://127.0.0.1:8080', NODE_EXTRA_CA_CERTS: '/ca.pem' })).toEqual([]);
  });

  it('pointed at a gateway: /v1 suffix, no key, two keys, another gateway', () => {
    expect(envFindings({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:4000/v1', ANTHROPIC_AUTH_TOKEN: 't' }).map((f) => f.id)).toEqual(['env-base-url']);
    expect(envFindings({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:4000' }).map((f) => f.id)).toEqual(['env-no-key']);
    expect(envFindings({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:4000', ANTHROPIC_API_KEY: 'a', ANTHROPIC_AUTH_TOKEN: 'b' }).map((f) => f.id)).toEqual(['env-two-keys']);
    expect(envFindings({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:3456', ANTHROPIC_AUTH_TOKEN: 't' }, 'http://127.0.0.1:4000').map((f) => f.id)).toEqual(['env-elsewhere']);
    expect(envFindings({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:4000/', ANTHROPIC_AUTH_TOKEN: 't' }, 'http://127.0.0.1:4000')).toEqual([]);
  });
});

describe('renderFindings', () => {
  it('lists blockers first with what was found and the fix, and counts them', () => {
    const text = renderFindings('stack s', [
      { id: 'b', source: 'spec', severity: 'degraded', where: 'w2', found: 'second', fix: 'fix2' },
      { id: 'a', source: 'spec', severity: 'blocker', where: 'w1', found: 'first', fix: 'fix1', refs: ['o/r#1'] },
    ]);
    expect(text).toBe(
      [
        'stack s',
        '  ✗ [blocker] a — w1',
        '      found: first',
        '      fix:   fix1',
        '      see:   o/r#1',
        '  ✗ [degraded] b — w2',
        '      found: second',
        '      fix:   fix2',
        '2 finding(s), 1 blocker(s) for Claude Code',
        '',
      ].join('\n'),
    );
    expect(renderFindings('x', [])).toContain('no known mistake found');
  });
});
