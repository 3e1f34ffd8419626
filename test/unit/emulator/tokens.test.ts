import { describe, expect, it } from 'vitest';
import { contentText, countPromptTokens, fillerTokens, splitFixed, splitIntoTokens, textTokenCount } from '../../../src/emulator/tokens.ts';

describe('countPromptTokens', () => {
  const base = { messages: [{ role: 'user', content: 'Write a hello world program in Python.' }] };

  it('is deterministic and about 4 bytes per token plus template overhead', () => {
    const n = countPromptTokens(base);
    expect(countPromptTokens(base)).toBe(n);
    // 3 (generation prompt) + 4 (message overhead) + 1 (role) + ceil(38/4)=10
    expect(n).toBe(18);
  });

  it('grows with content, tools and tool calls; array content counts its text parts', () => {
    const withTools = {
      ...base,
      tools: [{ type: 'function', function: { name: 'Write', parameters: { type: 'object' } } }],
    };
    expect(countPromptTokens(withTools)).toBeGreaterThan(countPromptTokens(base) + 64);
    const arrayContent = { messages: [{ role: 'user', content: [{ type: 'text', text: 'Write a hello world program in Python.' }] }] };
    expect(countPromptTokens(arrayContent)).toBe(countPromptTokens(base));
    const withCall = {
      messages: [
        ...base.messages,
        { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'Write', arguments: '{"x":1}' } }] },
      ],
    };
    expect(countPromptTokens(withCall)).toBeGreaterThan(countPromptTokens(base) + 10);
  });

  it('puts a Claude Code-sized first request (~49 KB) around 12k tokens', () => {
    const big = { messages: [{ role: 'system', content: 'x'.repeat(30_000) }, { role: 'user', content: 'hi' }], tools: [{ d: 'y'.repeat(19_000) }] };
    const n = countPromptTokens(big);
    expect(n).toBeGreaterThan(12_000);
    expect(n).toBeLessThan(13_000);
  });

  it('counts UTF-8 bytes, so CJK text costs more per character', () => {
    expect(textTokenCount('abcd')).toBe(1);
    expect(textTokenCount('世界')).toBe(2); // 6 bytes
    expect(textTokenCount('')).toBe(0);
  });

  it('tolerates malformed input', () => {
    expect(countPromptTokens({})).toBe(3);
    expect(countPromptTokens({ messages: 'nope', tools: 5 })).toBe(3);
    expect(countPromptTokens({ messages: [null, 7] })).toBeGreaterThan(3);
  });

  it('reads content text from strings, part arrays and null', () => {
    expect(contentText('a')).toBe('a');
    expect(contentText([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }])).toBe('a\nb');
    expect(contentText(null)).toBe('');
  });
});

describe('output token pieces', () => {
  it('splits text into short word pieces that join back exactly', () => {
    const text = 'Hello, world!  Spaces\tand\nnewlines — ünïcödé 世界 😀😀 end ';
    const pieces = splitIntoTokens(text);
    expect(pieces.join('')).toBe(text);
    for (const p of pieces) {
      expect(Array.from(p.trimStart()).length).toBeLessThanOrEqual(4);
      // No lone surrogates: every piece survives a UTF-8 round trip.
      expect(Buffer.from(p, 'utf8').toString('utf8')).toBe(p);
    }
    expect(splitIntoTokens('')).toEqual([]);
  });

  it('splits argument text in fixed code-point fragments', () => {
    expect(splitFixed('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
    expect(splitFixed('😀😀😀', 2)).toEqual(['😀😀', '😀']);
  });

  it('makes deterministic filler of the requested length', () => {
    const a = fillerTokens(30, 7);
    expect(a).toHaveLength(30);
    expect(fillerTokens(30, 7)).toEqual(a);
    expect(a[0]?.startsWith(' ')).toBe(false);
    expect(a.slice(1).every((t) => t.startsWith(' '))).toBe(true);
    expect(a.join('').endsWith('.')).toBe(true);
    expect(fillerTokens(0)).toEqual([]);
  });
});
