/**
 * Small readers the checks share: turn an Observation into a parsed message,
 * a usable stream, or a sentence saying why there is none.
 */
import type { Observation, SseEvent } from '../../types.ts';
import type { CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { isObject, type Json } from '../json.ts';
import { ERROR_TYPE_BY_STATUS, ERROR_TYPES } from '../protocol.ts';

export { isObject, type Json } from '../json.ts';

export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * The check cannot run when the target vanished or the run was cancelled:
 * that is an error, not a measured failure. Timeouts, resets and framing
 * problems are measured behaviour of the gateway and stay data.
 */
export function ensureAnswered(obs: Observation): void {
  if (obs.error && (obs.error.kind === 'connect' || obs.error.kind === 'aborted')) {
    throw new Error(`request '${obs.label}' got no answer (${obs.error.kind}: ${obs.error.message})`);
  }
}

export function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The body as text: the non-SSE body, or the joined raw frames. */
export function bodyText(obs: Observation): string {
  if (obs.body !== null) return obs.body;
  return obs.events.map((e) => e.raw).join('\n');
}

/** One phrase for what came back: `HTTP 400 invalid_request_error: "max_tokens: Field required"`. */
export function describeAnswer(obs: Observation): string {
  if (obs.error) return `no complete answer (${obs.error.kind}: ${obs.error.message})`;
  const body = parseJson(obs.body);
  const err = isObject(body) && isObject(body['error']) ? body['error'] : null;
  if (err) {
    const type = typeof err['type'] === 'string' && err['type'] !== '' ? ` ${err['type']}` : '';
    return `HTTP ${String(obs.status)}${type}: ${quote(err['message'])}`;
  }
  if (obs.body !== null && obs.body.trim() !== '') return `HTTP ${String(obs.status)}: ${quote(obs.body)}`;
  return `HTTP ${String(obs.status)}`;
}

export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly outcome: CheckOutcome };

function failed(detail: string, evidence?: string): { ok: false; outcome: CheckOutcome } {
  return { ok: false, outcome: evidence === undefined || evidence === '' ? { status: 'fail', detail } : { status: 'fail', detail, evidence } };
}

/** A 200 JSON object answer to a non-streaming request, or the failure to report. `what` names the request. */
export function readMessage(obs: Observation, what: string): Read<Json> {
  ensureAnswered(obs);
  if (obs.error) return failed(`${what}: ${describeAnswer(obs)}`, bodyText(obs));
  if (obs.status !== 200) return failed(`${what} was answered ${describeAnswer(obs)}`, bodyText(obs));
  const body = parseJson(obs.body);
  if (obs.body === null && obs.events.length > 0) {
    return failed(`${what} (stream:false) was answered with an SSE stream instead of a JSON message`, bodyText(obs));
  }
  if (!isObject(body)) return failed(`${what} was answered HTTP 200 but the body is not a JSON object`, bodyText(obs));
  return { ok: true, value: body };
}

/** True for 200 text/event-stream answers with at least one frame. */
export function readStream(obs: Observation, what: string): Read<readonly SseEvent[]> {
  ensureAnswered(obs);
  if (obs.status !== 200) return failed(`${what} was answered ${describeAnswer(obs)}`, bodyText(obs));
  const contentType = obs.headers['content-type'] ?? '';
  if (!contentType.includes('text/event-stream') && obs.events.length === 0) {
    return failed(`${what} (stream:true) was answered with ${contentType || 'no Content-Type'} instead of text/event-stream`, bodyText(obs));
  }
  if (obs.events.length === 0) {
    return failed(`${what} was an empty stream${obs.error ? ` (${obs.error.kind}: ${obs.error.message})` : ''}`, bodyText(obs));
  }
  return { ok: true, value: obs.events };
}

/**
 * What is wrong with an error body against the Anthropic envelope
 * `{"type":"error","error":{"type","message"}}` for `status`. Empty when right.
 */
export function errorEnvelopeProblems(obs: Observation): string[] {
  const body = parseJson(obs.body);
  if (!isObject(body)) {
    return [obs.body === null || obs.body.trim() === '' ? 'the error body is empty' : 'the error body is not JSON'];
  }
  const problems: string[] = [];
  const err = body['error'];
  if (body['type'] !== 'error') {
    const openAi = isObject(err) && ('code' in err || 'param' in err);
    problems.push(
      openAi
        ? 'OpenAI-style envelope {"error":{"message","type","code"}} without the top-level "type":"error"'
        : `top-level "type" is ${quote(body['type'])}, expected "error"`,
    );
  }
  if (!isObject(err)) {
    problems.push('no "error" object');
    return problems;
  }
  const expected = obs.status !== null ? ERROR_TYPE_BY_STATUS[obs.status] : undefined;
  const type = err['type'];
  if (typeof type !== 'string' || !(ERROR_TYPES as readonly string[]).includes(type)) {
    problems.push(`error.type ${quote(type)} is not an Anthropic error type${expected ? ` (HTTP ${String(obs.status)} → "${expected}")` : ''}`);
  } else if (expected !== undefined && type !== expected) {
    problems.push(`error.type "${type}" does not match HTTP ${String(obs.status)} (expected "${expected}")`);
  }
  if (typeof err['message'] !== 'string' || err['message'].trim() === '') problems.push('error.message is missing or empty');
  const contentType = obs.headers['content-type'] ?? '';
  if (!contentType.includes('application/json')) problems.push(`Content-Type is ${quote(contentType || 'missing')}, expected application/json`);
  return problems;
}

/** `"a", "b" and 2 more` for detail strings. */
export function listSome(items: readonly string[], max = 3): string {
  if (items.length <= max) return items.join('; ');
  return `${items.slice(0, max).join('; ')} (and ${items.length - max} more)`;
}
