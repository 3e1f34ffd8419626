/**
 * Builds the message a strict client ends up with from a recorded stream,
 * the way Claude Code does (conformance.md §1.5). Pure.
 */
import { SSE_COMMENT_TYPE } from '../client/sse-framer.ts';
import type { SseEvent } from '../types.ts';
import { quote, truncateEvidence } from './evidence.ts';
import { isIndex, isObject, parseObject, type Json } from './json.ts';
import { checkStream, VIOLATION_RULES, type StreamViolation } from './stream-checker.ts';

/** A tool call as the stream delivered it. */
export interface StreamedToolCall {
  /** Block index. */
  readonly index: number;
  /** Position of its content_block_start in the event list. */
  readonly startEventIndex: number;
  readonly id: unknown;
  readonly name: unknown;
  /** `content_block_start.content_block.input`, which Claude Code discards. */
  readonly startInput: unknown;
  /** Concatenated `input_json_delta.partial_json`. */
  readonly json: string;
  /** How many input_json_delta events carried it. */
  readonly deltas: number;
  /** The parsed input (`{}` for an empty buffer), or undefined when `json` is not valid JSON. */
  readonly input: unknown;
}

/** The message a strict client ends up with. Fields are as the server sent them (unknown: unvalidated). */
export interface StreamedMessage {
  readonly id: unknown;
  readonly type: unknown;
  readonly role: unknown;
  readonly model: unknown;
  readonly content: readonly Json[];
  readonly stop_reason: unknown;
  readonly stop_sequence: unknown;
  readonly usage: Json | null;
}

export interface Accumulation {
  /** Null when the stream had no usable message_start. */
  readonly message: StreamedMessage | null;
  readonly toolCalls: readonly StreamedToolCall[];
  /** Grammar violations plus tool inputs that are not JSON, in stream order. */
  readonly violations: readonly StreamViolation[];
}

interface ToolBuffer {
  index: number;
  startEventIndex: number;
  id: unknown;
  name: unknown;
  startInput: unknown;
  json: string;
  deltas: number;
  stopIndex: number;
}

/**
 * Build the final message as Claude Code would: text by concatenation, tool
 * input by parsing the concatenated `partial_json` (an empty buffer is `{}`:
 * input given only in `content_block_start` is lost), usage as in
 * the SDK (output_tokens overwritten, other counters when non-null).
 * Events the grammar rejects are skipped.
 */
export function accumulateStream(events: readonly SseEvent[]): Accumulation {
  const violations: StreamViolation[] = [...checkStream(events)];
  let message: { -readonly [K in keyof StreamedMessage]: StreamedMessage[K] } | null = null;
  const content: Json[] = [];
  const tools = new Map<number, ToolBuffer>();
  let ended = false;

  events.forEach((event, i) => {
    if (ended || event.type === null || event.type === 'ping' || event.type === SSE_COMMENT_TYPE || event.type === 'error') return;
    const data = parseObject(event.data);
    if (data === null) return;
    const type = typeof data['type'] === 'string' ? data['type'] : event.type;
    if (type === 'message_start') {
      if (message !== null) return;
      const m = isObject(data['message']) ? data['message'] : {};
      message = {
        id: m['id'],
        type: m['type'],
        role: m['role'],
        model: m['model'],
        content,
        stop_reason: m['stop_reason'] ?? null,
        stop_sequence: m['stop_sequence'] ?? null,
        usage: isObject(m['usage']) ? { ...m['usage'] } : null,
      };
      return;
    }
    if (message === null) return;
    const index = data['index'];
    switch (type) {
      case 'content_block_start': {
        const block = data['content_block'];
        if (!isIndex(index) || !isObject(block) || content[index] !== undefined) return;
        content[index] = { ...block };
        if (block['type'] === 'tool_use' || block['type'] === 'server_tool_use') {
          tools.set(index, { index, startEventIndex: i, id: block['id'], name: block['name'], startInput: block['input'], json: '', deltas: 0, stopIndex: -1 });
          content[index] = { ...block, input: {} };
        }
        return;
      }
      case 'content_block_delta': {
        const delta = data['delta'];
        if (!isIndex(index) || !isObject(delta)) return;
        const block = content[index];
        if (block === undefined) return;
        const deltaType = delta['type'];
        if (deltaType === 'text_delta' && block['type'] === 'text') {
          block['text'] = `${typeof block['text'] === 'string' ? block['text'] : ''}${String(delta['text'] ?? '')}`;
        } else if (deltaType === 'thinking_delta' && block['type'] === 'thinking') {
          block['thinking'] = `${typeof block['thinking'] === 'string' ? block['thinking'] : ''}${String(delta['thinking'] ?? '')}`;
        } else if (deltaType === 'signature_delta' && block['type'] === 'thinking') {
          block['signature'] = delta['signature'];
        } else if (deltaType === 'citations_delta' && block['type'] === 'text') {
          const prior = Array.isArray(block['citations']) ? block['citations'] : [];
          block['citations'] = [...prior, delta['citation']];
        } else if (deltaType === 'input_json_delta') {
          const tool = tools.get(index);
          if (tool) {
            tool.json += typeof delta['partial_json'] === 'string' ? delta['partial_json'] : '';
            tool.deltas += 1;
          }
        }
        return;
      }
      case 'content_block_stop': {
        const tool = isIndex(index) ? tools.get(index) : undefined;
        if (tool && tool.stopIndex < 0) tool.stopIndex = i;
        return;
      }
      case 'message_delta': {
        const delta = isObject(data['delta']) ? data['delta'] : {};
        if ('stop_reason' in delta) message.stop_reason = delta['stop_reason'];
        if ('stop_sequence' in delta) message.stop_sequence = delta['stop_sequence'];
        const usage = data['usage'];
        if (isObject(usage)) {
          const merged: Json = { ...(message.usage ?? {}) };
          merged['output_tokens'] = usage['output_tokens'];
          for (const [key, value] of Object.entries(usage)) {
            if (key !== 'output_tokens' && value !== null && value !== undefined) merged[key] = value;
          }
          message.usage = merged;
        }
        return;
      }
      case 'message_stop':
        ended = true;
        return;
      default:
        return;
    }
  });

  const toolCalls: StreamedToolCall[] = [];
  for (const tool of [...tools.values()].sort((a, b) => a.index - b.index)) {
    let input: unknown;
    if (tool.json.trim() === '') {
      input = {};
    } else {
      try {
        input = JSON.parse(tool.json);
      } catch {
        input = undefined;
        const at = tool.stopIndex >= 0 ? tool.stopIndex : events.length;
        violations.push({
          code: 'tool-input-not-json',
          rule: VIOLATION_RULES['tool-input-not-json'],
          message: `the input_json_delta fragments of tool block ${tool.index} do not join into valid JSON: ${quote(tool.json)}`,
          eventIndex: at,
          evidence: truncateEvidence(tool.json),
        });
      }
    }
    const block = content[tool.index];
    if (block !== undefined) block['input'] = input;
    toolCalls.push({ index: tool.index, startEventIndex: tool.startEventIndex, id: tool.id, name: tool.name, startInput: tool.startInput, json: tool.json, deltas: tool.deltas, input });
  }
  violations.sort((a, b) => a.eventIndex - b.eventIndex);
  return { message, toolCalls, violations };
}
