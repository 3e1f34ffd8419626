import { describe, expect, it } from 'vitest';
import type { Fixture } from '../../../src/record/format.ts';
import { checkToolCalls, judgeReplay, offeredTools, replayHeaders, replayKind, replaySpec } from '../../../src/conform/replay/index.ts';
import type { Observation, SseEvent } from '../../../src/types.ts';

const WRITE = {
  name: 'Write',
  description: 'filler',
  input_schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { file_path: { type: 'string' }, content: { type: 'string' } },
    required: ['file_path', 'content'],
    additionalProperties: false,
  },
};
const DRAFT7 = { name: 'Old', input_schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } };

const fixture: Fixture = {
  method: 'POST',
  url: '/v1/messages?beta=true',
  headers: {
    'x-api-key': '[REDACTED]',
    'anthropic-beta': 'claude-code-20250219',
    'anthropic-version': '2023-06-01',
    host: '127.0.0.1:1',
    'content-length': '99',
    connection: 'keep-alive',
    'accept-encoding': 'gzip, deflate, br, zstd',
    'x-leaky': 'prefix [REDACTED]',
    'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)',
  },
  body: { model: 'claude-opus-5-5', max_tokens: 32000, stream: true, messages: [{ role: 'user', content: 'x' }], tools: [WRITE, DRAFT7] },
  response: { status: 200, headers: {} },
};

function ev(type: string, data: Record<string, unknown>): SseEvent {
  const text = JSON.stringify({ type, ...data });
  return { type, data: text, t_ms: 0, raw: `event: ${type}\ndata: ${text}\n\n` };
}

function toolStream(name: string, input: unknown): SseEvent[] {
  return [
    ev('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'm', stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } }),
    ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name, input: {} } }),
    ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(input) } }),
    ev('content_block_stop', { index: 0 }),
    ev('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } }),
    ev('message_stop', {}),
  ];
}

function obs(partial: Partial<Observation>): Observation {
  return {
    request_id: 'r1',
    label: 'replay:s/0001-post-v1-messages',
    method: 'POST',
    path: '/v1/messages?beta=true',
    t0_epoch_ms: 0,
    t_hdr_ms: 1,
    t_end_ms: 2,
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    events: [],
    body: null,
    bytes: 0,
    truncated: false,
    error: null,
    ...partial,
  };
}

describe('replaySpec', () => {
  it('sends the recorded body with the target model, and the recorded headers minus credentials and per-connection ones', () => {
    const spec = replaySpec(fixture, 'target-model', 'lbl');
    expect(spec).toMatchObject({ method: 'POST', path: '/v1/messages?beta=true', auth: 'x-api-key', label: 'lbl' });
    expect((spec?.body as { model: string; max_tokens: number }).model).toBe('target-model');
    expect((spec?.body as { max_tokens: number }).max_tokens).toBe(32000);
    expect(spec?.headers).toEqual({
      'anthropic-beta': 'claude-code-20250219',
      'anthropic-version': '2023-06-01',
      'accept-encoding': 'gzip, deflate, br',
      'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)',
    });
  });

  it('presents the key as Bearer when the recorded client did', () => {
    const bearer = { ...fixture, headers: { authorization: 'Bearer [REDACTED]' } };
    expect(replaySpec(bearer, 'm', 'l')?.auth).toBe('bearer');
    expect(replayHeaders({ Authorization: 'x', 'Accept-Encoding': 'zstd' })).toEqual({});
  });

  it('replays only API calls with JSON object bodies', () => {
    expect(replayKind({ ...fixture, url: '/v1/messages/count_tokens?beta=true' })).toBe('count_tokens');
    expect(replayKind({ ...fixture, method: 'GET', url: '/v1/models' })).toBe('api');
    expect(replayKind({ ...fixture, method: 'HEAD', url: '/api/hello' })).toBe('other');
    expect(replaySpec({ ...fixture, method: 'HEAD', url: '/api/hello' }, 'm', 'l')).toBeNull();
    expect(replaySpec({ ...fixture, body: 'text' }, 'm', 'l')).toBeNull();
    expect(replaySpec({ ...fixture, method: 'GET', url: '/v1/models' }, 'm', 'l')).toMatchObject({ method: 'GET', path: '/v1/models' });
  });
});

