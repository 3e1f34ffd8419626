import { StringDecoder } from 'node:string_decoder';
import { Transform } from 'node:stream';
import { MIN_SECRET_LENGTH, redactSecrets } from '../secrets.ts';

/** A partial line longer than this is let through (all but the hold-back) rather than kept whole. */
const MAX_HELD_LINE = 64 * 1024;

/**
 * A Transform that replaces every secret in the text passing through, so a
 * log written through it never holds a key. A secret may arrive split across
 * chunks, so output is released whole lines at a time (a key never spans a
 * newline), which also keeps two streams writing to one file from mixing
 * inside a line. A line longer than MAX_HELD_LINE is released early except its
 * last (longest secret − 1) characters; a secret holding a newline falls back
 * to that rule throughout. Input may be Buffers (decoded as UTF-8) or strings.
 */
export function createRedactingTransform(secrets: readonly string[]): Transform {
  const active = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH);
  const holdBack = active.reduce((max, s) => Math.max(max, s.length - 1), 0);
  const lineSafe = !active.some((s) => s.includes('\n'));
  const decoder = new StringDecoder('utf8');
  let carry = '';
  return new Transform({
    decodeStrings: false,
    transform(chunk: Buffer | string, _encoding, callback) {
      const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      const clean = redactSecrets(text, active);
      let cut = lineSafe ? clean.lastIndexOf('\n') + 1 : 0;
      if (clean.length - cut > (lineSafe ? MAX_HELD_LINE : holdBack)) cut = safeCut(clean, clean.length - holdBack);
      carry = clean.slice(cut);
      callback(null, cut > 0 ? clean.slice(0, cut) : undefined);
    },
    flush(callback) {
      const rest = redactSecrets(carry + decoder.end(), active);
      carry = '';
      callback(null, rest.length > 0 ? rest : undefined);
    },
  });
}

/** Clamp a cut index to [0, length] and keep UTF-16 surrogate pairs together. */
function safeCut(text: string, index: number): number {
  let cut = Math.max(0, Math.min(text.length, index));
  const before = text.charCodeAt(cut - 1);
  if (cut > 0 && before >= 0xd800 && before <= 0xdbff) cut -= 1;
  return cut;
}
