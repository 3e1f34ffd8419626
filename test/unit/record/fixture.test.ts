import { describe, expect, it } from 'vitest';
import type { SseEvent } from '../../../src/types.ts';
import { buildFixture, type Capture } from '../../../src/record/fixture.ts';
import { fixtureFileName, isFixtureFileName, parseFixture, pathSlug, FIXTURE_FORMAT } from '../../../src/record/format.ts';
import { keysInHeaders, redactHeaders } from '../../../src/record/keys.ts';

const KEY = 'sk-ant-test-0123456789abcdef';
const BEARER = 'token-abcdef-98765';

function sse(type: string, data: unknown): SseEvent {
  const text = JSON.stringify(data);
  return { type, data: text, t_ms: 0, raw: `event: ${type}\ndata: ${text}\n\n` };
}

const capture: Capture = {
  method: 'POST',
  url: `/v1/messages?beta=true&echo=${KEY}`,
  headers: { 'x-api-key': KEY, authorization: `Bearer ${BEARER}`, 'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)', 'x-note': `key is ${KEY}` },
  body: JSON.stringify({
    model: 'claude-opus-5-5',
    max_tokens: 10,
    stream: true,
    system: `You are helpful. My key is ${KEY}.`,
    messages: [{ role: 'user', content: [{ type: 'text', text: `Use ${BEARER} please` }] }],
    metadata: { user_id: KEY },
  }),
  recordedAt: new Date('2026-01-02T03:04:05.000Z'),
  response: {
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'x-echo-key': KEY },
    events: [
      sse('message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'm', usage: { input_tokens: 1, output_tokens: 1 } } }),
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `your key ${KEY}` } }),
      { type: ':comment', data: '', t_ms: 0, raw: ': ping\n\n' },
    ],
  },
};

describe('buildFixture', () => {
  it('redacts keys everywhere, in scrubbed recordings', () => {
    const fixture = buildFixture(capture, { keys: keysInHeaders(capture.headers), scrub: true });
    const text = JSON.stringify(fixture);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(BEARER);
    expect(fixture.headers['x-api-key']).toBe('[REDACTED]');
    expect(fixture.headers['authorization']).toBe('Bearer [REDACTED]');
    expect(fixture.headers['x-note']).toBe('key is [REDACTED]');
    expect(fixture.url).toBe('/v1/messages?beta=true&echo=[REDACTED]');
    expect(fixture.response?.headers['x-echo-key']).toBe('[REDACTED]');
    expect((fixture.body as { metadata: { user_id: string } }).metadata.user_id).toBe('[REDACTED]');
    expect(fixture).toMatchObject({ format: FIXTURE_FORMAT, scrubbed: true, method: 'POST', recorded_at: '2026-01-02T03:04:05.000Z' });
    expect(fixture.client?.user_agent).toBe('claude-cli/2.1.332 (external, sdk-cli)');
    expect(fixture.response?.events?.[2]).toEqual({ event: ':comment', data: '' });
  });

  it('redacts keys in raw recordings too, and keeps the prose', () => {
    const fixture = buildFixture(capture, { keys: [...keysInHeaders(capture.headers), 'extra-secret-value'], scrub: false });
    const body = fixture.body as { system: string; messages: Array<{ content: Array<{ text: string }> }> };
    expect(JSON.stringify(fixture)).not.toContain(KEY);
    expect(body.system).toBe('You are helpful. My key is [REDACTED].');
    expect(body.messages[0]?.content[0]?.text).toBe('Use [REDACTED] please');
    expect(fixture.scrubbed).toBe(false);
  });

  it('keeps a non-JSON body as text and a missing body as null', () => {
    const plain = buildFixture({ ...capture, body: 'not json', response: { status: 502, headers: {}, body: '<html>bad gateway</html>' } }, { keys: [], scrub: false });
    expect(plain.body).toBe('not json');
    expect(plain.response?.body).toBe('<html>bad gateway</html>');
    expect(buildFixture({ ...capture, body: null, response: null }, { keys: [], scrub: true })).toMatchObject({ body: null, response: null });
  });
});

describe('keys', () => {
  it('finds the key of x-api-key, the Bearer token and the whole credential values', () => {
    expect(keysInHeaders({ 'x-api-key': 'k1', authorization: 'Bearer t1', 'content-type': 'x' })).toEqual(['k1', 'Bearer t1', 't1']);
    expect(redactHeaders({ 'X-Api-Key': 'k1', cookie: 'a=b' }, [])).toEqual({ 'X-Api-Key': '[REDACTED]', cookie: '[REDACTED]' });
  });
});

describe('format', () => {
  it('names files NNNN-<method>-<path-slug>.json', () => {
    expect(fixtureFileName(1, 'POST', '/v1/messages')).toBe('0001-post-v1-messages.json');
    expect(fixtureFileName(12345, 'HEAD', '/')).toBe('12345-head-root.json');
    expect(pathSlug('/v1/messages/count_tokens?beta=true')).toBe('v1-messages-count-tokens');
    expect(isFixtureFileName('0001-post-v1-messages.json')).toBe(true);
    expect(isFixtureFileName('SESSION.md')).toBe(false);
    expect(isFixtureFileName('0001-post-v1-messages.json.abcd.tmp')).toBe(false);
  });

  it('parses what the recorder writes and hand-made raw recordings, and rejects what cannot be replayed', () => {
    const written = JSON.parse(JSON.stringify(buildFixture(capture, { keys: [KEY], scrub: true }))) as unknown;
    expect(parseFixture(written, 'w.json').method).toBe('POST');
    const minimal = parseFixture({ method: 'post', url: '/v1/messages', headers: { 'Content-Type': 'application/json' }, body: { model: 'x' } }, 'm.json');
    expect(minimal).toMatchObject({ method: 'POST', url: '/v1/messages', headers: { 'content-type': 'application/json' }, response: null });
    expect(() => parseFixture({ method: 'POST', url: 'v1/messages' }, 'bad.json')).toThrow(/bad\.json.*url/);
    expect(() => parseFixture({ method: 'POST', url: '/x', format: 'other/9' }, 'f.json')).toThrow(/format/);
    expect(() => parseFixture([], 'a.json')).toThrow(/object/);
  });
});
