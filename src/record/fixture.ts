/**
 * Turn one captured exchange into the fixture written to disk: bodies and
 * events parsed, keys redacted (always), prose scrubbed (unless raw). Pure.
 */
import { SSE_COMMENT_TYPE } from '../client/sse-framer.ts';
import type { SseEvent } from '../types.ts';
import { FIXTURE_FORMAT, type Fixture, type FixtureEvent, type FixtureResponse } from './format.ts';
import { redactHeaders, redactValue } from './keys.ts';
import { scrubBody, scrubEvents } from './scrub.ts';

/** What the proxy saw of one exchange, before redaction. */
export interface Capture {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  /** Request headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Request body text; null when there was none. */
  readonly body: string | null;
  readonly recordedAt: Date;
  readonly response: {
    readonly status: number | null;
    readonly headers: Readonly<Record<string, string>>;
    /** Decoded body text of a non-SSE answer. */
    readonly body?: string;
    /** Events of an SSE answer. */
    readonly events?: readonly SseEvent[];
    readonly error?: string;
  } | null;
}

export interface BuildOptions {
  /** Keys to redact (those seen in credential headers plus any given). */
  readonly keys: readonly string[];
  /** Replace prose by filler (the default of `record`; false with --raw). */
  readonly scrub: boolean;
}

/** JSON when the text parses, else the text itself. */
function jsonOrText(text: string): unknown {
  if (text.trim() === '') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toEvent(e: SseEvent): FixtureEvent {
  if (e.type === SSE_COMMENT_TYPE) return { event: SSE_COMMENT_TYPE, data: '' };
  return { event: e.type, data: jsonOrText(e.data) };
}

/** Build the fixture for `capture` (see the module doc). */
export function buildFixture(capture: Capture, options: BuildOptions): Fixture {
  const { keys, scrub } = options;
  const requestBody = capture.body === null || capture.body === '' ? null : jsonOrText(capture.body);
  let response: FixtureResponse | null = null;
  const r = capture.response;
  if (r !== null) {
    const events = r.events?.map(toEvent);
    const body = r.body === undefined ? undefined : jsonOrText(r.body);
    const redactedEvents = events === undefined ? undefined : (redactValue(events, keys) as FixtureEvent[]);
    const redactedBody = body === undefined ? undefined : redactValue(body, keys);
    response = {
      status: r.status,
      headers: redactHeaders(r.headers, keys),
      ...(redactedEvents !== undefined ? { events: scrub ? scrubEvents(redactedEvents) : redactedEvents } : {}),
      ...(redactedBody !== undefined ? { body: scrub ? scrubBody(redactedBody) : redactedBody } : {}),
      ...(r.error !== undefined ? { error: redactValue(r.error, keys) as string } : {}),
    };
  }
  const redactedBody = redactValue(requestBody, keys);
  const userAgent = capture.headers['user-agent'];
  return {
    format: FIXTURE_FORMAT,
    scrubbed: scrub,
    method: capture.method,
    url: redactValue(capture.url, keys) as string,
    headers: redactHeaders(capture.headers, keys),
    body: scrub ? scrubBody(redactedBody) : redactedBody,
    response,
    recorded_at: capture.recordedAt.toISOString(),
    client: { user_agent: userAgent === undefined ? null : (redactValue(userAgent, keys) as string) },
  };
}
