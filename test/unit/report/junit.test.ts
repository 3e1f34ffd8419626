import { describe, expect, it } from 'vitest';
import { escapeXmlAttr, escapeXmlText } from '../../../src/report/escape.ts';
import { renderJunit } from '../../../src/report/junit.ts';
import { perfResult, syntheticRun } from '../../support/perf-sample.ts';
import { sampleResult, verdict } from '../../support/sample-result.ts';
import { findAll, parseXml } from '../../support/xml.ts';
import { HOSTILE } from './hostile.ts';

const checks = [
  verdict({ id: 'S1', area: 'streaming', status: 'pass' }),
  verdict({ id: 'S7', area: 'streaming', status: 'fail', severity: 'blocker', detail: 'no message_stop', evidence: 'event: message_delta', request_ids: ['r-1', 'r-2'] }),
  verdict({ id: 'G1', area: 'usage', status: 'warn', severity: 'degraded', detail: 'input_tokens is 0' }),
  verdict({ id: 'U7', area: 'tools', status: 'skip', severity: 'blocker', detail: 'no tool offered' }),
  verdict({ id: 'E4', area: 'errors', status: 'error', severity: 'degraded', detail: 'connection reset', duration_ms: 1500 }),
];

describe('renderJunit', () => {
  it('makes each check a testcase in a testsuite per area, with failure / error / skipped / system-out', () => {
    const root = parseXml(renderJunit([sampleResult(checks)]));
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '5', failures: '1', errors: '1', skipped: '1' });
    const suites = findAll(root, 'testsuite');
    expect(suites.map((s) => s.attrs['name'])).toEqual(['conform.streaming', 'conform.usage', 'conform.tools', 'conform.errors']);
    expect(suites[0]?.attrs).toMatchObject({ tests: '2', failures: '1' });

    const cases = findAll(root, 'testcase');
    expect(cases).toHaveLength(5);
    const byName = new Map(cases.map((c) => [c.attrs['name']?.split(' ')[0], c]));
    expect(byName.get('S1')?.children).toEqual([]);
    const failure = byName.get('S7')?.children[0];
    expect(failure?.name).toBe('failure');
    expect(failure?.attrs).toMatchObject({ message: 'no message_stop', type: 'blocker' });
    expect(failure?.text).toContain('evidence:\nevent: message_delta');
    expect(failure?.text).toContain('r-1, r-2');
    expect(byName.get('G1')?.children[0]?.name).toBe('system-out');
    expect(byName.get('G1')?.children[0]?.text).toContain('WARN (degraded): input_tokens is 0');
    expect(byName.get('U7')?.children[0]).toMatchObject({ name: 'skipped', attrs: { message: 'no tool offered' } });
    expect(byName.get('E4')?.children[0]).toMatchObject({ name: 'error', attrs: { type: 'degraded' } });
    expect(byName.get('E4')?.attrs['time']).toBe('1.500');
    expect(byName.get('E4')?.attrs['classname']).toBe('claude-bench.conform.errors');
  });

  it('makes each perf verdict a testcase, labelled EMULATED when the backend was', () => {
    const root = parseXml(renderJunit([perfResult([syntheticRun({ concurrency: 1, requests: 10, ttftMs: 100, itlMs: 10, tokens: 20 })])]));
    const suites = findAll(root, 'testsuite');
    expect(suites).toHaveLength(1);
    expect(suites[0]?.attrs['name']).toBe('perf (profile e5-2680) [EMULATED]');
    const cases = findAll(root, 'testcase');
    expect(cases.map((c) => c.attrs['name'])).toEqual(['ttft_p95_ms', 'output_tokens_per_s_p50', 'max_users']);
    expect(cases[1]?.children[0]?.name).toBe('failure');
    expect(cases[1]?.children[0]?.text).toContain('measured 7.1; documented 8–12; physical ceiling 18.5');
    expect(cases[2]?.children[0]?.name).toBe('skipped');
  });

  it('stays well-formed with hostile text and keeps it readable', () => {
    const hostile = verdict({ id: 'X1', title: HOSTILE, status: 'fail', detail: HOSTILE, evidence: HOSTILE });
    const xml = renderJunit([sampleResult([hostile])]);
    const root = parseXml(xml); // throws on any forbidden character, stray '<' or bad entity
    const failure = findAll(root, 'failure')[0];
    expect(failure?.attrs['message']).toContain('<script>alert(1)</script>');
    expect(failure?.attrs['message']).toContain('\\u001b[31mansi\\u0007bell');
    expect(failure?.text).toContain('<img src=x onerror=alert(1)>');
    expect(xml).not.toContain('<script>');
    expect(xml).not.toContain('\u0000');
  });

  it('keeps several runs apart by letter and target', () => {
    const a = sampleResult([verdict()]);
    const b = { ...sampleResult([verdict()]), target: { ...a.target, description: 'LiteLLM' } };
    const names = findAll(parseXml(renderJunit([a, b])), 'testsuite').map((s) => s.attrs['name']);
    expect(names).toEqual(['A claude-code-router 1.0.73 → vLLM emulator :: conform.streaming', 'B LiteLLM :: conform.streaming']);
  });
});

describe('XML escaping', () => {
  it('escapes markup and writes characters XML 1.0 forbids as visible escapes', () => {
    expect(escapeXmlText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    expect(escapeXmlText('x\u0000y\u001bz\ufffe')).toBe('x\\u0000y\\u001bz\\ufffe');
    expect(escapeXmlText('lone \ud800 pair \ud83d\ude00')).toBe('lone \ufffd pair \ud83d\ude00');
    expect(escapeXmlAttr('"q"\n\t')).toBe('&quot;q&quot;&#10;&#9;');
  });
});
