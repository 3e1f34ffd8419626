/**
 * A Claude-Code-strict validator of Anthropic SSE streams. Pure: it reads the
 * events the client recorded and says what Claude Code (or the SDK under it)
 * would trip over, with messages modelled on the errors it really throws
 * (conformance.md §1.5, §7).
 */
import { SSE_COMMENT_TYPE } from '../client/sse-framer.ts';
import type { SseEvent } from '../types.ts';
import { quote, truncateEvidence } from './evidence.ts';
import { DELTA_BLOCK_TYPES, isStopReason, STREAM_EVENT_TYPES } from './protocol.ts';

/** Catalogue check each violation belongs to (conformance.md §5). */
export type StreamRule = 'S1' | 'S2' | 'S3' | 'S4' | 'S5' | 'S6' | 'S7' | 'P5' | 'U1';

/** Stable violation codes, each owned by one catalogue rule. */
export const VIOLATION_RULES = {
  'frame-without-event': 'S1',
  'event-name-mismatch': 'S1',
  'invalid-json': 'S1',
  'no-message-start': 'S2',
  'event-before-message-start': 'S2',
  'duplicate-message-start': 'S2',
  'message-start-missing-usage': 'S2',
  'message-start-incomplete': 'S2',
  'block-not-found': 'S3',
  'block-index-not-sequential': 'S3',
  'block-restarted': 'S3',
  'block-overlap': 'S3',
  'block-not-stopped': 'S3',
  'block-stop-without-start': 'S3',
  'delta-type-mismatch': 'S4',
  'block-start-incomplete': 'S5',
  'no-message-delta': 'S6',
  'message-delta-missing-usage': 'S6',
  'message-delta-missing-output-tokens': 'S6',
  'message-delta-incomplete': 'S6',
  'null-stop-reason': 'S6',
  'stop-reason-not-anthropic': 'P5',
  'no-message-stop': 'S7',
  'duplicate-message-stop': 'S7',
  'event-after-message-stop': 'S7',
  'done-sentinel': 'S7',
  'error-event': 'S7',
  'tool-input-not-json': 'U1',
} as const satisfies Record<string, StreamRule>;

export type StreamViolationCode = keyof typeof VIOLATION_RULES;

