/**
 * Prose scrubbing of recorded Messages API traffic. Pure.
 *
 * Kept: every object key, the structure, numbers, booleans, nulls, ids, model
 * names, tool names, enum-like tokens (strings without whitespace outside the
 * prose fields), and tool input schemas (types, properties, required, enums,
 * patterns, formats). Replaced by same-length filler (filler.ts):
 *   - fields that hold natural language wherever they occur: `text`,
 *     `thinking`, `description`, `title`, `message`, `prompt`, `summary`,
 *     `cited_text`, `$comment`, and `content`/`system` when a string;
 *   - every string inside a tool call's `input` (commands, file paths, file
 *     contents), keys kept; the same for `input_json_delta` fragments, which
 *     are joined, parsed, scrubbed and split again;
 *   - any other string that contains whitespace;
 *   - identifiers of a person or machine (`metadata.user_id`) keep their shape.
 * Base64 images become a 1×1 PNG (the only way to stay decodable); other
 * base64 payloads keep their length and alphabet.
 */
import { fillOpaque, fillProse } from './filler.ts';
import type { FixtureEvent } from './format.ts';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys whose string value is natural language, wherever they appear. */
const PROSE_KEYS: ReadonlySet<string> = new Set([
  'text',
  'thinking',
  'description',
  'title',
  'message',
  'prompt',
  'summary',
  'cited_text',
  '$comment',
  'content',
  'system',
  'context',
]);

/** Keys whose string value is an identifier or token and is always kept. */
const KEEP_KEYS: ReadonlySet<string> = new Set(['model', 'name', 'id', 'type', 'role', 'tool_use_id', 'stop_reason', 'media_type', 'signature']);

/** A 1×1 transparent PNG: what a scrubbed image becomes. */
export const PLACEHOLDER_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** A string outside the prose fields: kept when it is a token, filled when it reads as text. */
function scrubLooseString(text: string): string {
  return /\s/.test(text) ? fillProse(text) : text;
}

/** Every string leaf replaced (tool inputs, examples); keys and non-strings kept. */
export function scrubEveryString(value: unknown): unknown {
  if (typeof value === 'string') return fillProse(value);
  if (Array.isArray(value)) return value.map(scrubEveryString);
  if (isObject(value)) {
    const out: Json = {};
    for (const [key, v] of Object.entries(value)) out[key] = scrubEveryString(v);
    return out;
  }
  return value;
}

/**
 * A JSON Schema with its free text scrubbed (`description`, `title`,
 * `$comment`, `examples`) and everything that constrains values kept.
 */
export function scrubSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(scrubSchema);
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if ((key === 'description' || key === 'title' || key === '$comment') && typeof value === 'string') out[key] = fillProse(value);
    else if (key === 'examples') out[key] = scrubEveryString(value);
    else out[key] = scrubSchema(value);
  }
  return out;
}

function scrubSource(source: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) out[key] = scrubNode(value, key);
  if (source['type'] === 'base64' && typeof source['data'] === 'string') {
    const media = typeof source['media_type'] === 'string' ? source['media_type'] : '';
    if (media.startsWith('image/')) {
      out['media_type'] = 'image/png';
      out['data'] = PLACEHOLDER_PNG_BASE64;
    } else {
      out['data'] = fillOpaque(source['data']);
    }
  } else if (source['type'] === 'text' && typeof source['data'] === 'string') {
    out['data'] = fillProse(source['data']);
  } else if (source['type'] === 'url' && typeof source['url'] === 'string') {
    out['url'] = fillProse(source['url']);
  }
  return out;
}

/** `metadata.user_id`: Claude Code sends a JSON string of ids; keep its shape. */
function scrubUserId(value: string): string {
  try {
    const parsed: unknown = JSON.parse(value);
    if (isObject(parsed)) {
      const out: Json = {};
      for (const [key, v] of Object.entries(parsed)) out[key] = typeof v === 'string' ? fillOpaque(v) : v;
      return JSON.stringify(out);
    }
  } catch {
    // Not JSON: an opaque id of its own.
  }
  return fillOpaque(value);
}

/** Scrub one value found under `key` (undefined for array items and the root). */
function scrubNode(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') {
    if (key !== undefined && KEEP_KEYS.has(key)) return value;
    if (key !== undefined && PROSE_KEYS.has(key)) return fillProse(value);
    if (key === 'user_id') return scrubUserId(value);
    return scrubLooseString(value);
  }
  if (Array.isArray(value)) return value.map((item) => scrubNode(item, undefined));
  if (!isObject(value)) return value;
  if (key === 'source') return scrubSource(value);
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'input' && (value['type'] === 'tool_use' || value['type'] === 'server_tool_use')) out[k] = scrubEveryString(v);
    else if (k === 'input_schema') out[k] = scrubSchema(v);
    else if (k === 'input_examples') out[k] = scrubEveryString(v);
    else out[k] = scrubNode(v, k);
  }
  return out;
}

