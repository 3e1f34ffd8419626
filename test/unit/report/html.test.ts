import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../src/gate/index.ts';
import { escapeHtml, jsonForScript } from '../../../src/report/escape.ts';
import { renderHtml, type ReportData } from '../../../src/report/html/index.ts';
import type { RunResult } from '../../../src/types.ts';
import { perfResult, syntheticRun } from '../../support/perf-sample.ts';
import { sampleResult, verdict } from '../../support/sample-result.ts';
import { HOSTILE, IMG_TAG, SCRIPT_TAG } from './hostile.ts';

function hostileResult(): RunResult {
  const base = sampleResult([
    verdict({ id: 'S1', status: 'pass' }),
    verdict({ id: 'X1', title: HOSTILE, status: 'fail', detail: `detail ${HOSTILE}`, evidence: `evidence ${HOSTILE}`, request_ids: ['req-1', `"><img src=x onerror=alert(3)>`] }),
  ]);
  return { ...base, target: { ...base.target, description: `gw ${SCRIPT_TAG}`, model: IMG_TAG } };
}

function dataBlock(html: string): string {
  const m = /<script type="application\/json" id="cb-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no data block');
  return m[1] as string;
}

/** Every URL-bearing attribute value of every real tag (escaped text is not a tag). */
function urlAttributes(html: string): string[] {
  const out: string[] = [];
  for (const tag of html.matchAll(/<([a-zA-Z][\w-]*)([^>]*)>/g)) {
    const attrs = tag[2] ?? '';
    const re = /\s*([^\s=>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/y;
    let m: RegExpExecArray | null;
    while (re.lastIndex < attrs.length && (m = re.exec(attrs)) !== null) {
      if (m[0] === '') break;
      const name = (m[1] ?? '').toLowerCase();
      if (['src', 'href', 'action', 'xlink:href', 'formaction', 'poster', 'data', 'srcset'].includes(name)) out.push(m[2] ?? m[3] ?? m[4] ?? '');
    }
  }
  return out;
}

describe('renderHtml', () => {
  const requests = { 'req-1': `HTTP 200\n\ndata: {"text":"${SCRIPT_TAG}${IMG_TAG}"}` };
  const html = renderHtml([hostileResult()], { requests });

  it('escapes everything a server sent: no tag from the data reaches the markup', () => {
    const markup = html.replace(dataBlock(html), '');
    expect(markup).not.toContain(SCRIPT_TAG);
    expect(markup).not.toContain('<img');
    expect(markup).not.toContain('alert(2)</script>');
    expect(markup).toContain(escapeHtml(SCRIPT_TAG));
    expect(markup).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // the only script elements are the data block and the report's own script
    expect(markup.match(/<script/g)).toHaveLength(2);
    // control characters are written out as visible text, never raw
    expect(markup).not.toMatch(/[\u0000\u0007\u001b]/);
    expect(markup).toContain('\\u001b[31mansi\\u0007bell');
  });

  it('inlines the data as JSON with < escaped, and it round-trips', () => {
    const block = dataBlock(html);
    expect(block).not.toContain('<');
    const data = JSON.parse(block) as ReportData;
    expect(data.results[0]?.conformance?.checks[1]?.evidence).toBe(`evidence ${HOSTILE}`);
    expect(data.requests['req-1']).toContain(SCRIPT_TAG);
    expect(jsonForScript({ a: '</script>\u2028' })).toBe('{"a":"\\u003c/script>\\u2028"}');
  });

  it('refers to no external URL and allows only its own script by hash', () => {
    const urls = urlAttributes(html);
    expect(urls).toEqual(['data:,']); // the empty favicon: nothing to fetch
    for (const value of urls) expect(value).toMatch(/^data:/);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?(https?:)?\/\//i);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(csp).toContain(`'sha256-${hash}'`);
    expect(script).not.toContain('innerHTML');
    expect(script).toContain('textContent');
  });

  it('makes failing checks expandable with detail, evidence and request viewers; passing ones not', () => {
    expect(html.match(/<details class="finding"/g)).toHaveLength(1);
    expect(html).toContain('data-check="X1"><summary>detail &lt;script&gt;');
    expect(html).toContain('<pre class="evidence">evidence &lt;script&gt;');
    expect(html).toContain('data-request-id="req-1"');
    expect(html).toContain('data-request-id="&quot;&gt;&lt;img src=x onerror=alert(3)&gt;"');
    expect(html).toMatch(/<tr class="row-pass" data-check="S1">/);
  });

  it('says EMULATED only when the backend was emulated, and PARTIAL when interrupted', () => {
    expect(html).toContain('id="emulated-banner"');
    const real = { ...sampleResult(), partial: true, target: { ...sampleResult().target, emulated: false } };
    const page = renderHtml([real]);
    expect(page).not.toContain('id="emulated-banner"');
    expect(page).toContain('PARTIAL:');
  });

  it('draws the perf charts as inline SVG and shows measured / documented / ceiling', () => {
    const page = renderHtml([perfResult([1, 2, 4].map((c) => syntheticRun({ concurrency: c, requests: 30, ttftMs: 200 * c, itlMs: 20, tokens: 30, seed: c })))]);
    const svgs = page.match(/<svg class="chart"/g) ?? [];
    // CDF + 3 histograms + 2 against-concurrency + 1 over-the-run
    expect(svgs).toHaveLength(7);
    expect(page).toContain('TTFT distribution (CDF)');
    expect(page).toContain('Output tokens/s against concurrency');
    expect(page).toContain('Latency over the run');
    expect(page).toMatch(/<td>output_tokens_per_s_p50<\/td><td class="num">7.10<\/td><td>8–12<\/td><td class="num">18.5<\/td>/);
    expect(renderHtml([sampleResult()])).not.toContain('<svg');
    const warned = perfResult([syntheticRun({ concurrency: 1, requests: 5, ttftMs: 10, itlMs: 1, tokens: 5 })]);
    const withWarnings = { ...warned, perf: { ...(warned.perf as NonNullable<RunResult['perf']>), extra: { warnings: [`client lagged ${SCRIPT_TAG}`, 42] } } };
    expect(renderHtml([withWarnings])).toContain('<ul class="warnings"><li>client lagged &lt;script&gt;alert(1)&lt;/script&gt;</li></ul>');
  });

  it('shows the gate comparison when given one', () => {
    const base = sampleResult([verdict({ id: 'S1', status: 'pass' })]);
    const cur = sampleResult([verdict({ id: 'S1', status: 'fail' })]);
    const page = renderHtml([cur], { gate: evaluateGate(base, cur) });
    expect(page).toContain('id="gate"');
    expect(page).toContain('1 regression(s) against the baseline');
    expect(page).toMatch(/<tr class="diff-row-bad"><td>✗<\/td><td><code>S1<\/code>/);
  });

  it('puts several runs side by side per check and per metric', () => {
    const withChecks = (r: RunResult, status: 'pass' | 'fail'): RunResult => {
      const conformance = sampleResult([verdict({ status })]).conformance;
      return conformance ? { ...r, conformance } : r;
    };
    const a = withChecks(perfResult([syntheticRun({ concurrency: 2, requests: 10, ttftMs: 100, itlMs: 10, tokens: 10 })]), 'pass');
    const b = withChecks({ ...a, target: { ...a.target, description: 'LiteLLM → vLLM' } }, 'fail');
    const page = renderHtml([a, b]);
    expect(page).toContain('id="comparison"');
    expect(page).toContain('<b>B</b>: LiteLLM → vLLM');
    expect(page).toMatch(/<tr class="diff-row-bad"><td><code>S3<\/code>/);
    expect(page).toMatch(/<td class="num">2<\/td><td>TTFT p50 \(ms\)<\/td><td class="num">[\d.]+<\/td><td class="num">[\d.]+<\/td>/);
  });
});
