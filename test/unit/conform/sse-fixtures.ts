import type { SseEvent } from '../../../src/types.ts';

/** A named SSE frame as the client records it. */
export function ev(type: string, data: Record<string, unknown>): SseEvent {
  const json = JSON.stringify({ type, ...data });
  return { type, data: json, t_ms: 0, raw: `event: ${type}\ndata: ${json}\n\n` };
}

/** A frame with no `event:` line. */
export function dataOnly(data: string): SseEvent {
  return { type: null, data, t_ms: 0, raw: `data: ${data}\n\n` };
}

export const messageStart = (usage: Record<string, unknown> | null = { input_tokens: 12, output_tokens: 1 }): SseEvent =>
  ev('message_start', {
    message: {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'm',
      stop_reason: null,
      stop_sequence: null,
      ...(usage ? { usage } : {}),
    },
  });

export const textStart = (index: number): SseEvent => ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
export const textDelta = (index: number, text: string): SseEvent => ev('content_block_delta', { index, delta: { type: 'text_delta', text } });
export const toolStart = (index: number, input: Record<string, unknown> = {}): SseEvent =>
  ev('content_block_start', { index, content_block: { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input } });
export const jsonDelta = (index: number, partial_json: string): SseEvent =>
  ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
export const blockStop = (index: number): SseEvent => ev('content_block_stop', { index });
export const messageDelta = (stop_reason: string | null = 'end_turn', usage: Record<string, unknown> | null = { output_tokens: 3 }): SseEvent =>
  ev('message_delta', { delta: { stop_reason, stop_sequence: null }, ...(usage ? { usage } : {}) });
export const messageStop = (): SseEvent => ev('message_stop', {});
export const ping = (): SseEvent => ev('ping', {});

/** A correct text stream with a ping before and inside the block. */
export function goodTextStream(): SseEvent[] {
  return [ping(), messageStart(), textStart(0), ping(), textDelta(0, 'Hello'), textDelta(0, ' world'), blockStop(0), messageDelta(), messageStop()];
}

/** A correct tool stream: text block, then a tool_use block whose input arrives in fragments. */
export function goodToolStream(): SseEvent[] {
  return [
    messageStart(),
    textStart(0),
    textDelta(0, 'Checking.'),
    blockStop(0),
    toolStart(1),
    jsonDelta(1, ''),
    jsonDelta(1, '{"city": "Pa'),
    jsonDelta(1, 'ris"}'),
    blockStop(1),
    messageDelta('tool_use', { output_tokens: 20 }),
    messageStop(),
  ];
}
