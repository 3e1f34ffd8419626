import { describe, expect, it } from 'vitest';
import { fillProse } from '../../../src/record/filler.ts';
import type { FixtureEvent } from '../../../src/record/format.ts';
import { PLACEHOLDER_PNG_BASE64, scrubBody, scrubEvents, scrubEveryString, scrubSchema } from '../../../src/record/scrub.ts';

const WRITE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    file_path: { type: 'string', description: 'The absolute path to the file to write (must be absolute, not relative)' },
    content: { type: 'string', description: 'The content to write to the file' },
    mode: { type: 'string', enum: ['overwrite', 'append'], pattern: '^[a-z]+$', title: 'Write mode' },
    description: { type: 'string', description: 'A property that happens to be called description' },
  },
  required: ['file_path', 'content'],
  additionalProperties: false,
};

const REQUEST = {
  model: 'claude-opus-5-5',
  max_tokens: 128000,
  stream: true,
  thinking: { type: 'adaptive', display: 'omitted' },
  output_config: { effort: 'medium' },
  metadata: { user_id: JSON.stringify({ device_id: 'f75671961034040d005827702f8010dff5ea6ed04ac5403f7400e5d41008ad52', account_uuid: '', session_id: '15b768bf-05d6-44e0-9297-5368470ed504' }) },
  system: [
    { type: 'text', text: 'You are Claude Code, Anthropic\'s official CLI for Claude.', cache_control: { type: 'ephemeral' } },
  ],
  tools: [{ name: 'Write', description: 'Writes a file to the local filesystem.\n\nUsage:\n- Overwrites existing files.', input_schema: WRITE_SCHEMA }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Create hello.py and run it' }] },
    { role: 'system', content: '# Environment\nWorking directory: /home/alice/project' },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'The user wants a file.', signature: 'EuYBCkQYAiJA+abc/def==' },
        { type: 'text', text: "I'll write it." },
        { type: 'tool_use', id: 'toolu_01ABCdef', name: 'Write', input: { file_path: '/home/alice/project/hello.py', content: 'print("hi")\n', mode: 'overwrite', count: 3, dry: false } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_01ABCdef', content: [{ type: 'text', text: 'File created successfully at: /home/alice/project/hello.py' }] },
        { type: 'tool_result', tool_use_id: 'toolu_01XYZ', content: 'Exit code 1\nTraceback (most recent call last)', is_error: true, cache_control: { type: 'ephemeral' } },
        { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQSkZJRgABAQAAAQABAAD' } },
      ],
    },
  ],
};

