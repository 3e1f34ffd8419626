/**
 * Turn a recorded request into the request to replay against a target. Pure.
 * The body is sent as recorded except `model` (the target's); headers are
 * the recorded ones minus credentials (the client adds the target's key),
 * per-connection headers and anything the client computes itself.
 */
import type { Fixture } from '../../record/format.ts';
import { REDACTED } from '../../secrets.ts';
import type { RequestSpec } from '../../types.ts';

/** Recorded headers that are never replayed. */
const NOT_REPLAYED: ReadonlySet<string> = new Set([
  'x-api-key',
  'authorization',
  'proxy-authorization',
  'cookie',
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  // The client's own id is what requests.jsonl is keyed by.
  'x-request-id',
]);

/** Encodings the client decodes; anything else asked for (zstd) is dropped from accept-encoding. */
const DECODABLE = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'identity']);

/** What kind of API call a recorded request is. */
export type ReplayKind = 'messages' | 'count_tokens' | 'api' | 'other';

/** Classify by method and path: only Messages API calls are replayed. */
export function replayKind(fixture: Fixture): ReplayKind {
  const pathname = fixture.url.split('?')[0] ?? '';
  if (fixture.method === 'POST' && /^\/v1\/messages\/?$/.test(pathname)) return 'messages';
  if (fixture.method === 'POST' && /^\/v1\/messages\/count_tokens\/?$/.test(pathname)) return 'count_tokens';
  if ((fixture.method === 'GET' || fixture.method === 'POST') && pathname.startsWith('/v1/')) return 'api';
  return 'other';
}

/** The recorded headers to send again. */
export function replayHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (NOT_REPLAYED.has(name) || value.includes(REDACTED)) continue;
    if (name === 'accept-encoding') {
      const kept = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => DECODABLE.has(v.split(';')[0]?.trim().toLowerCase() ?? ''));
      if (kept.length > 0) out[name] = kept.join(', ');
      continue;
    }
    out[name] = value;
  }
  return out;
}

/** How the recorded client presented its key: Bearer only, or x-api-key. */
function authMode(headers: Readonly<Record<string, string>>): 'bearer' | 'x-api-key' {
  const has = (name: string): boolean => Object.keys(headers).some((h) => h.toLowerCase() === name);
  return has('authorization') && !has('x-api-key') ? 'bearer' : 'x-api-key';
}

/**
 * The request to send for `fixture`, with `model` in place of the recorded
 * model; null when the fixture is not replayable (not an API call, or a
 * body that is not a JSON object).
 */
export function replaySpec(fixture: Fixture, model: string, label: string): RequestSpec | null {
  const kind = replayKind(fixture);
  if (kind === 'other') return null;
  const headers = replayHeaders(fixture.headers);
  const auth = authMode(fixture.headers);
  if (fixture.method === 'GET') return { method: 'GET', path: fixture.url, headers, auth, label };
  const body = fixture.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const withModel = 'model' in body ? { ...body, model } : body;
  return { method: 'POST', path: fixture.url, headers, body: withModel, auth, label };
}
