import { describe, expect, it } from 'vitest';
import { rawStreamText, sdkReplayStream } from '../../../src/conform/sdk-oracle.ts';
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
