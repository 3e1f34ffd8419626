/**
 * The fixture format: one JSON file per request a client made through
 * `claude-bench record`, named `NNNN-<method>-<path-slug>.json`. The
 * recorder writes it; `conform --fixtures` reads it (scrubbed or raw alike).
 * fixtures/sessions/README.md describes it for people.
 */
import { BenchError } from '../errors.ts';

/** Value of the `format` field of every file the recorder writes. */
export const FIXTURE_FORMAT = 'claude-bench.fixture/1';


/** One SSE event of a recorded response: `data` is the parsed JSON when it parses, else the text. */
export interface FixtureEvent {
  /** The `event:` name; null for a `data:`-only frame, ':comment' for a comment-only frame. */
  readonly event: string | null;
  readonly data: unknown;
}

/** What came back for a recorded request. */
export interface FixtureResponse {
  /** HTTP status; null when no response arrived (see `error`). */
  readonly status: number | null;
  /** Response headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Non-SSE body: parsed JSON when it parses, else text. Absent for SSE. */
  readonly body?: unknown;
  /** SSE events in arrival order. Present only for `text/event-stream` answers. */
  readonly events?: readonly FixtureEvent[];
  /** Why the exchange did not complete (upstream unreachable, client went away…). */
  readonly error?: string;
}

/** One recorded request and its answer. */
export interface Fixture {
  /** {@link FIXTURE_FORMAT}; optional on read so hand-made recordings load too. */
  readonly format?: string;
  /** True when prose was replaced by filler; false for `--raw` recordings. */
  readonly scrubbed?: boolean;
  readonly method: string;
  /** Path and query only, e.g. `/v1/messages?beta=true`. */
  readonly url: string;
  /** Request headers as the client sent them, lower-cased names, keys redacted. */
  readonly headers: Readonly<Record<string, string>>;
  /** Request body: parsed JSON when it parses, the text otherwise, null when there was none. */
  readonly body: unknown;
  readonly response: FixtureResponse | null;
  /** ISO time the request arrived. */
  readonly recorded_at?: string;
  readonly client?: { readonly user_agent: string | null };
}

/** A fixture file name: `0001-post-v1-messages.json`. */
export function fixtureFileName(seq: number, method: string, url: string): string {
  const number = String(seq).padStart(4, '0');
  return `${number}-${method.toLowerCase().replace(/[^a-z]/g, '') || 'request'}-${pathSlug(url)}.json`;
}

/** `/v1/messages?beta=true` → `v1-messages` (query dropped, at most 60 characters). */
export function pathSlug(url: string): string {
  const path = url.split('?')[0] ?? '';
  const slug = path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug === '' ? 'root' : slug;
}

/** True for names the recorder writes (`NNNN-…json`). */
export function isFixtureFileName(name: string): boolean {
  return /^\d{4,}-[a-z]+-[a-z0-9-]+\.json$/.test(name);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown): Record<string, string> | null {
  if (!isRecord(value)) return null;
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== 'string') return null;
    out[name.toLowerCase()] = v;
  }
  return out;
}

/**
 * Check a parsed fixture file and return it typed. Lenient where a hand-made
 * or raw recording may differ (format, scrubbed, response absent), strict on
 * what a replay needs. Throws BenchError BAD_INPUT naming `source`.
 */
export function parseFixture(value: unknown, source: string): Fixture {
  const bad = (problem: string): BenchError =>
    new BenchError('BAD_INPUT', `fixture ${source}: ${problem}`, { hint: 'see fixtures/sessions/README.md for the format' });
  if (!isRecord(value)) throw bad('expected a JSON object');
  const method = value['method'];
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) throw bad('"method" must be an HTTP method name');
  const url = value['url'];
  if (typeof url !== 'string' || !url.startsWith('/')) throw bad('"url" must be a path (and query) starting with "/"');
  const headers = value['headers'] === undefined ? {} : stringMap(value['headers']);
  if (headers === null) throw bad('"headers" must be an object of strings');
  const format = value['format'];
  if (format !== undefined && format !== FIXTURE_FORMAT) throw bad(`unknown "format" ${JSON.stringify(format)} (expected ${FIXTURE_FORMAT})`);
  let response: FixtureResponse | null = null;
  const rawResponse = value['response'];
  if (isRecord(rawResponse)) {
    const status = rawResponse['status'];
    if (status !== null && status !== undefined && (typeof status !== 'number' || !Number.isInteger(status))) throw bad('"response.status" must be an integer or null');
    const responseHeaders = rawResponse['headers'] === undefined ? {} : stringMap(rawResponse['headers']);
    if (responseHeaders === null) throw bad('"response.headers" must be an object of strings');
    const events = rawResponse['events'];
    if (events !== undefined && !Array.isArray(events)) throw bad('"response.events" must be an array');
    response = {
      status: typeof status === 'number' ? status : null,
      headers: responseHeaders,
      ...('body' in rawResponse ? { body: rawResponse['body'] } : {}),
      ...(Array.isArray(events) ? { events: events.map((e, i) => parseEvent(e, i, bad)) } : {}),
      ...(typeof rawResponse['error'] === 'string' ? { error: rawResponse['error'] } : {}),
    };
  } else if (rawResponse !== undefined && rawResponse !== null) {
    throw bad('"response" must be an object or null');
  }
  const client = value['client'];
  const userAgent = isRecord(client) && typeof client['user_agent'] === 'string' ? client['user_agent'] : null;
  return {
    ...(typeof format === 'string' ? { format } : {}),
    ...(typeof value['scrubbed'] === 'boolean' ? { scrubbed: value['scrubbed'] } : {}),
    method: method.toUpperCase(),
    url,
    headers,
    body: value['body'] ?? null,
    response,
    ...(typeof value['recorded_at'] === 'string' ? { recorded_at: value['recorded_at'] } : {}),
    ...(isRecord(client) ? { client: { user_agent: userAgent } } : {}),
  };
}

function parseEvent(value: unknown, index: number, bad: (problem: string) => BenchError): FixtureEvent {
  if (!isRecord(value)) throw bad(`"response.events[${index}]" must be an object`);
  const event = value['event'];
  if (event !== null && typeof event !== 'string') throw bad(`"response.events[${index}].event" must be a string or null`);
  return { event, data: value['data'] ?? null };
}
