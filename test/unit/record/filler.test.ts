import { describe, expect, it } from 'vitest';
import { fillOpaque, fillProse, fnv1a } from '../../../src/record/filler.ts';

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('fillProse', () => {
  const samples = [
    'You are an interactive agent that helps users with software engineering tasks.',
    'Create hello.py that prints a greeting, run it, then read it back.',
    '# Environment\n - Primary working directory: /home/alice/secret-project\n - Platform: linux\n',
    'print("Hello, world!")\n\tindented\r\nCRLF line',
    'Ünïcödé wörds — naïve café, 日本語のテキスト, emoji 🤖 and math 𝑥 + 𝑦',
    'supercalifragilisticexpialidocious antidisestablishmentarianism x',
    'digits 1234567890 and v2.1.332 and ABC123def',
    '',
  ];

  it('keeps the length in UTF-16 code units and in UTF-8 bytes', () => {
    for (const s of samples) {
      const out = fillProse(s);
      expect(out.length).toBe(s.length);
      expect(utf8(out)).toBe(utf8(s));
    }
  });

  it('keeps whitespace, newlines and punctuation where they were', () => {
    for (const s of samples) {
      const out = fillProse(s);
      [...s].forEach((c, i) => {
        if (!/[\p{L}\p{N}\p{M}]/u.test(c)) expect([...out][i]).toBe(c);
      });
    }
  });

  it('replaces every word (no original word of 3+ letters survives)', () => {
    const s = 'Create hello.py that prints a greeting, run it with python3, then read the file back';
    const out = fillProse(s);
    for (const word of ['Create', 'hello', 'prints', 'greeting', 'python3', 'read', 'file', 'back']) expect(out).not.toContain(word);
  });

  it('is deterministic, and maps a word the same wherever it appears', () => {
    expect(fillProse(samples[0] ?? '')).toBe(fillProse(samples[0] ?? ''));
    const whole = fillProse('alpha beta gamma');
    expect(whole.split(' ')).toEqual([fillProse('alpha'), fillProse('beta'), fillProse('gamma')]);
    // Split at word boundaries, filled whole: the pieces line up.
    expect(fillProse('alpha beta') + fillProse(' gamma')).toBe(whole);
  });

  it('keeps letter case and digit classes', () => {
    const out = fillProse('Hello WORLD abc 42');
    expect(out).toMatch(/^[A-Z][a-z]{4} [A-Z]{5} [a-z]{3} \d\d$/);
  });

  it('keeps the redaction marker as it is', () => {
    expect(fillProse('key [REDACTED] here')).toMatch(/^[a-z]{3} \[REDACTED\] [a-z]{4}$/);
  });

  it('uses real words, so token counts stay close to prose (most fillers are dictionary words)', () => {
    const out = fillProse('the quick brown fox jumps over the lazy dog');
    expect(out.split(' ').every((w) => /^[a-z]+$/.test(w))).toBe(true);
  });
});

describe('fillOpaque', () => {
  it('keeps the shape of ids: uuid stays a uuid, hex stays hex', () => {
    const uuid = '15b768bf-05d6-44e0-9297-5368470ed504';
    const out = fillOpaque(uuid);
    expect(out).not.toBe(uuid);
    expect(out).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const hex = 'f75671961034040d005827702f8010dff5ea6ed04ac5403f7400e5d41008ad52';
    expect(fillOpaque(hex)).toMatch(/^[0-9a-f]{64}$/);
    expect(fillOpaque('acct_ABCdef123')).toMatch(/^[a-z]{4}_[A-Z]{3}[a-z]{3}\d{3}$/);
    expect(fillOpaque(uuid)).toBe(out);
    expect(fillOpaque('')).toBe('');
  });
});

describe('fnv1a', () => {
  it('is stable and spreads', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('a')).not.toBe(fnv1a('b'));
  });
});