/** One thing in a stream that Claude Code would reject or mishandle. */
export interface StreamViolation {
  readonly code: StreamViolationCode;
  readonly rule: StreamRule;
  /** What is wrong, in words a gateway author can act on. */
  readonly message: string;
  /** Index into the event list; `events.length` when the problem is the end of the stream. */
  readonly eventIndex: number;
  /** The raw frame (truncated), or the last frame for end-of-stream problems. */
  readonly evidence: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseObject(data: string): Json | null {
  try {
    const parsed: unknown = JSON.parse(data);
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

const KNOWN_EVENTS: ReadonlySet<string> = new Set(STREAM_EVENT_TYPES);

interface BlockState {
  readonly type: string;
  open: boolean;
}

/** Which fields of `message_start.message` are missing or wrong, as a list of names. */
function incompleteMessageFields(message: Json): string[] {
  const bad: string[] = [];
  if (!isNonEmptyString(message['id'])) bad.push('id');
  if (message['type'] !== 'message') bad.push('type:"message"');
  if (message['role'] !== 'assistant') bad.push('role:"assistant"');
  if (!Array.isArray(message['content'])) bad.push('content:[]');
  else if (message['content'].length > 0) bad.push('content must be empty (blocks arrive as content_block_start)');
  if (typeof message['model'] !== 'string') bad.push('model');
  const usage = message['usage'];
  if (isObject(usage)) {
    if (typeof usage['input_tokens'] !== 'number') bad.push('usage.input_tokens');
    if (typeof usage['output_tokens'] !== 'number') bad.push('usage.output_tokens');
  }
  return bad;
}

/** Missing fields of a `content_block_start.content_block`, per block type. */
function incompleteBlockFields(block: Json): string[] {
  switch (block['type']) {
    case 'text':
      return typeof block['text'] === 'string' ? [] : ['text:""'];
    case 'tool_use':
    case 'server_tool_use': {
      const bad: string[] = [];
      if (!isNonEmptyString(block['id'])) bad.push('id');
      if (!isNonEmptyString(block['name'])) bad.push('name');
      if (!isObject(block['input'])) bad.push('input:{}');
      return bad;
    }
    case 'thinking': {
      const bad: string[] = [];
      if (typeof block['thinking'] !== 'string') bad.push('thinking:""');
      if (typeof block['signature'] !== 'string') bad.push('signature:""');
      return bad;
    }
    default:
      return [];
  }
}

/** The kind of block a delta type belongs to, as Claude Code names it in its error. */
function blockKindOfDelta(deltaType: string): string {
  const kinds = DELTA_BLOCK_TYPES[deltaType];
  return kinds?.[0] ?? deltaType;
}

/**
 * Validate a recorded stream against the grammar Claude Code depends on:
 * `ping* message_start block* message_delta+ message_stop`, blocks numbered
 * from 0, one open at a time, deltas of the block's own type.
 * Pings and unknown event names are skipped, as the docs ask of clients.
 */
export function checkStream(events: readonly SseEvent[]): StreamViolation[] {
  const out: StreamViolation[] = [];
  const add = (code: StreamViolationCode, message: string, eventIndex: number): void => {
    const raw = events[eventIndex]?.raw ?? events.at(-1)?.raw ?? '';
    out.push({ code, rule: VIOLATION_RULES[code], message, eventIndex, evidence: truncateEvidence(raw) });
  };

  let started = false;
  let stopped = false;
  let sawMessageDelta = false;
  let nextIndex = 0;
  const blocks = new Map<number, BlockState>();

  const closeOpenBlocks = (at: number, why: string): void => {
    for (const [index, block] of blocks) {
      if (!block.open) continue;
      add('block-not-stopped', `block ${index} (${block.type}) was never closed with content_block_stop before ${why}`, at);
      block.open = false;
    }
  };
  const openIndex = (): number | null => {
    for (const [index, block] of blocks) if (block.open) return index;
    return null;
  };

  events.forEach((event, i) => {
    if (event.type === null) {
      if (event.data.trim() === '[DONE]') {
        add('done-sentinel', 'the stream ends with the OpenAI sentinel "data: [DONE]"; the Anthropic stream ends after message_stop', i);
      } else {
        add('frame-without-event', 'a frame has "data:" but no "event:" line; the SDK and Claude Code dispatch on the event name and silently drop it', i);
      }
      return;
    }
    // Pings and SSE comments may come anywhere; clients skip them.
    if (event.type === 'ping' || event.type === SSE_COMMENT_TYPE) return;
    if (event.type === 'error') {
      const body = parseObject(event.data);
      const err = isObject(body?.['error']) ? body['error'] : null;
      const what = err ? `${String(err['type'])}: ${String(err['message'])}` : quote(event.data);
      add('error-event', `the stream carried an in-stream error event (${what}); the SDK throws it as an APIError`, i);
      return;
    }
    const data = parseObject(event.data);
    if (data === null) {
      add('invalid-json', `the data of a "${event.type}" event is not a JSON object: ${quote(event.data)}`, i);
      return;
    }
    const dataType = data['type'];
    if (dataType !== event.type) {
      add('event-name-mismatch', `event name "${event.type}" but data.type ${quote(dataType)}; the two must match`, i);
    }
    // The SDK dispatches on data.type once the frame has a name; do the same.
    const type = typeof dataType === 'string' ? dataType : event.type;
    if (!KNOWN_EVENTS.has(type) || type === 'ping') return;

    if (stopped) {
      if (type === 'message_stop') {
        add('duplicate-message-stop', 'a second message_stop (Claude Code: "Received message_stop without a current message")', i);
      } else {
        add('event-after-message-stop', `"${type}" arrived after message_stop; message_stop must be the last event`, i);
      }
      return;
    }

    if (type === 'message_start') {
      if (started) {
        add('duplicate-message-start', 'a second message_start before message_stop (SDK: "Unexpected event order, got message_start before receiving message_stop")', i);
        return;
      }
      started = true;
      const message = data['message'];
      if (!isObject(message)) {
        add('message-start-missing-usage', 'message_start has no message object, so no usage (Claude Code: "Cannot set properties of undefined (setting \'output_tokens\')")', i);
        return;
      }
      if (!isObject(message['usage'])) {
        add('message-start-missing-usage', 'message_start.message has no usage object (Claude Code: "Cannot set properties of undefined (setting \'output_tokens\')")', i);
      }
      const bad = incompleteMessageFields(message);
      if (bad.length > 0) add('message-start-incomplete', `message_start.message is missing or has wrong: ${bad.join(', ')}`, i);
      return;
    }

    if (!started) {
      add('event-before-message-start', `"${type}" arrived before message_start; Claude Code has no message to attach it to`, i);
      return;
    }

    switch (type) {
      case 'content_block_start': {
        const index = data['index'];
        const block = data['content_block'];
        if (!isIndex(index)) {
          add('block-index-not-sequential', `content_block_start has index ${quote(index)}; it must be an integer counting from 0`, i);
          return;
        }
        if (blocks.has(index)) {
          add('block-restarted', `block ${index} was started a second time`, i);
          return;
        }
        if (index !== nextIndex) {
          add('block-index-not-sequential', `content_block_start with index ${index} where ${nextIndex} was expected; indices count 0,1,2… and match the position in the final content array`, i);
        }
        const open = openIndex();
        if (open !== null) {
          add('block-overlap', `block ${index} started while block ${open} is still open; each block must be stopped before the next starts (Claude Code: "Content block not found")`, i);
        }
        const blockType = isObject(block) && typeof block['type'] === 'string' ? block['type'] : 'unknown';
        if (isObject(block)) {
          const missing = incompleteBlockFields(block);
          if (missing.length > 0) add('block-start-incomplete', `content_block_start of a ${blockType} block lacks ${missing.join(', ')}`, i);
        } else {
          add('block-start-incomplete', `content_block_start has no content_block object`, i);
        }
        blocks.set(index, { type: blockType, open: true });
        nextIndex = Math.max(nextIndex, index + 1);
        return;
      }
      case 'content_block_delta': {
        const index = data['index'];
        const block = isIndex(index) ? blocks.get(index) : undefined;
        if (!block) {
          add('block-not-found', `content_block_delta for block ${quote(index)}, which was never started (Claude Code: "Content block not found")`, i);
          return;
        }
        if (!block.open) {
          add('block-not-found', `content_block_delta for block ${String(index)} after its content_block_stop (Claude Code: "Content block not found")`, i);
          return;
        }
        const delta = data['delta'];
        const deltaType = isObject(delta) && typeof delta['type'] === 'string' ? delta['type'] : null;
        if (deltaType === null) {
          add('delta-type-mismatch', `content_block_delta for block ${String(index)} has no delta.type`, i);
          return;
        }
        const allowed = DELTA_BLOCK_TYPES[deltaType];
        if (allowed && !allowed.includes(block.type)) {
          add(
            'delta-type-mismatch',
            `${deltaType} sent into block ${String(index)}, a ${block.type} block (Claude Code: "Content block is not a ${blockKindOfDelta(deltaType)} block")`,
            i,
          );
        }
        return;
      }
      case 'content_block_stop': {
        const index = data['index'];
        const block = isIndex(index) ? blocks.get(index) : undefined;
        if (!block || !block.open) {
          add('block-stop-without-start', `content_block_stop for block ${quote(index)}, which is not open (Claude Code: "Content block not found")`, i);
          return;
        }
        block.open = false;
        return;
      }
      case 'message_delta': {
        closeOpenBlocks(i, 'message_delta');
        sawMessageDelta = true;
        const usage = data['usage'];
        if (!isObject(usage)) {
          add('message-delta-missing-usage', 'message_delta has no usage object (SDK/Claude Code: "Cannot read properties of undefined (reading \'output_tokens\')")', i);
        } else if (typeof usage['output_tokens'] !== 'number') {
          add('message-delta-missing-output-tokens', `message_delta.usage.output_tokens is ${quote(usage['output_tokens'])}; it must be the (cumulative) number of output tokens`, i);
        }
        const delta = data['delta'];
        if (!isObject(delta)) {
          add('null-stop-reason', 'message_delta has no delta object, so no stop_reason', i);
          return;
        }
        const reason = delta['stop_reason'];
        if (reason === null || reason === undefined) {
          add('null-stop-reason', 'message_delta.delta.stop_reason is null; the final message_delta must say why generation stopped', i);
        } else if (!isStopReason(reason)) {
          add('stop-reason-not-anthropic', `stop_reason ${quote(reason)} is not an Anthropic value (end_turn, max_tokens, stop_sequence, tool_use, …)`, i);
        }
        if (!('stop_sequence' in delta)) {
          add('message-delta-incomplete', 'message_delta.delta has no stop_sequence key (null or the matched string)', i);
        }
        return;
      }
      case 'message_stop': {
        closeOpenBlocks(i, 'message_stop');
        if (!sawMessageDelta) add('no-message-delta', 'message_stop without any message_delta: no stop_reason and no output token count reach Claude Code', i);
        stopped = true;
        return;
      }
      default:
        return;
    }
  });

  const end = events.length;
  if (!started) {
    // The first frame shows best what came instead of message_start.
    out.push({
      code: 'no-message-start',
      rule: VIOLATION_RULES['no-message-start'],
      message: 'the stream never sent message_start (SDK: "request ended without sending any chunks")',
      eventIndex: end,
      evidence: truncateEvidence(events[0]?.raw ?? ''),
    });
  } else if (!stopped) {
    closeOpenBlocks(end, 'the stream ended');
    if (!sawMessageDelta) add('no-message-delta', 'the stream ended without any message_delta: no stop_reason and no output token count', end);
    add('no-message-stop', 'the stream ended without message_stop; Claude Code treats the turn as cut off', end);
  }
  return out;
}

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
