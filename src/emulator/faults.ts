/**
 * Fault injection for the emulator: which chat completion gets which fault,
 * decided deterministically from a schedule and a seed, and the bytes a
 * malformed stream carries. Pure: the server (server.ts) does the I/O.
 *
 * Kinds:
 *   reset         destroy the connection after `after_tokens` streamed tokens (default 1)
 *   stall         send the headers (and `after_tokens` tokens, default 0), then nothing for `ms` (default 600000)
 *   bad_json      a data line holding broken JSON before token `after_tokens` (default 1)
 *   unknown_event an SSE event of an unknown type before token `after_tokens` (default 1)
 *   missing_blank token `after_tokens` (default 1) ends with one newline, so it runs into the next event
 *   http_NNN      answer HTTP NNN (400–599) instead of generating; `retry_after` seconds → `retry-after` header
 *   slow_headers  wait `ms` (default 2000) before the response headers, then answer normally
 *   exit          the emulator dies when this request arrives (the CLI kills its own process; a library server closes hard)
 *
 * Triggers (at most one per rule; none = every request): `at_request` N (the
 * Nth chat completion, 1-based), `every` N (every Nth), `rate` p (each request
 * with probability p, from a hash of seed, rule and request number, so the
 * same schedule and seed pick the same requests). The first rule that matches wins.
 */
import { BenchError } from '../errors.ts';

export const STREAM_FAULTS = ['reset', 'stall', 'bad_json', 'unknown_event', 'missing_blank'] as const;
export const FAULT_KINDS = [...STREAM_FAULTS, 'slow_headers', 'exit', 'http_NNN'] as const;
export type StreamFaultKind = (typeof STREAM_FAULTS)[number];
export type FaultKind = StreamFaultKind | 'slow_headers' | 'exit' | `http_${number}`;

/** One rule of a fault schedule (the `--faults FILE` entries, and what `--fault` flags become). */
export interface FaultRule {
  readonly kind: FaultKind;
  readonly at_request?: number;
  readonly every?: number;
  readonly rate?: number;
  readonly after_tokens?: number;
  readonly params?: FaultParams;
}

export interface FaultParams {
  /** stall: how long the silence lasts; slow_headers: the delay before the headers. */
  readonly ms?: number;
  /** http_NNN: the `retry-after` header, in seconds. */
  readonly retry_after?: number;
  /** http_NNN: the error message. */
  readonly message?: string;
}

export interface FaultSchedule {
  readonly rules: readonly FaultRule[];
  /** Seed of the `rate` draws. Default 1. */
  readonly seed?: number;
}

/** What a request gets: the rule's kind with every default filled in. */
export type FaultAction =
  | { readonly kind: 'reset' | 'bad_json' | 'unknown_event' | 'missing_blank'; readonly afterTokens: number }
  | { readonly kind: 'stall'; readonly afterTokens: number; readonly ms: number }
  | { readonly kind: 'http'; readonly status: number; readonly retryAfter?: number; readonly message?: string }
  | { readonly kind: 'slow_headers'; readonly ms: number }
  | { readonly kind: 'exit' };

const DEFAULT_STALL_MS = 600_000;
const DEFAULT_SLOW_HEADERS_MS = 2_000;

/** True when `kind` names a fault (http_NNN with NNN in 400–599). */
export function isFaultKind(kind: string): kind is FaultKind {
  if ((STREAM_FAULTS as readonly string[]).includes(kind) || kind === 'slow_headers' || kind === 'exit') return true;
  const m = /^http_(\d{3})$/.exec(kind);
  return m !== null && Number(m[1]) >= 400 && Number(m[1]) <= 599;
}

