/** Deterministic filler text of exact byte sizes, from a seed. Pure. */

/** mulberry32: a small seeded PRNG returning numbers in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash of a string (FNV-1a), to derive seeds from names. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'qu', 'ze', 'ba', 'di', 'fo', 'gu', 'hy', 'jo'];

/**
 * ASCII pseudo-words separated by spaces, exactly `bytes` long (≈ bytes/4
 * tokens in the emulator's tokenizer). Different seeds give different text
 * from the first word, so two seeds share no prefix.
 */
export function fillerText(bytes: number, seed: number): string {
  if (bytes <= 0) return '';
  const rand = prng(seed);
  let out = '';
  while (out.length < bytes) {
    const syllables = 1 + Math.floor(rand() * 4);
    let word = '';
    for (let i = 0; i < syllables; i++) word += SYLLABLES[Math.floor(rand() * SYLLABLES.length)] ?? 'ka';
    out += out.length === 0 ? word : ` ${word}`;
  }
  return out.slice(0, bytes);
}

/** UTF-8 byte length of a JSON value. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}
