/**
 * API key redaction for recordings. Pure. Always applied, `--raw` or not:
 * the key headers are replaced by the marker, and every value equal to or
 * containing a known key (from those headers, or given with `--api-key`) is
 * redacted wherever it appears: headers, URL, request and response bodies.
 */
import { REDACTED, redactSecrets } from '../secrets.ts';

/** Headers that carry credentials; their values are never recorded. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'x-api-key',
  'authorization',
  'proxy-authorization',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
]);

/** The keys a request presents: `x-api-key`, the Bearer token and the whole value of any credential header. */
export function keysInHeaders(headers: Readonly<Record<string, string>>): string[] {
  const keys: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!SECRET_HEADERS.has(name.toLowerCase()) || value.trim() === '') continue;
    keys.push(value.trim());
    const scheme = /^(?:bearer|basic|token)\s+(.+)$/i.exec(value.trim());
    if (scheme?.[1]) keys.push(scheme[1].trim());
  }
  return keys;
}

/** Credential headers replaced (`Bearer [REDACTED]` keeps the scheme), keys redacted in every other value. */
export function redactHeaders(headers: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (SECRET_HEADERS.has(name.toLowerCase())) {
      const scheme = /^(bearer|basic|token)\s+/i.exec(value.trim());
      out[name] = scheme ? `${scheme[1] ?? ''} ${REDACTED}` : REDACTED;
    } else {
      out[name] = redactSecrets(value, longestFirst(keys));
    }
  }
  return out;
}

/** Every string (and object key) of a JSON value with the keys replaced by the marker. */
export function redactValue(value: unknown, keys: readonly string[]): unknown {
  const ordered = longestFirst(keys);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactSecrets(v, ordered);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) out[redactSecrets(k, ordered)] = walk(inner);
      return out;
    }
    return v;
  };
  return walk(value);
}

/** A longer key that contains a shorter one must be replaced first. */
function longestFirst(keys: readonly string[]): string[] {
  return [...new Set(keys)].sort((a, b) => b.length - a.length);
}