/** Same keys, same array lengths, same non-string leaves, strings of the same length. */
function expectSameShape(a: unknown, b: unknown, path = '$'): void {
  // Images are the documented exception: they become a 1x1 PNG.
  if (path.endsWith('.source')) return;
  if (typeof a === 'string') {
    expect(typeof b, path).toBe('string');
    expect((b as string).length, path).toBe(a.length);
    return;
  }
  if (Array.isArray(a)) {
    expect(Array.isArray(b), path).toBe(true);
    expect((b as unknown[]).length, path).toBe(a.length);
    a.forEach((item, i) => expectSameShape(item, (b as unknown[])[i], `${path}[${i}]`));
    return;
  }
  if (typeof a === 'object' && a !== null) {
    expect(Object.keys(b as object), path).toEqual(Object.keys(a));
    for (const [k, v] of Object.entries(a)) expectSameShape(v, (b as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  expect(b, path).toBe(a);
}

describe('scrubBody (request)', () => {
  const out = scrubBody(REQUEST) as typeof REQUEST;
  const text = JSON.stringify(out);

  it('keeps the structure, field names, numbers, booleans and string lengths', () => {
    expectSameShape(REQUEST.messages, out.messages);
    expectSameShape(REQUEST.system, out.system);
    expectSameShape(REQUEST.tools, out.tools);
    expect(out.max_tokens).toBe(128000);
    expect(out.stream).toBe(true);
  });

  it('keeps ids, model, roles, types, tool names, enum-like tokens and signatures', () => {
    expect(out.model).toBe('claude-opus-5-5');
    expect(out.thinking).toEqual({ type: 'adaptive', display: 'omitted' });
    expect(out.output_config).toEqual({ effort: 'medium' });
    expect(out.tools[0]?.name).toBe('Write');
    expect(out.messages.map((m) => m.role)).toEqual(['user', 'system', 'assistant', 'user']);
    const assistant = out.messages[2]?.content as Array<Record<string, unknown>>;
    expect(assistant[0]?.['signature']).toBe('EuYBCkQYAiJA+abc/def==');
    expect(assistant[2]?.['id']).toBe('toolu_01ABCdef');
    expect(assistant[2]?.['name']).toBe('Write');
    const results = out.messages[3]?.content as Array<Record<string, unknown>>;
    expect(results[0]?.['tool_use_id']).toBe('toolu_01ABCdef');
    expect(results[1]?.['is_error']).toBe(true);
    expect(results[1]?.['cache_control']).toEqual({ type: 'ephemeral' });
  });

  it('replaces prose: system text, message text, role:system content, thinking, tool results (nested blocks)', () => {
    for (const phrase of ['Claude Code', 'Anthropic', 'Create hello.py', 'Environment', 'alice', 'The user wants', 'File created', 'Traceback', 'Writes a file']) {
      expect(text).not.toContain(phrase);
    }
    const results = out.messages[3]?.content as Array<{ content: unknown }>;
    const nested = (results[0]?.content as Array<{ text: string }>)[0]?.text ?? '';
    expect(nested).toBe(fillProse('File created successfully at: /home/alice/project/hello.py'));
  });

  it('scrubs every string of a tool_use input but keeps its keys, numbers and booleans', () => {
    const call = (out.messages[2]?.content as Array<Record<string, unknown>>)[2]?.['input'] as Record<string, unknown>;
    expect(Object.keys(call)).toEqual(['file_path', 'content', 'mode', 'count', 'dry']);
    expect(call['file_path']).toBe(fillProse('/home/alice/project/hello.py'));
    expect(call['file_path']).not.toContain('alice');
    expect(call['content']).not.toContain('print');
    expect(call['mode']).not.toBe('overwrite');
    expect(call['count']).toBe(3);
    expect(call['dry']).toBe(false);
  });

  it('keeps tool input schemas except their free text', () => {
    const schema = out.tools[0]?.input_schema as typeof WRITE_SCHEMA;
    const { properties, ...rest } = schema;
    const { properties: origProps, ...origRest } = WRITE_SCHEMA;
    expect(rest).toEqual(origRest);
    expect(Object.keys(properties)).toEqual(Object.keys(origProps));
    expect(properties.mode.enum).toEqual(['overwrite', 'append']);
    expect(properties.mode.pattern).toBe('^[a-z]+$');
    expect(properties.mode.title).not.toBe('Write mode');
    expect(properties.file_path.description).not.toContain('absolute');
    expect(properties.file_path.description.length).toBe(origProps.file_path.description.length);
    // A property called "description" is a schema, not text.
    expect(properties.description.type).toBe('string');
    expect(out.tools[0]?.description).not.toContain('Writes');
  });

  it('keeps the shape of metadata.user_id but not its ids', () => {
    const original = JSON.parse(REQUEST.metadata.user_id) as Record<string, string>;
    const scrubbed = JSON.parse(out.metadata.user_id) as Record<string, string>;
    expect(Object.keys(scrubbed)).toEqual(Object.keys(original));
    expect(scrubbed['session_id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(scrubbed['session_id']).not.toBe(original['session_id']);
    expect(scrubbed['device_id']).not.toBe(original['device_id']);
    expect(scrubbed['account_uuid']).toBe('');
  });

  it('turns an image into a decodable 1x1 PNG', () => {
    const image = (out.messages[3]?.content as Array<Record<string, unknown>>)[2]?.['source'] as Record<string, unknown>;
    expect(image).toEqual({ type: 'base64', media_type: 'image/png', data: PLACEHOLDER_PNG_BASE64 });
    expect(Buffer.from(PLACEHOLDER_PNG_BASE64, 'base64').subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('is deterministic', () => {
    expect(JSON.stringify(scrubBody(REQUEST))).toBe(text);
  });

  it('scrubs error messages of a response but keeps the error type', () => {
    const err = scrubBody({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 9000 tokens' } }) as { error: { type: string; message: string } };
    expect(err.error.type).toBe('invalid_request_error');
    expect(err.error.message).not.toContain('prompt');
  });

  it('scrubs free strings with whitespace in unknown fields and keeps tokens', () => {
    expect(scrubBody({ foo: 'a sentence here', bar: 'token_value-1' })).toEqual({ foo: fillProse('a sentence here'), bar: 'token_value-1' });
    expect(scrubEveryString(['x y', 2, null])).toEqual([fillProse('x y'), 2, null]);
    expect(scrubSchema({ examples: ['ls -la'], default: 'keep' })).toEqual({ examples: [fillProse('ls -la')], default: 'keep' });
  });
});

describe('scrubEvents', () => {
  const delta = (index: number, d: Record<string, unknown>): FixtureEvent => ({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: d } });
  const input = { file_path: '/home/alice/hello.py', content: 'print("Hello, world!")\n' };
  const json = JSON.stringify(input);
  const events: FixtureEvent[] = [
    { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'm', usage: { input_tokens: 10, output_tokens: 1 } } } },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    delta(0, { type: 'text_delta', text: "I'll wri" }),
    delta(0, { type: 'text_delta', text: 'te the fi' }),
    delta(0, { type: 'text_delta', text: 'le now.' }),
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'Write', input: {} } } },
    delta(1, { type: 'input_json_delta', partial_json: '' }),
    delta(1, { type: 'input_json_delta', partial_json: json.slice(0, 7) }),
    delta(1, { type: 'input_json_delta', partial_json: json.slice(7, 30) }),
    delta(1, { type: 'input_json_delta', partial_json: json.slice(30) }),
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 1 } },
    { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 20 } } },
    { event: 'message_stop', data: { type: 'message_stop' } },
    { event: null, data: '[DONE]' },
  ];
  const out = scrubEvents(events);
  const deltas = (index: number, field: string): string[] =>
    out.flatMap((e) => {
      const d = e.data as { type?: string; index?: number; delta?: Record<string, string> };
      return d.type === 'content_block_delta' && d.index === index && d.delta?.[field] !== undefined ? [d.delta[field] ?? ''] : [];
    });

  it('keeps every event, its name, and the non-prose fields', () => {
    expect(out.map((e) => e.event)).toEqual(events.map((e) => e.event));
    expect(out[0]).toEqual(events[0]);
    expect(out[12]).toEqual(events[12]);
    expect(out[6]).toEqual(events[6]);
    expect(out[14]).toEqual(events[14]);
  });

  it('scrubs streamed text as one text, cut at the same offsets, equal to the text scrubbed whole', () => {
    const pieces = deltas(0, 'text');
    expect(pieces.map((p) => p.length)).toEqual([8, 9, 7]);
    expect(pieces.join('')).toBe(fillProse("I'll write the file now."));
  });

  it('scrubs streamed tool input as one JSON value: fragments still join into valid JSON with the same keys', () => {
    const pieces = deltas(1, 'partial_json');
    expect(pieces).toHaveLength(4);
    expect(pieces[0]).toBe('');
    const joined = JSON.parse(pieces.join('')) as Record<string, string>;
    expect(Object.keys(joined)).toEqual(['file_path', 'content']);
    expect(joined).toEqual(scrubEveryString(input));
    expect(pieces.join('')).not.toContain('alice');
  });

  it('keeps a broken tool input broken (a defect of the upstream stays visible)', () => {
    const broken = scrubEvents([delta(0, { type: 'input_json_delta', partial_json: '{"command": "ls -' }), delta(0, { type: 'input_json_delta', partial_json: 'la"' })]);
    const joined = broken.map((e) => ((e.data as { delta: { partial_json: string } }).delta.partial_json)).join('');
    expect(joined.length).toBe('{"command": "ls -la"'.length);
    expect(() => JSON.parse(joined)).toThrow();
  });
});

describe('filler word lengths', () => {
  it('fills ASCII words of every length from 1 to 60 with letters only', () => {
    for (let n = 1; n <= 60; n++) {
      const word = 'q'.repeat(n);
      const out = fillProse(word);
      expect(out).toHaveLength(n);
      expect(out).toMatch(/^[a-z]+$/);
    }
  });
});
