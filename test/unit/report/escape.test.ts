import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScript } from '../../../src/report/escape.ts';

describe('HTML escaping', () => {
  it('escapes markup characters in text and attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });

  it('writes control characters out as visible \\uXXXX text and replaces lone surrogates', () => {
    expect(escapeHtml('a\u0000b\u001bc\u007fd\te\nf')).toBe('a\\u0000b\\u001bc\\u007fd\te\nf');
    expect(escapeHtml('x\udc00y \ud83d\ude00')).toBe('x\ufffdy \ud83d\ude00');
  });

  it('keeps inline JSON from closing its script element', () => {
    const text = jsonForScript({ s: '</script><!--<script>' });
    expect(text).not.toContain('<');
    expect(JSON.parse(text)).toEqual({ s: '</script><!--<script>' });
  });
});
