import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorEvent, type RunningEmulator } from '../../../src/emulator/server.ts';

const MODEL = 'Qwen/Qwen2.5-Coder-32B-Instruct';

interface Chunk {
  id: string;
  object: string;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: string; content?: string; tool_calls?: Array<{ index: number; id?: string; type?: string; function: { name?: string; arguments?: string } }> };
    finish_reason: string | null;
    stop_reason?: string | null;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** POST a chat completion and return the parsed SSE `data:` payloads ("[DONE]" kept as a string). */
async function streamChat(base: string, body: object, headers: Record<string, string> = {}): Promise<{ status: number; frames: Array<Chunk | '[DONE]'>; raw: string }> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ ...body, stream: true }),
  });
  const raw = await res.text();
  const frames = raw
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice(6))
    .map((d) => (d === '[DONE]' ? ('[DONE]' as const) : (JSON.parse(d) as Chunk)));
  return { status: res.status, frames, raw };
}

async function postChat(base: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

function chunksOf(frames: Array<Chunk | '[DONE]'>): Chunk[] {
  return frames.filter((f): f is Chunk => f !== '[DONE]');
}

function contentOf(frames: Array<Chunk | '[DONE]'>): string {
  return chunksOf(frames)
    .flatMap((c) => c.choices)
    .map((ch) => ch.delta.content ?? '')
    .join('');
}

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return predicate();
}

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 1 },
        options: { type: 'object', properties: { hourly: { type: 'boolean' } }, required: ['hourly'] },
      },
      required: ['city', 'unit', 'days', 'options'],
    },
  },
};