/**
 * Scrub a Messages API JSON document: a request body (`system`, `messages`,
 * `tools`, `metadata`…), a response Message, an error body, a model list.
 * Non-JSON text bodies are scrubbed as prose.
 */
export function scrubBody(body: unknown): unknown {
  if (typeof body === 'string') return fillProse(body);
  return scrubNode(body, undefined);
}

/** Cut `text` into pieces of the given lengths (the last piece takes any rest). */
function splitByLengths(text: string, lengths: readonly number[]): string[] {
  const out: string[] = [];
  let at = 0;
  lengths.forEach((length, i) => {
    const end = i === lengths.length - 1 ? text.length : Math.min(text.length, at + length);
    out.push(text.slice(at, end));
    at = end;
  });
  return out;
}

/** Cut `text` into as many pieces as `lengths`, at proportionally scaled offsets. */
function splitProportionally(text: string, lengths: readonly number[]): string[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  if (total === text.length || total === 0) return splitByLengths(text, lengths);
  const out: string[] = [];
  let consumed = 0;
  let at = 0;
  lengths.forEach((length, i) => {
    consumed += length;
    const end = i === lengths.length - 1 ? text.length : Math.round((consumed / total) * text.length);
    out.push(text.slice(at, Math.max(at, end)));
    at = Math.max(at, end);
  });
  return out;
}

interface DeltaRef {
  readonly event: number;
  readonly field: 'text' | 'thinking' | 'partial_json';
  readonly value: string;
}

/**
 * Scrub a recorded SSE stream. Every event is scrubbed as a JSON document,
 * except the streamed pieces of a block (`text_delta`, `thinking_delta`,
 * `input_json_delta`): those are joined per block, scrubbed as one value —
 * so the result equals the same text or tool input scrubbed in the next
 * request's history — and cut again into as many pieces as arrived.
 */
export function scrubEvents(events: readonly FixtureEvent[]): FixtureEvent[] {
  // A data line that is not JSON ([DONE], a bare word) is a token unless it reads as text.
  const out: FixtureEvent[] = events.map((e) => ({ event: e.event, data: typeof e.data === 'string' ? scrubLooseString(e.data) : scrubBody(e.data) }));
  const byBlock = new Map<string, DeltaRef[]>();
  events.forEach((e, i) => {
    const data = e.data;
    if (!isObject(data) || data['type'] !== 'content_block_delta' || !isObject(data['delta'])) return;
    const delta = data['delta'];
    const field = delta['type'] === 'text_delta' ? 'text' : delta['type'] === 'thinking_delta' ? 'thinking' : delta['type'] === 'input_json_delta' ? 'partial_json' : null;
    const value = field === null ? undefined : delta[field];
    if (field === null || typeof value !== 'string') return;
    const key = `${String(data['index'])}:${field}`;
    const refs = byBlock.get(key) ?? [];
    refs.push({ event: i, field, value });
    byBlock.set(key, refs);
  });
  for (const refs of byBlock.values()) {
    const joined = refs.map((r) => r.value).join('');
    const lengths = refs.map((r) => r.value.length);
    const pieces = refs[0]?.field === 'partial_json' ? scrubJsonPieces(joined, lengths) : splitByLengths(fillProse(joined), lengths);
    refs.forEach((ref, n) => {
      const event = out[ref.event];
      if (!event || !isObject(event.data) || !isObject(event.data['delta'])) return;
      event.data['delta'] = { ...event.data['delta'], [ref.field]: pieces[n] ?? '' };
    });
  }
  return out;
}

/** Tool input streamed as JSON fragments: scrub the parsed input, then re-cut. */
function scrubJsonPieces(joined: string, lengths: readonly number[]): string[] {
  if (joined.trim() === '') return lengths.map((_, i) => (i === 0 ? joined : ''));
  try {
    const parsed: unknown = JSON.parse(joined);
    return splitProportionally(JSON.stringify(scrubEveryString(parsed)), lengths);
  } catch {
    // Not valid JSON (a defective upstream): keep the defect, fill the words.
    return splitByLengths(fillProse(joined), lengths);
  }
}
