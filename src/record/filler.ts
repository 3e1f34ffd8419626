/**
 * Deterministic same-length filler for scrubbed prose. Pure.
 *
 * Every run of letters and digits (a "word") is replaced by a common English
 * word of the same length, chosen by a hash of the original word, so:
 *   - the result has exactly the same length in UTF-16 code units and in
 *     UTF-8 bytes (non-ASCII letters are replaced by letters of the same
 *     encoded size);
 *   - whitespace, newlines, punctuation and symbols stay where they were,
 *     so markup, JSON-in-text and token counts stay close to the original;
 *   - the same word always becomes the same filler, so a text scrubbed in
 *     one request equals the same text scrubbed in the next (prefix caching
 *     and history stay consistent), and splitting a text at any offset and
 *     filling the whole keeps the split offsets valid.
 * The mapping is many-to-one (a few words per length): it cannot be undone.
 */
import { REDACTED } from '../secrets.ts';

/** Filler words by length (index = length). Common, short-token English words. */
const WORDS: readonly (readonly string[])[] = [
  [],
  ['a', 'i', 'o', 'e'],
  ['an', 'at', 'by', 'do', 'go', 'in', 'is', 'it', 'of', 'on', 'to', 'up'],
  ['and', 'but', 'can', 'day', 'for', 'get', 'new', 'now', 'one', 'see', 'the', 'use', 'way'],
  ['also', 'back', 'come', 'even', 'from', 'give', 'have', 'just', 'know', 'like', 'make', 'more', 'time', 'when', 'work'],
  ['about', 'after', 'again', 'being', 'first', 'great', 'house', 'large', 'light', 'never', 'other', 'place', 'right', 'small', 'where', 'world'],
  ['around', 'before', 'change', 'garden', 'little', 'number', 'people', 'really', 'should', 'simple', 'things', 'window'],
  ['another', 'because', 'between', 'company', 'example', 'general', 'morning', 'nothing', 'several', 'through', 'without'],
  ['anything', 'business', 'children', 'complete', 'consider', 'language', 'possible', 'question', 'straight', 'together'],
  ['attention', 'beautiful', 'community', 'direction', 'important', 'something', 'structure', 'therefore', 'yesterday'],
  ['additional', 'themselves', 'everything', 'understand', 'government', 'background', 'collection', 'particular'],
];
const LONGEST = WORDS.length - 1;

const TWO_BYTE = 'àáâäçèéêëìíîïñòóôöùúûü';
const THREE_BYTE = 'あいうえおかきくけこさしすせそ';
const FOUR_BYTE = ['𝑎', '𝑏', '𝑐', '𝑑', '𝑒', '𝑓', '𝑔'];

/** FNV-1a, 32 bits, over UTF-16 code units: small, fast and stable across runs. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A deterministic stream of numbers from a seed (mulberry32). */
function stream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)] as T;
}

/** Lower-case ASCII letters of exactly `length`, built from filler words. */
function letters(length: number, next: () => number): string {
  let out = '';
  while (out.length < length) {
    const room = length - out.length;
    // Long words are made of two or more filler words, as compounds tokenize.
    const size = room <= LONGEST ? room : Math.min(LONGEST, room - 3);
    out += pick(WORDS[size] ?? [], next);
  }
  return out;
}

const WORD_RUN = /[\p{L}\p{N}\p{M}]+/gu;

/** One word → its filler: same code points count per class, same encoded sizes. */
function fillWord(word: string): string {
  const next = stream(fnv1a(word));
  const chars = [...word];
  const base = letters(chars.length, next);
  let out = '';
  chars.forEach((c, i) => {
    const code = c.codePointAt(0) ?? 0;
    if (code < 0x80) {
      if (c >= '0' && c <= '9') out += String(Math.floor(next() * 10));
      else if (c >= 'A' && c <= 'Z') out += (base[i] ?? 'x').toUpperCase();
      else out += base[i] ?? 'x';
    } else if (code < 0x800) out += pick([...TWO_BYTE], next);
    else if (code < 0x10000) out += pick([...THREE_BYTE], next);
    else out += pick(FOUR_BYTE, next);
  });
  return out;
}

/**
 * Replace the words of `text` by filler of the same length (see the module
 * doc). The redaction marker `[REDACTED]` is kept as it is.
 */
export function fillProse(text: string): string {
  if (text === '') return text;
  return text
    .split(REDACTED)
    .map((part) => part.replace(WORD_RUN, fillWord))
    .join(REDACTED);
}

/**
 * Replace an identifier by one of the same shape: digits stay digits, hex
 * letters stay hex letters when the whole value is hex-like, other letters
 * stay letters of the same case, everything else is kept. For values that
 * identify a person or machine (account and device ids) but must keep their
 * format.
 */
export function fillOpaque(text: string): string {
  if (text === '' || text === REDACTED) return text;
  const next = stream(fnv1a(text, 0x9e3779b9));
  const hexLike = /^[0-9a-fA-F-]+$/.test(text);
  let out = '';
  for (const c of text) {
    if (c >= '0' && c <= '9') out += String(Math.floor(next() * 10));
    else if (hexLike && /[a-f]/.test(c)) out += 'abcdef'[Math.floor(next() * 6)] ?? 'a';
    else if (hexLike && /[A-F]/.test(c)) out += 'ABCDEF'[Math.floor(next() * 6)] ?? 'A';
    else if (c >= 'a' && c <= 'z') out += String.fromCharCode(97 + Math.floor(next() * 26));
    else if (c >= 'A' && c <= 'Z') out += String.fromCharCode(65 + Math.floor(next() * 26));
    else out += c;
  }
  return out;
}
