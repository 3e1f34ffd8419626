import { describe, expect, it } from 'vitest';
import { compareOverhead, overheadBodies, renderOverhead, summarizeCannon } from '../../../src/perf/gateway-overhead.ts';

// The shape autocannon 9 hands back (trimmed).
const RAW_GATEWAY = { requests: { average: 600.5, total: 1801 }, latency: { p50: 11, p99: 50, average: 12.4 }, '2xx': 1801, non2xx: 0, errors: 0, timeouts: 0, duration: 3.01 };
const RAW_BACKEND = { requests: { average: 1200, total: 3600 }, latency: { p50: 1, p99: 7, average: 1.3 }, '2xx': 3600, non2xx: 0, errors: 0, timeouts: 0, duration: 3 };

describe('gateway overhead (autocannon)', () => {
  it('reads autocannon results, missing fields as 0', () => {
    expect(summarizeCannon(RAW_GATEWAY)).toEqual({
      requests_per_s: 600.5, requests_total: 1801, latency_p50_ms: 11, latency_p99_ms: 50, latency_mean_ms: 12.4, ok_2xx: 1801, non2xx: 0, errors: 0, timeouts: 0, duration_s: 3.01,
    });
    expect(summarizeCannon({ errors: 5 })).toMatchObject({ requests_per_s: 0, ok_2xx: 0, errors: 5 });
    expect(summarizeCannon(undefined).requests_total).toBe(0);
  });

  it('attributes added latency and the throughput ceiling', () => {
    const added = compareOverhead(summarizeCannon(RAW_GATEWAY), summarizeCannon(RAW_BACKEND));
    expect(added.added_latency_p50_ms).toBe(10);
    expect(added.added_latency_p99_ms).toBe(43);
    expect(added.throughput_ratio).toBeCloseTo(600.5 / 1200, 9);
    expect(compareOverhead(summarizeCannon(RAW_GATEWAY), summarizeCannon({})).throughput_ratio).toBeNull();
  });

  it('asks for one token, non-streaming; the emulator is told to answer at once', () => {
    const b = overheadBodies('claude-opus-5-5', 'Qwen/Q', true);
    expect(JSON.parse(b.messages)).toMatchObject({ model: 'claude-opus-5-5', max_tokens: 1, stream: false });
    expect(JSON.parse(b.chat)).toMatchObject({ model: 'Qwen/Q', max_tokens: 1, stream: false });
    expect(b.chat).toContain('[[emulate tokens=1 ttft=0 itl=0]]');
    expect(overheadBodies('m', 's', false).messages).not.toContain('[[emulate');
  });

  it('renders both sides and the difference', () => {
    const g = { ...summarizeCannon(RAW_GATEWAY), url: 'http://g' };
    const d = { ...summarizeCannon(RAW_BACKEND), url: 'http://b' };
    const text = renderOverhead({ connections: 8, duration_s: 3, gateway: g, direct: d, added: compareOverhead(g, d) }, '').join('\n');
    expect(text).toMatch(/gateway\s+600\.5 req\/s\s+11\.0 ms\s+50\.0 ms\s+1801 ok/);
    expect(text).toMatch(/added by the gateway: p50 \+10\.0 ms, p99 \+43\.0 ms; throughput 50 % of the backend's/);
    const alone = renderOverhead({ connections: 8, duration_s: 3, gateway: g, direct: null, added: null, note: 'backend not measured' }, '').join('\n');
    expect(alone).not.toMatch(/backend\s+\d/);
    expect(alone).toMatch(/backend not measured/);
  });
});
