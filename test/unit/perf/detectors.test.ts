import { describe, expect, it } from 'vitest';
import { detectBimodal, detectResponseCache, responseText } from '../../../src/perf/detectors.ts';
import type { Observation } from '../../../src/types.ts';

describe('bimodal TTFB', () => {
  it('flags two clusters (ratio > 3, each ≥ 10 %): cache hits at ~5 ms among ~400 ms', () => {
    const v = [...Array.from({ length: 14 }, (_, i) => 380 + i * 3), 4, 5, 5, 6, 7, 5];
    const f = detectBimodal(v);
    expect(f.flagged).toBe(true);
    expect(f.low).toEqual({ n: 6, median_ms: 5 });
    expect(f.high?.n).toBe(14);
    expect(f.ratio ?? 0).toBeGreaterThan(3);
    expect(f.detail).toMatch(/^bimodal TTFB: 6 requests around 5\.0 ms and 14 around 40\d ms/);
  });

  it('does not flag a single spread cluster, a lone outlier, or too few samples', () => {
    const spread = Array.from({ length: 30 }, (_, i) => 100 + i * 10); // 100..390 ms
    expect(detectBimodal(spread).flagged).toBe(false);
    const outlier = [...Array.from({ length: 19 }, () => 50), 900]; // 5 % above: below the 10 % share
    expect(detectBimodal(outlier).flagged).toBe(false);
    const f = detectBimodal([1, 1, 1, 100, 100]);
    expect(f).toMatchObject({ flagged: false, n: 5, low: null });
    expect(f.detail).toMatch(/too few samples/);
  });

  it('needs a real gap, not just a skewed tail: clusters with a ratio ≤ 3 pass', () => {
    const v = [...Array.from({ length: 10 }, () => 100), ...Array.from({ length: 10 }, () => 250)];
    expect(detectBimodal(v).flagged).toBe(false);
    expect(detectBimodal(v, { minRatio: 2 }).flagged).toBe(true);
  });
});

describe('response cache', () => {
  const ok = (ttft: number, text = 'Mercury\nVenus'): { ok: boolean; ttft_ms: number; text: string } => ({ ok: true, ttft_ms: ttft, text });

  it('flags an identical request answered at once with identical content', () => {
    const f = detectResponseCache(ok(850), ok(3));
    expect(f).toMatchObject({ flagged: true, identical: true, first_ttft_ms: 850, second_ttft_ms: 3 });
    expect(f.detail).toMatch(/^response cache: .*must not pass for model speed/);
  });

  it('does not flag similar timings, different content, jitter on a fast backend, or a failure', () => {
    expect(detectResponseCache(ok(60), ok(55)).flagged).toBe(false); // the emulator: same text, same speed
    expect(detectResponseCache(ok(850), ok(3, 'other')).flagged).toBe(false); // fast but a new answer (prefix cache)
    expect(detectResponseCache(ok(12), ok(1)).flagged).toBe(false); // 11 ms saved: below the 20 ms floor
    // Prefill skipped (prefix cache) but the decode takes as long: not a response cache.
    expect(detectResponseCache({ ...ok(850), e2el_ms: 3000 }, { ...ok(30), e2el_ms: 2200 }).flagged).toBe(false);
    expect(detectResponseCache({ ...ok(850), e2el_ms: 3000 }, { ...ok(3), e2el_ms: 4 }).flagged).toBe(true);
    const failed = detectResponseCache({ ok: false, ttft_ms: null, text: '' }, ok(3));
    expect(failed).toMatchObject({ flagged: false, identical: false });
    expect(failed.detail).toMatch(/not judged/);
  });

  it('reads the content text of Messages and chat streams and of a plain body', () => {
    const base: Observation = { request_id: 'r', label: '', method: 'POST', path: '/', t0_epoch_ms: 0, t_hdr_ms: 1, t_end_ms: 2, status: 200, headers: {}, events: [], body: null, bytes: 0, truncated: false, error: null };
    const ev = (data: string): Observation['events'][number] => ({ type: null, data, t_ms: 1, raw: '' });
    expect(responseText({ ...base, events: [ev('{"type":"content_block_delta","delta":{"type":"text_delta","text":"Hel"}}'), ev('{"delta":{"text":"lo"}}'), ev('{"type":"ping"}')] })).toBe('Hello');
    expect(responseText({ ...base, events: [ev('{"choices":[{"delta":{"content":"Hi"}}]}'), ev('[DONE]')] })).toBe('Hi');
    expect(responseText({ ...base, body: '{"content":[{"type":"text","text":"plain"}]}' })).toBe('plain');
  });
});
