/** The emulator as a scriptable upstream on the wire: reasoning deltas, echo, failures with retry-after. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';

const MODEL = 'Qwen/Qwen2.5-Coder-32B-Instruct';
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, servedModelName: MODEL, apiKey: 'upstream-secret', timing: { ttftMs: 0, itlMs: 0 } });
});
afterAll(async () => {
  await emu.close();
});

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${emu.url}/v1/chat/completions?trace=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer upstream-secret', ...headers },
    body: JSON.stringify(body),
  });
}

describe('think on the wire', () => {
  it('streams reasoning_content chunks before content, and returns it non-streamed', async () => {
    const content = 'q [[emulate think="Because." say="Done."]]';
    const streamed = await (await post({ model: MODEL, stream: true, messages: [{ role: 'user', content }] })).text();
    const deltas = streamed
      .split('\n\n')
      .filter((f) => f.startsWith('data: {'))
      .map((f) => (JSON.parse(f.slice(6)) as { choices: Array<{ delta: Record<string, unknown> }> }).choices[0]?.delta ?? {});
    const reasoning = deltas.map((d) => (typeof d['reasoning_content'] === 'string' ? d['reasoning_content'] : '')).join('');
    const firstContent = deltas.findIndex((d) => typeof d['content'] === 'string' && d['content'] !== '');
    const lastReasoning = deltas.map((d) => 'reasoning_content' in d).lastIndexOf(true);
    expect(reasoning).toBe('Because.');
    expect(lastReasoning).toBeLessThan(firstContent);

    const whole = (await (await post({ model: MODEL, messages: [{ role: 'user', content }] })).json()) as {
      choices: Array<{ message: { content: string; reasoning_content: string | null } }>;
    };
    expect(whole.choices[0]?.message).toMatchObject({ content: 'Done.', reasoning_content: 'Because.' });
  });
});

describe('echo', () => {
  it('answers with the request as received, credentials redacted, messages summarised', async () => {
    const res = await post(
      {
        model: MODEL,
        max_tokens: 512,
        stop: ['X'],
        unknown_field: { keep: true },
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hello [[emulate echo]]' },
        ],
        tools: [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } }],
      },
      { 'anthropic-beta': 'a-1,b-2', 'x-custom': 'v' },
    );
    const body = (await res.json()) as { choices: Array<{ message: { content: string; tool_calls: unknown[] } }> };
    const text = body.choices[0]?.message.content ?? '';
    expect(text).not.toContain('upstream-secret');
    const echo = JSON.parse(text) as Record<string, any>;
    expect(echo).toMatchObject({ echo: 'claude-bench-emulator', method: 'POST', path: '/v1/chat/completions', query: 'trace=1', active_generations: 0 });
    expect(echo['headers']).toMatchObject({ authorization: '<redacted>', 'anthropic-beta': 'a-1,b-2', 'x-custom': 'v' });
    expect(echo['body']).toMatchObject({ max_tokens: 512, stop: ['X'], unknown_field: { keep: true }, tools: ['get_time'] });
    expect(echo['body'].messages[0]).toEqual({ role: 'system', text: 'be brief' });
    expect(body.choices[0]?.message.tool_calls).toEqual([]);
  });

  it('counts the generations in flight', async () => {
    const first = await post({ model: MODEL, stream: true, messages: [{ role: 'user', content: '[[emulate tokens=400 itl=10]]' }] });
    const reader = first.body?.getReader();
    await reader?.read();
    const echo = (await (await post({ model: MODEL, max_tokens: 512, messages: [{ role: 'user', content: '[[emulate echo]]' }] })).json()) as {
      choices: Array<{ message: { content: string } }>;
    };
    expect(JSON.parse(echo.choices[0]?.message.content ?? '{}')).toMatchObject({ active_generations: 1 });
    await reader?.cancel();
    // The emulator notices the client left and stops generating.
    for (let i = 0; i < 100 && emu.activeStreams > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(emu.activeStreams).toBe(0);
  });
});

describe('fail with message and retry_after', () => {
  it('answers the status with the given message and a retry-after header', async () => {
    const res = await post({ model: MODEL, messages: [{ role: 'user', content: '[[emulate fail=429 message="rate limited: try later" retry_after=3]]' }] });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({ error: { message: 'rate limited: try later', type: 'Too Many Requests', param: null, code: 429 } });
  });

  it('sends no retry-after unless asked', async () => {
    const res = await post({ model: MODEL, messages: [{ role: 'user', content: '[[emulate fail=503]]' }] });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeNull();
    await res.text();
  });
});
