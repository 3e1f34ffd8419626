/**
 * The requests the core checks share, by name. Each is sent at most once per
 * run (CheckContext.exchange) and read by every check that needs it.
 *
 * Prompts are short and satisfiable by a small real model; tool calls are
 * forced with tool_choice. `[[emulate …]]` directives steer the vLLM
 * emulator (a real model ignores them); no check relies on them: every
 * check is structural.
 */
import type { Observation, RequestSpec, Target } from '../types.ts';
import type { CheckContext } from './check.ts';

/** A tool with a small schema a model can satisfy, used by every tool check. */
export const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  input_schema: {
    type: 'object',
    properties: {
      city: { type: 'string', description: 'City name, e.g. Paris' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
    required: ['city'],
  },
} as const;

/** The tool_use id used in the round-trip history: valid against Anthropic's id pattern. */
export const HISTORY_TOOL_USE_ID = 'toolu_01CbBenchRoundTrip7x9Q';

/** A key no gateway should accept. */
export const WRONG_API_KEY = 'sk-ant-claude-bench-wrong-key-0000000000';

/** max_tokens of the truncation probe. */
export const TINY_MAX_TOKENS = 5;

// The client adds anthropic-version, x-request-id and the key (x-api-key) to every request.
function messages(target: Target, body: Record<string, unknown>, path = '/v1/messages'): RequestSpec {
  return { method: 'POST', path, body: { model: target.model, ...body } };
}

const WEATHER_QUESTION = 'What is the weather in Paris right now? Use the get_weather tool. [[emulate tool=get_weather]]';

/** Request builders by exchange name. */
export const EXCHANGES = {
  /** A plain non-streaming question, no system prompt. */
  plain: (t: Target) =>
    messages(t, { max_tokens: 256, messages: [{ role: 'user', content: 'Say hello in one short sentence. [[emulate tokens=12]]' }] }),
  /** A plain streaming question: the grammar, usage and stop checks read it. */
  'stream-text': (t: Target) =>
    messages(t, {
      max_tokens: 256,
      stream: true,
      messages: [{ role: 'user', content: 'Name three colours, one per line. [[emulate tokens=24]]' }],
    }),
  'system-string': (t: Target) =>
    messages(t, {
      max_tokens: 64,
      system: 'You are a terse assistant. Answer in at most five words.',
      messages: [{ role: 'user', content: 'What is two plus two? [[emulate tokens=6]]' }],
    }),
  /** System as text blocks with cache_control, the way Claude Code sends it. */
  'system-blocks': (t: Target) =>
    messages(t, {
      max_tokens: 64,
      system: [
        { type: 'text', text: 'You are a terse assistant.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Answer in at most five words.', cache_control: { type: 'ephemeral', ttl: '1h' } },
      ],
      messages: [{ role: 'user', content: 'What is two plus two? [[emulate tokens=6]]' }],
    }),
  /** A long answer cut by a tiny max_tokens. */
  'tiny-max': (t: Target) =>
    messages(t, {
      max_tokens: TINY_MAX_TOKENS,
      messages: [{ role: 'user', content: 'Count from 1 to 100, separated by commas. [[emulate tokens=200]]' }],
    }),
  /** A forced tool call, streamed. */
  'tool-stream': (t: Target) =>
    messages(t, {
      max_tokens: 256,
      stream: true,
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'tool', name: WEATHER_TOOL.name },
      messages: [{ role: 'user', content: WEATHER_QUESTION }],
    }),
  /** The same forced tool call, not streamed. */
  'tool-plain': (t: Target) =>
    messages(t, {
      max_tokens: 256,
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'tool', name: WEATHER_TOOL.name },
      messages: [{ role: 'user', content: WEATHER_QUESTION }],
    }),
  /** History with an assistant tool_use and the user's tool_result. */
  'tool-result': (t: Target) =>
    messages(t, {
      max_tokens: 128,
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'What is the weather in Paris right now? Use the get_weather tool.' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: HISTORY_TOOL_USE_ID, name: WEATHER_TOOL.name, input: { city: 'Paris', unit: 'celsius' } }],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: HISTORY_TOOL_USE_ID, content: '18 °C, clear sky' }],
        },
      ],
    }),
  /** Invalid on two counts: no max_tokens, and messages is not an array. */
  'bad-request': (t: Target) => messages(t, { messages: 'hello' }),
  /** A valid request with a key no gateway should accept. */
  'wrong-key': (t: Target): RequestSpec => ({
    ...messages(t, { max_tokens: 16, messages: [{ role: 'user', content: 'Say ok. [[emulate tokens=3]]' }] }),
    auth: 'x-api-key',
    apiKey: WRONG_API_KEY,
  }),
  /** The path Claude Code really posts to. */
  'beta-path': (t: Target) =>
    messages(t, { max_tokens: 16, messages: [{ role: 'user', content: 'Say ok. [[emulate tokens=3]]' }] }, '/v1/messages?beta=true'),
} as const satisfies Record<string, (t: Target) => RequestSpec>;

export type ExchangeName = keyof typeof EXCHANGES;

/** Send (or reuse) the named exchange. */
export function exchange(ctx: CheckContext, name: ExchangeName): Promise<Observation> {
  return ctx.exchange(name, EXCHANGES[name](ctx.target));
}

/** Exchanges whose answer is a streamed message. */
export const STREAM_EXCHANGES = ['stream-text', 'tool-stream'] as const satisfies readonly ExchangeName[];

/** Exchanges whose answer is a non-streamed message (for checks that look at every answer). */
export const MESSAGE_EXCHANGES = [
  'plain',
  'system-string',
  'system-blocks',
  'tiny-max',
  'tool-plain',
  'tool-result',
  'beta-path',
] as const satisfies readonly ExchangeName[];

/** Words for an exchange in verdict details. */
export const EXCHANGE_LABELS: Readonly<Record<ExchangeName, string>> = {
  plain: 'the plain request',
  'stream-text': 'the streamed text answer',
  'system-string': 'the request with a string system prompt',
  'system-blocks': 'the request with system blocks',
  'tiny-max': `the max_tokens=${TINY_MAX_TOKENS} request`,
  'tool-stream': 'the streamed forced tool call',
  'tool-plain': 'the non-streamed forced tool call',
  'tool-result': 'the tool_result round trip',
  'bad-request': 'the invalid request',
  'wrong-key': 'the request with a wrong key',
  'beta-path': 'the request to /v1/messages?beta=true',
};