describe('emulator HTTP server (defaults: auto tool choice on)', () => {
  let emu: RunningEmulator;
  const events: EmulatorEvent[] = [];

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, timing: { ttftMs: 20, itlMs: 1 }, onEvent: (e) => events.push(e) });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('listens on 127.0.0.1 with an ephemeral port', () => {
    expect(emu.url).toBe(`http://127.0.0.1:${emu.port}`);
    expect(emu.port).toBeGreaterThan(0);
  });

  it('GET /health → 200 with an empty body', async () => {
    const res = await fetch(`${emu.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('GET /v1/models → vLLM ModelList', async () => {
    const res = await fetch(`${emu.url}/v1/models`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { object: string; data: Array<Record<string, unknown>> };
    expect(body.object).toBe('list');
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ id: MODEL, object: 'model', owned_by: 'vllm', root: MODEL, parent: null, max_model_len: 32768 });
    expect((body.data[0]?.['permission'] as unknown[])[0]).toMatchObject({ object: 'model_permission' });
  });

  it('unknown route → 404 {"detail":"Not Found"}; wrong method → 405', async () => {
    for (const path of ['/v1/completions/nope', '/constructor']) {
      const nf = await fetch(`${emu.url}${path}`);
      expect(nf.status).toBe(404);
      expect(await nf.json()).toEqual({ detail: 'Not Found' });
    }
    const na = await fetch(`${emu.url}/v1/chat/completions`);
    expect(na.status).toBe(405);
    expect(await na.json()).toEqual({ detail: 'Method Not Allowed' });
  });

  it('malformed JSON → 400 in vLLM\'s error envelope', async () => {
    const { status, json } = await postChat(emu.url, '{"messages": [');
    expect(status).toBe(400);
    expect(Object.keys(json)).toEqual(['error']);
    expect(json.error).toMatchObject({ type: 'Bad Request', code: 400 });
    expect(json.error.message).toContain('JSON decode error');
  });

  it('missing messages → 400; unknown model → 404 NotFoundError', async () => {
    const missing = await postChat(emu.url, { model: MODEL });
    expect(missing.status).toBe(400);
    expect(missing.json.error.param).toBe('body.messages');
    const unknown = await postChat(emu.url, { model: 'claude-opus-5-5', messages: [{ role: 'user', content: 'hi' }] });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({
      error: { message: 'The model `claude-opus-5-5` does not exist.', type: 'NotFoundError', param: 'model', code: 404 },
    });
  });

  it('streams like vLLM: role chunk first, content deltas, finish, usage chunk, [DONE] last', async () => {
    const { status, frames, raw } = await streamChat(emu.url, {
      model: MODEL,
      messages: [{ role: 'user', content: 'hi [[emulate say="Hello streaming world, 世界 😀!"]]' }],
      stream_options: { include_usage: true },
    });
    expect(status).toBe(200);
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(frames.at(-1)).toBe('[DONE]');
    const chunks = chunksOf(frames);
    const first = chunks[0];
    expect(first?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(first?.id).toMatch(/^chatcmpl-/);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === MODEL && c.id === first?.id)).toBe(true);
    const usageChunk = chunks.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    const finishChunk = chunks.at(-2);
    expect(finishChunk?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.slice(0, -2).every((c) => c.choices[0]?.finish_reason === null)).toBe(true);
    expect(contentOf(frames)).toBe('Hello streaming world, 世界 😀!');
    // One generated token per chunk after the role chunk (the last is the end-of-sequence token).
    const tokenChunks = chunks.length - 2;
    expect(usageChunk?.usage).toEqual({
      prompt_tokens: expect.any(Number),
      total_tokens: (usageChunk?.usage?.prompt_tokens ?? 0) + tokenChunks,
      completion_tokens: tokenChunks,
    });
  });

  it('omits the usage chunk without include_usage; continuous_usage_stats adds usage to every chunk', async () => {
    const plain = await streamChat(emu.url, { messages: [{ role: 'user', content: '[[emulate tokens=3]]' }] });
    expect(chunksOf(plain.frames).every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true);
    const continuous = await streamChat(emu.url, {
      messages: [{ role: 'user', content: '[[emulate tokens=3]]' }],
      stream_options: { include_usage: true, continuous_usage_stats: true },
    });
    const counts = chunksOf(continuous.frames).map((c) => c.usage?.completion_tokens);
    expect(counts).toEqual([0, 1, 2, 3, 4, 4]);
  });

  it('non-streaming usage equals streaming usage for the same request', async () => {
    const body = { messages: [{ role: 'user', content: 'same [[emulate tokens=17]]' }], max_tokens: 100 };
    const whole = await postChat(emu.url, body);
    expect(whole.status).toBe(200);
    expect(whole.json.object).toBe('chat.completion');
    expect(whole.json.choices[0].finish_reason).toBe('stop');
    const streamed = await streamChat(emu.url, { ...body, stream_options: { include_usage: true } });
    expect(chunksOf(streamed.frames).at(-1)?.usage).toEqual({
      prompt_tokens: whole.json.usage.prompt_tokens,
      total_tokens: whole.json.usage.total_tokens,
      completion_tokens: whole.json.usage.completion_tokens,
    });
    expect(whole.json.usage.completion_tokens).toBe(18); // 17 tokens + end-of-sequence
    expect(contentOf(streamed.frames)).toBe(whole.json.choices[0].message.content);
  });

  it('caps at max_tokens with finish_reason length', async () => {
    const whole = await postChat(emu.url, { messages: [{ role: 'user', content: '[[emulate tokens=50]]' }], max_tokens: 7 });
    expect(whole.json.choices[0].finish_reason).toBe('length');
    expect(whole.json.usage.completion_tokens).toBe(7);
  });

  it('honours stop strings: text cut before the match, stop_reason carries it', async () => {
    const body = { messages: [{ role: 'user', content: '[[emulate say="one two THREE four"]]' }], stop: ['THREE', 'zzz'] };
    const whole = await postChat(emu.url, body);
    expect(whole.json.choices[0].message.content).toBe('one two ');
    expect(whole.json.choices[0].finish_reason).toBe('stop');
    expect(whole.json.choices[0].stop_reason).toBe('THREE');
    const streamed = await streamChat(emu.url, body);
    expect(contentOf(streamed.frames)).toBe('one two ');
    const deltas = chunksOf(streamed.frames).map((c) => c.choices[0]?.delta.content ?? '');
    expect(deltas.some((d) => d.includes('T'))).toBe(false); // not even a partial match leaks
    expect(chunksOf(streamed.frames).at(-1)?.choices[0]?.stop_reason).toBe('THREE');
  });

  it('forced (named) tool call: arguments stream in fragments and parse to the schema-generated object', async () => {
    const { frames } = await streamChat(emu.url, {
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const deltas = chunksOf(frames).flatMap((c) => c.choices).flatMap((ch) => ch.delta.tool_calls ?? []);
    const first = deltas[0];
    expect(first).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather' } });
    expect(first?.id).toMatch(/^chatcmpl-tool-/);
    expect(deltas.length).toBeGreaterThan(3);
    const args = deltas.map((d) => d.function.arguments ?? '').join('');
    expect(JSON.parse(args)).toEqual({ city: 'example', unit: 'celsius', days: 1, options: { hourly: false } });
    expect(chunksOf(frames).at(-1)?.choices[0]?.finish_reason).toBe('stop'); // vLLM: named tool choice finishes "stop"
  });

  it('auto tool call from a directive: finish tool_calls, non-stream tool_calls in OpenAI shape', async () => {
    const body = {
      messages: [{ role: 'user', content: `[[emulate tool=get_weather args='{"city":"Oslo"}']]` }],
      tools: [WEATHER_TOOL],
    };
    const { frames } = await streamChat(emu.url, body);
    const chunks = chunksOf(frames);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
    const args = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).map((d) => d.function.arguments ?? '').join('');
    expect(JSON.parse(args)).toEqual({ city: 'Oslo' });
    const whole = await postChat(emu.url, body);
    expect(whole.json.choices[0].finish_reason).toBe('tool_calls');
    expect(whole.json.choices[0].message.content).toBeNull();
    expect(whole.json.choices[0].message.tool_calls).toEqual([
      { id: expect.stringMatching(/^chatcmpl-tool-/), type: 'function', function: { name: 'get_weather', arguments: '{"city": "Oslo"}' } },
    ]);
  });

  it('uses x-request-id for the completion id and the ground-truth events', async () => {
    events.length = 0;
    const { frames } = await streamChat(emu.url, { messages: [{ role: 'user', content: '[[emulate tokens=4]]' }] }, { 'x-request-id': 'req-abc' });
    expect(chunksOf(frames)[0]?.id).toBe('chatcmpl-req-abc');
    const mine = events.filter((e) => e.request_id === 'req-abc');
    expect(mine[0]?.kind).toBe('headers');
    expect(mine.at(-1)?.kind).toBe('done');
    const tokens = mine.filter((e) => e.token_index !== undefined);
    expect(tokens.map((e) => e.token_index)).toEqual([0, 1, 2, 3, 4]);
    for (let i = 1; i < mine.length; i++) expect(mine[i]!.t_epoch_ms).toBeGreaterThanOrEqual(mine[i - 1]!.t_epoch_ms);
    // Timers never fire early: the first token is at least ~TTFT after the headers.
    expect(tokens[0]!.t_epoch_ms - mine[0]!.t_epoch_ms).toBeGreaterThanOrEqual(15);
    expect(Math.abs(mine[0]!.t_epoch_ms - Date.now())).toBeLessThan(60_000);
  });

  it('injected faults: fail=STATUS answers an error, abort_after drops the stream without [DONE]', async () => {
    const failed = await postChat(emu.url, { messages: [{ role: 'user', content: '[[emulate fail=503]]' }] });
    expect(failed.status).toBe(503);
    expect(failed.json.error.code).toBe(503);
    const res = await fetch(`${emu.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: '[[emulate tokens=20 abort_after=3]]' }] }),
    });
    expect(res.status).toBe(200);
    let text = '';
    let failedRead = false;
    try {
      text = await res.text();
    } catch {
      failedRead = true;
    }
    expect(failedRead || !text.includes('[DONE]')).toBe(true);
    expect(await waitFor(() => emu.activeStreams === 0)).toBe(true);
  });

  it('a client abort cancels the generation: no active streams (timers) left', async () => {
    const controller = new AbortController();
    const res = await fetch(`${emu.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: '[[emulate tokens=5000 itl=20]]' }] }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read(); // the role chunk (and maybe a token) arrived: generation is running
    expect(emu.activeStreams).toBeGreaterThanOrEqual(1);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    expect(await waitFor(() => emu.activeStreams === 0)).toBe(true);
  });

  it('runs 50 concurrent streams to completion with exact token counts', async () => {
    const runs = Array.from({ length: 50 }, (_, i) =>
      streamChat(emu.url, {
        messages: [{ role: 'user', content: `stream ${i} [[emulate tokens=${10 + i} itl=2]]` }],
        stream_options: { include_usage: true },
      }),
    );
    const results = await Promise.all(runs);
    results.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.frames.at(-1)).toBe('[DONE]');
      const chunks = chunksOf(r.frames);
      const tokenChunks = chunks.length - 2; // minus role and usage chunks
      expect(tokenChunks).toBe(10 + i + 1);
      expect(chunks.at(-1)?.usage?.completion_tokens).toBe(10 + i + 1);
      expect(contentOf(r.frames).split(' ')).toHaveLength(10 + i);
    });
    expect(emu.activeStreams).toBe(0);
  });

  it('/metrics exposes vLLM-named counters', async () => {
    const res = await fetch(`${emu.url}/metrics`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('EMULATED');
    expect(text).toMatch(/vllm:generation_tokens_total\{model_name="Qwen\/Qwen2.5-Coder-32B-Instruct"\} [1-9]/);
  });
});

describe('emulator flags that break the guide\'s stack', () => {
  it('without auto tool choice: tools with tool_choice auto or absent → vLLM\'s 400; named still works', async () => {
    const emu = await startEmulator({ enableAutoToolChoice: false, timing: { ttftMs: 0, itlMs: 0 } });
    try {
      const expected = {
        error: {
          message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
          type: 'BadRequestError',
          param: null,
          code: 400,
        },
      };
      const messages = [{ role: 'user', content: 'hi' }];
      const absent = await postChat(emu.url, { messages, tools: [WEATHER_TOOL] });
      expect(absent.status).toBe(400);
      expect(absent.json).toEqual(expected);
      expect((await postChat(emu.url, { messages, tools: [WEATHER_TOOL], tool_choice: 'auto' })).json).toEqual(expected);
      const named = await postChat(emu.url, { messages, tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'get_weather' } } });
      expect(named.status).toBe(200);
      expect(named.json.choices[0].message.tool_calls).toHaveLength(1);
      expect((await postChat(emu.url, { messages })).status).toBe(200);
    } finally {
      await emu.close();
    }
  });

  it('a small --max-model-len rejects Claude Code-sized requests with vLLM\'s text, only when they overflow', async () => {
    const emu = await startEmulator({ maxModelLen: 8192, timing: { ttftMs: 0, itlMs: 0 } });
    try {
      const messages = [{ role: 'user', content: 'hi' }];
      const tooMany = await postChat(emu.url, { messages, max_tokens: 32000 });
      expect(tooMany.status).toBe(400);
      expect(tooMany.json.error.message).toBe(
        'max_tokens=32000 cannot be greater than max_model_len=max_total_tokens=8192. Please request fewer output tokens. (parameter=max_tokens, value=32000)',
      );
      const bigPrompt = [{ role: 'system', content: 'x'.repeat(40_000) }, ...messages];
      const overflow = await postChat(emu.url, { messages: bigPrompt, max_tokens: 4096 });
      expect(overflow.status).toBe(400);
      expect(overflow.json.error.message).toMatch(
        /^This model's maximum context length is 8192 tokens\. However, you requested 4096 output tokens and your prompt contains at least 4097 input tokens, for a total of at least 8193 tokens\./,
      );
      expect(overflow.json.error.param).toBe('input_tokens');
      const fits = await postChat(emu.url, { messages, max_tokens: 4096 });
      expect(fits.status).toBe(200);
    } finally {
      await emu.close();
    }
  });

  it('--api-key: /v1 needs "Authorization: Bearer <key>" (401 {"error":"Unauthorized"}); /health stays open', async () => {
    const emu = await startEmulator({ apiKey: 'sekret', timing: { ttftMs: 0, itlMs: 0 } });
    try {
      const none = await fetch(`${emu.url}/v1/models`);
      expect(none.status).toBe(401);
      expect(await none.json()).toEqual({ error: 'Unauthorized' });
      const xApiKey = await fetch(`${emu.url}/v1/models`, { headers: { 'x-api-key': 'sekret' } });
      expect(xApiKey.status).toBe(401);
      const wrong = await fetch(`${emu.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
      expect(wrong.status).toBe(401);
      const ok = await fetch(`${emu.url}/v1/models`, { headers: { authorization: 'Bearer sekret' } });
      expect(ok.status).toBe(200);
      expect((await fetch(`${emu.url}/health`)).status).toBe(200);
    } finally {
      await emu.close();
    }
  });

  it('--enable-force-include-usage sends the usage chunk without stream_options', async () => {
    const emu = await startEmulator({ enableForceIncludeUsage: true, timing: { ttftMs: 0, itlMs: 0 } });
    try {
      const { frames } = await streamChat(emu.url, { messages: [{ role: 'user', content: '[[emulate tokens=2]]' }] });
      const last = chunksOf(frames).at(-1);
      expect(last?.choices).toEqual([]);
      expect(last?.usage?.completion_tokens).toBe(3);
    } finally {
      await emu.close();
    }
  });

  it('close() ends in-flight streams and leaves nothing pending', async () => {
    const emu = await startEmulator({ timing: { ttftMs: 0, itlMs: 50 } });
    const res = await fetch(`${emu.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: '[[emulate tokens=1000]]' }] }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    expect(emu.activeStreams).toBe(1);
    await emu.close();
    expect(emu.activeStreams).toBe(0);
    await reader.cancel().catch(() => undefined);
    await expect(fetch(`${emu.url}/health`)).rejects.toThrow();
  });
});
