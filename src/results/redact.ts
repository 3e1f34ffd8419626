/** Placeholder written wherever a secret stood. */
export const REDACTED = '[REDACTED]';

/**
 * Replace every occurrence of each secret in `text`. Secrets shorter than 4
 * characters are ignored: redacting "a" would shred the document and such a
 * value protects nothing anyway.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Strip user:password from a URL before it is shown or stored. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
