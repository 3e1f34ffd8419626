import { describe, expect, it } from 'vitest';
import { rawStreamText, sdkReplayStream, sdkStreamVia } from '../../../src/conform/sdk-oracle.ts';
import type { Observation, RequestSpec, SseEvent } from '../../../src/types.ts';
import { dataOnly, ev, goodTextStream, goodToolStream, messageDelta, messageStart, messageStop, textDelta, textStart, blockStop } from './sse-fixtures.ts';

describe('sdkReplayStream: the official SDK reads recorded bytes', () => {
  it('returns the final message of a good text stream', async () => {
    const result = await sdkReplayStream(goodTextStream());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.message.content).toEqual([{ type: 'text', text: 'Hello world', }]);
    expect(result.message.stop_reason).toBe('end_turn');
    expect(result.message.usage.output_tokens).toBe(3);
  });

  it('parses the tool input from input_json_delta', async () => {
    const result = await sdkReplayStream(goodToolStream());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.message.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
  });

  it('accepts the joined raw text as well as the event list', async () => {
    const result = await sdkReplayStream(rawStreamText(goodTextStream()));
    expect(result.ok).toBe(true);
  });

  it('reports the crash a message_start without usage causes', async () => {
    const events = [messageStart(null), textStart(0), textDelta(0, 'hi'), blockStop(0), messageDelta(), messageStop()];
    const result = await sdkReplayStream(events);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errorClass).toBe('AnthropicError');
    expect(result.message).toMatch(/output_tokens/);
  });

  it('reports that data-only frames reach the SDK as nothing at all', async () => {
    const result = await sdkReplayStream(goodTextStream().map((e) => dataOnly(e.data)));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(/without sending any chunks/);
  });

  it('turns an in-stream error event into an APIError with its type', async () => {
    const result = await sdkReplayStream([messageStart(), ev('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errorClass).toBe('APIError');
    expect(result.errorType).toBe('overloaded_error');
    expect(result.status).toBeNull();
  });
});

describe('sdkStreamVia: the SDK request carried by another sender', () => {
  const observed = (events: SseEvent[], error: Observation['error'] = null, status: number | null = 200): Observation => ({
    request_id: 'r1',
    label: 'sdk',
    method: 'POST',
    path: '/v1/messages',
    t0_epoch_ms: 0,
    t_hdr_ms: 1,
    t_end_ms: 2,
    status,
    headers: status === null ? {} : { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' },
    events,
    body: null,
    bytes: 0,
    truncated: false,
    error,
  });
  const options = { apiKey: 'k', timeoutMs: 5_000, params: { model: 'm', max_tokens: 16, messages: [{ role: 'user' as const, content: 'hi' }] } };

  it('hands the SDK exactly its own request and the recorded answer', async () => {
    const specs: RequestSpec[] = [];
    const result = await sdkStreamVia(async (spec) => {
      specs.push(spec);
      return observed(goodTextStream());
    }, options);
    expect(result.ok).toBe(true);
    const [spec] = specs;
    expect(spec?.method).toBe('POST');
    expect(spec?.path).toBe('/v1/messages');
    expect(spec?.auth).toBe('none');
    expect(spec?.rawBody).toBe(true);
    // SDK 1.14.0 presents apiKey as a Bearer token; whatever it sends is sent.
    expect(spec?.headers?.['authorization']).toBe('Bearer k');
    expect(JSON.parse(String(spec?.body))).toMatchObject({ model: 'm', stream: true });
  });

  it('a stream cut off by the connection fails in the SDK', async () => {
    const cut = goodTextStream().slice(0, 5);
    const result = await sdkStreamVia(async () => observed(cut, { kind: 'reset', message: 'socket hang up' }), options);
    expect(result.ok).toBe(false);
  });

  it('no response at all is a connection error', async () => {
    const result = await sdkStreamVia(async () => observed([], { kind: 'connect', message: 'ECONNREFUSED' }, null), options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errorClass).toBe('APIConnectionError');
  });
});