describe('checkToolCalls', () => {
  const tools = offeredTools(fixture.body);
  it('accepts inputs valid against 2020-12 and draft-07 schemas', () => {
    const report = checkToolCalls([{ name: 'Write', input: { file_path: '/a', content: 'b' } }, { name: 'Old', input: { n: 1 } }], tools);
    expect(report).toEqual({ problems: [], valid: ['Write', 'Old'], unchecked: [] });
  });
  it('rejects unknown tools, missing fields, extra fields and non-object inputs', () => {
    const report = checkToolCalls(
      [
        { name: 'Edit', input: {} },
        { name: 'Write', input: { file_path: '/a' } },
        { name: 'Write', input: { file_path: '/a', content: 'b', town: 'Paris' } },
        { name: 'Write', input: '{"file_path":"/a"}' },
      ],
      tools,
    );
    expect(report.problems).toHaveLength(4);
    expect(report.problems[0]).toMatch(/"Edit".*did not offer.*Write, Old/);
    expect(report.problems[1]).toMatch(/must have required property 'content'/);
    expect(report.problems[2]).toMatch(/additional properties 'town'/);
    expect(report.problems[3]).toMatch(/not a JSON object/);
  });
  it('does not pretend to check what it cannot', () => {
    const report = checkToolCalls([{ name: 'S', input: {} }, { name: 'B', input: {} }], [{ name: 'S', schema: undefined }, { name: 'B', schema: { type: 'nonsense-type' } }]);
    expect(report.problems).toEqual([]);
    expect(report.unchecked).toHaveLength(2);
  });
});

describe('judgeReplay', () => {
  it('passes a well-formed stream whose tool call matches the schema', () => {
    const out = judgeReplay(fixture, obs({ events: toolStream('Write', { file_path: '/a', content: 'b' }) }));
    expect(out.status).toBe('pass');
    expect(out.detail).toMatch(/1 tool call valid against the offered schemas \(Write\)/);
  });
  it('fails a rejection, with the error body as evidence', () => {
    const body = JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens too large' } });
    const out = judgeReplay(fixture, obs({ status: 400, headers: { 'content-type': 'application/json' }, body }));
    expect(out).toMatchObject({ status: 'fail', evidence: body });
    expect(out.detail).toMatch(/not accepted: HTTP 400 invalid_request_error/);
  });
  it('fails a grammar violation', () => {
    const events = toolStream('Write', { file_path: '/a', content: 'b' }).filter((e) => e.type !== 'content_block_stop');
    const out = judgeReplay(fixture, obs({ events }));
    expect(out.status).toBe('fail');
    expect(out.detail).toMatch(/\[S3 block-not-stopped\]/);
  });
  it('fails a tool call outside the offered tools or its schema', () => {
    expect(judgeReplay(fixture, obs({ events: toolStream('Write', { town: 'Paris' }) })).detail).toMatch(/does not match its input_schema/);
    expect(judgeReplay(fixture, obs({ events: toolStream('get_weather', {}) })).detail).toMatch(/did not offer/);
  });
  it('fails a JSON answer to a streaming request, and judges non-streaming requests as Messages', () => {
    const message = { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'tool_use', id: 't', name: 'Write', input: { file_path: '/a', content: 'b' } }], stop_reason: 'tool_use', usage: { input_tokens: 1, output_tokens: 1 } };
    const json = obs({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
    expect(judgeReplay(fixture, json).detail).toMatch(/not text\/event-stream/);
    const nonStreaming = { ...fixture, body: { ...(fixture.body as object), stream: false } };
    expect(judgeReplay(nonStreaming, json)).toMatchObject({ status: 'pass' });
    expect(judgeReplay(nonStreaming, obs({ headers: {}, body: '{"choices":[]}' })).status).toBe('fail');
  });
  it('throws (an error verdict, not a failure) when the target gave no answer', () => {
    expect(() => judgeReplay(fixture, obs({ status: null, error: { kind: 'connect', message: 'ECONNREFUSED' } }))).toThrow(/no answer/);
  });
  it('checks count_tokens answers', () => {
    const ct = { ...fixture, url: '/v1/messages/count_tokens?beta=true' };
    expect(judgeReplay(ct, obs({ body: '{"input_tokens":12}' })).status).toBe('pass');
    expect(judgeReplay(ct, obs({ body: '{"tokens":12}' })).status).toBe('fail');
  });
});
