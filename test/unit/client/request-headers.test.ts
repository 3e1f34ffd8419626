import { describe, expect, it } from 'vitest';
import { ANTHROPIC_VERSION, buildRequestHeaders, type HeaderInputs } from '../../../src/client/request-headers.ts';
import type { RequestSpec } from '../../../src/types.ts';

const base = { apiKey: 'key-1234', requestId: 'rid', bodyBytes: 10, userAgent: 'claude-bench/test' } as const;

function headersFor(spec: Partial<RequestSpec>, extra: Partial<Omit<HeaderInputs, 'spec'>> = {}) {
  return buildRequestHeaders({ ...base, ...extra, spec: { path: '/v1/messages', ...spec } });
}

describe('buildRequestHeaders', () => {
  it('adds version, id, JSON content headers and x-api-key by default', () => {
    expect(headersFor({})).toEqual({
      'anthropic-version': ANTHROPIC_VERSION,
      'user-agent': 'claude-bench/test',
      'x-request-id': 'rid',
      'content-type': 'application/json',
      'content-length': '10',
      'x-api-key': 'key-1234',
    });
  });

  it('omits content headers when there is no body', () => {
    const h = headersFor({ method: 'GET' }, { bodyBytes: null });
    expect(h['content-type']).toBeUndefined();
    expect(h['content-length']).toBeUndefined();
  });

  it('presents the key per auth mode, and spec.apiKey overrides it', () => {
    expect(headersFor({ auth: 'bearer' })).toMatchObject({ authorization: 'Bearer key-1234' });
    expect(headersFor({ auth: 'bearer' })['x-api-key']).toBeUndefined();
    expect(headersFor({ auth: 'both', apiKey: 'wrong' })).toMatchObject({ 'x-api-key': 'wrong', authorization: 'Bearer wrong' });
    const none = headersFor({ auth: 'none' });
    expect(none['x-api-key']).toBeUndefined();
    expect(none['authorization']).toBeUndefined();
  });

  it('lets defaultHeaders and then spec.headers override, case-insensitively', () => {
    const h = headersFor(
      { headers: { 'Content-Type': 'text/plain', 'X-API-KEY': 'from-spec', 'Anthropic-Beta': 'b1' } },
      { defaultHeaders: { 'ANTHROPIC-VERSION': '2099-01-01', 'Anthropic-Beta': 'b0' } },
    );
    expect(h['content-type']).toBe('text/plain');
    expect(h['x-api-key']).toBe('from-spec');
    expect(h['anthropic-version']).toBe('2099-01-01');
    expect(h['anthropic-beta']).toBe('b1');
    expect(Object.keys(h).every((k) => k === k.toLowerCase())).toBe(true);
  });
});
