/** Largest evidence string kept on a verdict: enough to show a frame or an error body. */
export const EVIDENCE_MAX_CHARS = 2048;

/** Cut server-supplied text to the evidence bound, saying how much was left out. */
export function truncateEvidence(text: string, max = EVIDENCE_MAX_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

/** A short one-line quote of a value for `detail` strings. */
export function quote(value: unknown, max = 120): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
