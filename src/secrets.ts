/**
 * Secret redaction shared by every writer (results, requests.jsonl, stack
 * logs, recorded fixtures): one rule, so no file can be scrubbed less than
 * another.
 */

/** Placeholder written wherever a secret stood. */
export const REDACTED = '[REDACTED]';

/**
 * Shorter values are not redacted: replacing "ab" everywhere would shred the
 * document, and such a value protects nothing anyway.
 */
export const MIN_SECRET_LENGTH = 4;

/**
 * The forms a secret takes in text we write: verbatim, and JSON-escaped (a
 * key holding `"` or `\` appears escaped inside a JSON document). Longest
 * first, so a secret that contains another is replaced whole.
 */
export function secretForms(secrets: readonly string[]): string[] {
  const out = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    out.add(secret);
    out.add(JSON.stringify(secret).slice(1, -1));
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** Replace every occurrence of each secret (in each of its forms) in `text`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const form of secretForms(secrets)) {
    if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}
