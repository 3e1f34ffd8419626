import { describe, expect, it } from 'vitest';
import { PrefixCache, blockHashes, renderPromptForCache } from '../../../src/emulator/prefix-cache.ts';

describe('PrefixCache', () => {
  it('counts leading hits and stops at the first miss', () => {
    const cache = new PrefixCache(10);
    for (const h of ['a', 'b', 'c']) cache.insert(h);
    expect(cache.lookup(['a', 'b', 'c', 'd'])).toBe(3);
    expect(cache.lookup(['a', 'x', 'c'])).toBe(1);
    expect(cache.lookup(['x', 'a'])).toBe(0);
  });

  it('evicts the least recently used block beyond capacity; a lookup refreshes', () => {
    const cache = new PrefixCache(3);
    for (const h of ['a', 'b', 'c']) cache.insert(h);
    expect(cache.lookup(['a'])).toBe(1); // a is now the most recent
    cache.insert('d'); // evicts b, the oldest
    expect(cache.size).toBe(3);
    expect(cache.lookup(['b'])).toBe(0);
    expect(cache.lookup(['a'])).toBe(1);
    expect(cache.lookup(['c'])).toBe(1);
    expect(cache.lookup(['d'])).toBe(1);
  });

  it('capacity 0 caches nothing; clear() forgets everything', () => {
    const off = new PrefixCache(0);
    off.insert('a');
    expect(off.lookup(['a'])).toBe(0);
    const on = new PrefixCache(5);
    on.insert('a');
    on.clear();
    expect(on.lookup(['a'])).toBe(0);
  });
});

describe('blockHashes', () => {
  it('hashes full blocks of 4 bytes per token, chained over the prefix', () => {
    const text = 'a'.repeat(64 * 3 + 10); // 16-token blocks = 64 bytes: 3 full blocks
    const h = blockHashes(text, 16);
    expect(h).toHaveLength(3);
    expect(new Set(h).size).toBe(3); // identical block contents, different prefixes
    expect(blockHashes(text, 16)).toEqual(h);
  });

  it('shares hashes up to the first differing block and none after it', () => {
    const base = 'x'.repeat(64 * 4);
    const changed = `${'x'.repeat(64 * 2)}y${'x'.repeat(64 * 2 - 1)}`;
    const a = blockHashes(base, 16);
    const b = blockHashes(changed, 16);
    expect(b.slice(0, 2)).toEqual(a.slice(0, 2));
    expect(b[2]).not.toBe(a[2]);
    expect(b[3]).not.toBe(a[3]); // same bytes as a[3], but a different prefix
  });
});

describe('renderPromptForCache', () => {
  it('keeps what a chat template renders and drops what it ignores (cache_control, model)', () => {
    const turn1 = {
      model: 'a',
      tools: [{ type: 'function', function: { name: 'Read' } }],
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'SYS', cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: [{ type: 'text', text: 'hello', cache_control: { type: 'ephemeral' } }] },
      ],
    };
    const turn2 = {
      model: 'b',
      tools: turn1.tools,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'SYS' }] },
        { role: 'user', content: [{ type: 'text', text: 'hello' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'Read', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'file body' },
      ],
    };
    const r1 = renderPromptForCache(turn1);
    const r2 = renderPromptForCache(turn2);
    expect(r2.startsWith(r1)).toBe(true);
    expect(r1).toContain('SYS');
    expect(r2).toContain('[t1]');
    expect(r2).toContain('"name":"Read"');
  });

  it('tolerates malformed input', () => {
    expect(renderPromptForCache({ messages: [null, 3, { content: 'x' }] })).toContain('x');
    expect(renderPromptForCache({})).toBe('');
  });
});
