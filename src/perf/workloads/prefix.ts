/**
 * The share of a prompt a perfect prefix cache could serve: the longest
 * common prefix with a prompt the server saw before, over the prompt length,
 * on a rendering that ignores what chat templates ignore (`cache_control`).
 * Byte-based, so an estimate of the token share. Pure.
 */

/** The prompt as the server's template would see it: tools, system, messages; cache_control dropped. */
export function promptKey(body: Readonly<Record<string, unknown>>): string {
  return JSON.stringify({ tools: body['tools'] ?? null, system: body['system'] ?? null, messages: body['messages'] ?? null }, (key, value: unknown) =>
    key === 'cache_control' ? undefined : value,
  );
}

/** Length of the common prefix of two strings. */
export function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Best common-prefix share of `key` against any of `earlier` (0 when none). */
export function cachedShare(key: string, earlier: readonly string[]): number {
  if (key.length === 0) return 0;
  let best = 0;
  for (const e of earlier) best = Math.max(best, commonPrefixLength(key, e));
  return best / key.length;
}
