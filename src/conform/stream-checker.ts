/**
 * A Claude-Code-strict validator of Anthropic SSE streams. Pure: it reads the
 * events the client recorded and says what Claude Code (or the SDK under it)
 * would trip over, with messages modelled on the errors it really throws
 * (conformance.md §1.5, §7).
 */
import { SSE_COMMENT_TYPE } from '../client/sse-framer.ts';
import type { SseEvent } from '../types.ts';
import { quote, truncateEvidence } from './evidence.ts';
import { isIndex, isNonEmptyString, isObject, parseObject, type Json } from './json.ts';
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
      // A frame of only id:/retry: lines carries nothing a client acts on.
      if (event.data === '') return;
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