/** 32-bit mix of seed, rule index and request number (splitmix-like), as a fraction in [0, 1). */
export function draw(seed: number, rule: number, request: number): number {
  let h = (seed ^ Math.imul(rule + 1, 0x9e3779b1) ^ Math.imul(request, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 2 ** 32;
}

/** Does rule `index` fire on the `request`-th chat completion (1-based)? */
export function ruleMatches(rule: FaultRule, index: number, request: number, seed: number): boolean {
  if (rule.at_request !== undefined) return request === rule.at_request;
  if (rule.every !== undefined) return request % rule.every === 0;
  if (rule.rate !== undefined) return draw(seed, index, request) < rule.rate;
  return true;
}

/** The fault for the `request`-th chat completion, or null. Pure. */
export function pickFault(schedule: FaultSchedule, request: number): FaultAction | null {
  const seed = schedule.seed ?? 1;
  for (const [i, rule] of schedule.rules.entries()) {
    if (ruleMatches(rule, i, request, seed)) return toAction(rule);
  }
  return null;
}

function toAction(rule: FaultRule): FaultAction {
  const p = rule.params ?? {};
  switch (rule.kind) {
    case 'reset':
    case 'bad_json':
    case 'unknown_event':
    case 'missing_blank':
      return { kind: rule.kind, afterTokens: rule.after_tokens ?? 1 };
    case 'stall':
      return { kind: 'stall', afterTokens: rule.after_tokens ?? 0, ms: p.ms ?? DEFAULT_STALL_MS };
    case 'slow_headers':
      return { kind: 'slow_headers', ms: p.ms ?? DEFAULT_SLOW_HEADERS_MS };
    case 'exit':
      return { kind: 'exit' };
    default:
      return {
        kind: 'http',
        status: Number(rule.kind.slice('http_'.length)),
        ...(p.retry_after !== undefined ? { retryAfter: p.retry_after } : {}),
        ...(p.message !== undefined ? { message: p.message } : {}),
      };
  }
}

/** Counts chat completions and hands each its fault. The only state: the request counter. */
export class FaultInjector {
  private count = 0;
  constructor(readonly schedule: FaultSchedule) {}
  /** Chat completions seen so far. */
  get requests(): number {
    return this.count;
  }
  /** Call once per chat completion, in arrival order. */
  next(): FaultAction | null {
    this.count += 1;
    return pickFault(this.schedule, this.count);
  }
}

/** A data line whose JSON is cut in the middle of a string (what a truncating proxy leaves). */
export const BROKEN_JSON_FRAME = 'data: {"id":"chatcmpl-broken","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"cut he\n\n';
/** An event with a type no OpenAI or Anthropic client knows (SSE says: ignore it). */
export const UNKNOWN_EVENT_FRAME = 'event: claude_bench_unknown\ndata: {"type":"claude_bench_unknown","note":"injected by --fault unknown_event"}\n\n';

/** A frame as written when the blank line after it is missing: it runs into the next one. */
export function withoutBlankLine(frame: string): string {
  return frame.endsWith('\n\n') ? frame.slice(0, -1) : frame;
}

/**
 * Parse one `--fault KIND[:TRIGGER][:PARAM]` flag. TRIGGER: a rate in [0, 1]
 * (e.g. 0.25), `@N` (request N only) or `*N` (every Nth); empty = every
 * request. PARAM: `after_tokens` for reset/bad_json/unknown_event/missing_blank,
 * milliseconds for stall/slow_headers, `retry-after` seconds for http_NNN.
 */
export function parseFaultFlag(flag: string): FaultRule {
  const [kind = '', trigger = '', param, ...rest] = flag.split(':');
  const bad = (why: string): BenchError =>
    new BenchError('BAD_USAGE', `--fault ${flag}: ${why}`, {
      hint: 'KIND[:TRIGGER][:PARAM], e.g. reset:0.5:3, http_429:@2:7, stall:*3:5000, exit:@4; kinds: ' + FAULT_KINDS.join(', '),
    });
  if (rest.length > 0) throw bad('too many fields');
  if (!isFaultKind(kind)) throw bad(`unknown kind '${kind}'`);
  const rule: { -readonly [K in keyof FaultRule]: FaultRule[K] } = { kind };
  if (trigger !== '') {
    const n = Number(trigger.slice(1));
    if (trigger.startsWith('@') || trigger.startsWith('*')) {
      if (!Number.isInteger(n) || n < 1) throw bad(`trigger '${trigger}' needs a positive integer`);
      if (trigger.startsWith('@')) rule.at_request = n;
      else rule.every = n;
    } else {
      const rate = Number(trigger);
      if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw bad(`trigger '${trigger}' is neither a rate in [0, 1], @N nor *N`);
      rule.rate = rate;
    }
  }
  if (param !== undefined && param !== '') {
    const v = Number(param);
    if (!Number.isFinite(v) || v < 0) throw bad(`parameter '${param}' must be a number ≥ 0`);
    if (kind.startsWith('http_')) rule.params = { retry_after: v };
    else if (kind === 'stall' || kind === 'slow_headers') rule.params = { ms: v };
    else if (kind === 'exit') throw bad('exit takes no parameter');
    else if (!Number.isInteger(v)) throw bad('after_tokens must be an integer');
    else rule.after_tokens = v;
  }
  return rule;
}
