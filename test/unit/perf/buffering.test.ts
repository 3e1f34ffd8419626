import { describe, expect, it } from 'vitest';
import { bufferingVerdict, detectBuffering, detectRequestBuffering } from '../../../src/perf/buffering.ts';
import { extractMarks } from '../../../src/perf/marks.ts';
import { msgDelta, msgStart, obs, text, type Ev } from './observations.ts';

const T0 = 1_700_000_000_000;

function stream(id: string, deltaTimes: readonly number[]): ReturnType<typeof extractMarks> {
  const events: Ev[] = [['message_start', msgStart(10), 3]];
  for (const t of deltaTimes) events.push(['content_block_delta', text('tok'), t]);
  const last = deltaTimes.at(-1) ?? 4;
  events.push(['message_delta', msgDelta(deltaTimes.length), last], ['message_stop', { type: 'message_stop' }, last]);
  return extractMarks(obs({ id, t0: T0, events }));
}

describe('buffered-stream detector', () => {
  // As seen through the guide's nginx block: 40 deltas in one write at 498 ms.
  const lump = stream('lump', Array.from({ length: 40 }, () => 498));
  // Streamed: 200 ms TTFT, then a delta every 20 ms.
  const streamed = stream('ok', Array.from({ length: 40 }, (_, i) => 200 + 20 * i));

  it('flags all deltas in one burst (TTFT ≈ E2EL)', () => {
    expect(detectRequestBuffering(lump)).toMatchObject({ judged: true, buffered: true, distinct_arrivals: 1, spread_share: 0 });
    const finding = detectBuffering([lump, lump, streamed]);
    expect(finding.flagged).toBe(true);
    expect(finding).toMatchObject({ judged: 3, buffered: 2 });
    expect(finding.examples).toEqual(['lump', 'lump']);
    expect(finding.detail).toMatch(/in bursts/);
  });

  it('flags deltas squeezed into the last 5 % even over a few reads', () => {
    const tail = stream('tail', [970, 975, 980, 990, 1000]);
    expect(detectRequestBuffering(tail).buffered).toBe(true);
  });

  it('does not flag an incremental stream, nor judge streams too short to tell', () => {
    expect(detectRequestBuffering(streamed)).toMatchObject({ judged: true, buffered: false });
    expect(detectBuffering([streamed]).flagged).toBe(false);
    expect(detectRequestBuffering(stream('two', [100, 100])).judged).toBe(false);
    expect(detectRequestBuffering(stream('fast', [5, 5, 5, 5])).judged).toBe(false); // E2EL 5 ms < 20 ms
    expect(detectBuffering([]).flagged).toBe(false);
  });

  it("flags a long stream flushed in a few big reads (nginx buffers filling: ~25 deltas per read)", () => {
    // As measured through --via nginx-guide: 200 deltas in 8 reads between 720 and 1057 ms.
    const bursts = stream('bursts', Array.from({ length: 200 }, (_, i) => 720 + 48 * Math.floor(i / 25)));
    const r = detectRequestBuffering(bursts);
    expect(r).toMatchObject({ judged: true, buffered: true, distinct_arrivals: 8 });
    expect(r.spread_share ?? 0).toBeGreaterThan(0.05);
    // Unbuffered, a fast stream still coalesces a little (~1.5 deltas per read): not flagged.
    const coalesced = stream('coalesced', Array.from({ length: 200 }, (_, i) => 60 + 5 * Math.floor(i / 2)));
    expect(detectRequestBuffering(coalesced).buffered).toBe(false);
  });

  it('turns a flagged finding into a warn verdict row, and nothing otherwise', () => {
    const v = bufferingVerdict(detectBuffering([lump, lump]), true);
    expect(v).toMatchObject({ metric: 'stream_buffering', status: 'warn', measured: 1, emulated: true });
    expect(v?.detail).toMatch(/^EMULATED: .*buffers the SSE body/);
    expect(bufferingVerdict(detectBuffering([streamed]), false)).toBeNull();
  });
});
