import { describe, expect, it } from 'vitest';
import { createSseFramer, parseFrame, SSE_COMMENT_TYPE } from '../../../src/client/sse-framer.ts';
import type { SseEvent } from '../../../src/types.ts';

const SAMPLE = [
  'event: message_start\ndata: {"type":"message_start"}\n\n',
  ': keep-alive\n\n',
  'event: content_block_delta\ndata: {"text":"héllo 😀 世界"}\n\n',
  'data: line1\ndata:line2\n\n',
  'event: ping\n: inline comment\ndata: {"type": "ping"}\nid: 7\nretry: 100\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
].join('');

const EXPECTED = [
  { type: 'message_start', data: '{"type":"message_start"}' },
  { type: SSE_COMMENT_TYPE, data: '' },
  { type: 'content_block_delta', data: '{"text":"héllo 😀 世界"}' },
  { type: null, data: 'line1\nline2' },
  { type: 'ping', data: '{"type": "ping"}' },
  { type: 'message_stop', data: '{"type":"message_stop"}' },
];

/** Feed `bytes` cut at `cuts` (sorted offsets); chunk k is stamped t = k + 1. */
function frame(bytes: Buffer, cuts: readonly number[]): { events: SseEvent[]; endedMidFrame: boolean } {
  const framer = createSseFramer();
  let from = 0;
  let t = 1;
  for (const cut of [...cuts, bytes.length]) {
    framer.push(bytes.subarray(from, cut), t++);
    from = cut;
  }
  framer.end();
  return { events: framer.drain(), endedMidFrame: framer.endedMidFrame };
}

const fields = (events: readonly SseEvent[]) => events.map(({ type, data }) => ({ type, data }));

/** Byte offset where each frame of `text` begins (frames separated by one blank line). */
function frameStarts(bytes: Buffer, separator: string): number[] {
  const starts = [0];
  const sep = Buffer.from(separator);
  let at = bytes.indexOf(sep);
  while (at !== -1 && at + sep.length < bytes.length) {
    starts.push(at + sep.length);
    at = bytes.indexOf(sep, at + sep.length);
  }
  return starts;
}

describe('createSseFramer', () => {
  const bytes = Buffer.from(SAMPLE, 'utf8');
  const whole = frame(bytes, []);

  it('frames a whole stream: types, joined data lines, comments, raw kept exactly', () => {
    expect(fields(whole.events)).toEqual(EXPECTED);
    expect(whole.events.map((e) => e.raw).join('')).toBe(SAMPLE);
    expect(whole.events[1]?.raw).toBe(': keep-alive\n\n');
    expect(whole.endedMidFrame).toBe(false);
  });

  it('gives the same events for every split point, stamped with the chunk of their first byte', () => {
    const starts = frameStarts(bytes, '\n\n');
    expect(starts).toHaveLength(EXPECTED.length);
    for (let cut = 1; cut < bytes.length; cut++) {
      const got = frame(bytes, [cut]);
      expect(got.events.map((e) => e.raw)).toEqual(whole.events.map((e) => e.raw));
      expect(got.events.map((e) => e.t_ms)).toEqual(starts.map((s) => (s < cut ? 1 : 2)));
    }
  });

  it('gives the same events for every pair of split points', () => {
    const reference = fields(whole.events);
    let runs = 0;
    for (let a = 1; a < bytes.length; a += 3) {
      for (let b = a + 1; b < bytes.length; b += 2) {
        expect(fields(frame(bytes, [a, b]).events)).toEqual(reference);
        runs++;
      }
    }
    expect(runs).toBeGreaterThan(1000);
  });

  it('handles one byte per chunk', () => {
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(fields(frame(bytes, cuts).events)).toEqual(EXPECTED);
  });

  for (const [name, eol] of [
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ] as const) {
    it(`handles ${name} line endings at every split point`, () => {
      const text = SAMPLE.replaceAll('\n', eol);
      const b = Buffer.from(text, 'utf8');
      const ref = frame(b, []);
      expect(fields(ref.events)).toEqual(EXPECTED);
      expect(ref.events.map((e) => e.raw).join('')).toBe(text);
      const starts = frameStarts(b, eol + eol);
      for (let cut = 1; cut < b.length; cut++) {
        const got = frame(b, [cut]);
        expect(fields(got.events)).toEqual(EXPECTED);
        expect(got.events.map((e) => e.t_ms)).toEqual(starts.map((s) => (s < cut ? 1 : 2)));
        expect(got.endedMidFrame).toBe(false);
      }
    });
  }

  it('handles mixed line endings within one stream', () => {
    const text = 'event: a\r\ndata: 1\n\r\nevent: b\rdata: 2\r\r' + 'data: 3\n\n';
    expect(fields(frame(Buffer.from(text), []).events)).toEqual([
      { type: 'a', data: '1' },
      { type: 'b', data: '2' },
      { type: null, data: '3' },
    ]);
  });

  it('does not break a 4-byte emoji split anywhere inside it', () => {
    const text = 'event: content_block_delta\ndata: {"text":"a😀b"}\n\n';
    const b = Buffer.from(text, 'utf8');
    const emojiAt = b.indexOf(Buffer.from('😀'));
    for (let cut = emojiAt + 1; cut < emojiAt + 4; cut++) {
      const [event] = frame(b, [cut]).events;
      expect(event?.data).toBe('{"text":"a😀b"}');
      expect(event?.raw).not.toContain('\uFFFD');
    }
  });

  it('stamps an event with the arrival of its first byte, not its last', () => {
    const framer = createSseFramer();
    framer.push(Buffer.from('event: message_stop\nda'), 1);
    expect(framer.drain()).toEqual([]);
    framer.push(Buffer.from('ta: {}\n\nevent: next'), 5);
    framer.push(Buffer.from('\ndata: {}\n\n'), 9);
    const events = framer.drain();
    expect(events.map((e) => [e.type, e.t_ms])).toEqual([
      ['message_stop', 1],
      ['next', 5],
    ]);
  });

  it('skips extra blank lines between frames and a leading BOM', () => {
    const text = '\uFEFFevent: a\ndata: 1\n\n\n\n\r\nevent: b\ndata: 2\n\n';
    const events = frame(Buffer.from(text, 'utf8'), []).events;
    expect(fields(events)).toEqual([
      { type: 'a', data: '1' },
      { type: 'b', data: '2' },
    ]);
  });

  it('flushes a final frame without its blank line and flags it', () => {
    const text = 'event: a\ndata: 1\n\nevent: message_stop\ndata: {}';
    for (const tail of ['', '\n', '\r\n', '\r']) {
      const got = frame(Buffer.from(text + tail), []);
      expect(fields(got.events)).toEqual([
        { type: 'a', data: '1' },
        { type: 'message_stop', data: '{}' },
      ]);
      expect(got.endedMidFrame).toBe(true);
      expect(got.events[1]?.raw).toBe(`event: message_stop\ndata: {}${tail}`);
    }
  });

  it('ignores pushes after end()', () => {
    const framer = createSseFramer();
    framer.push(Buffer.from('data: 1\n\n'), 1);
    framer.end();
    framer.push(Buffer.from('data: 2\n\n'), 2);
    expect(fields(framer.drain())).toEqual([{ type: null, data: '1' }]);
  });

  it('reports a protocol error past the frame bound and keeps earlier events', () => {
    const framer = createSseFramer({ maxFrameBytes: 64 });
    framer.push(Buffer.from('data: ok\n\n'), 1);
    const big = Buffer.from(`data: ${'x'.repeat(40)}`);
    framer.push(big, 2);
    expect(framer.error).toBeNull();
    framer.push(big, 3);
    expect(framer.error).toMatch(/exceeds 64 bytes/);
    expect(framer.pendingBytes).toBe(0);
    framer.push(Buffer.from('\n\ndata: later\n\n'), 4);
    framer.end();
    expect(fields(framer.drain())).toEqual([{ type: null, data: 'ok' }]);
    expect(framer.endedMidFrame).toBe(false);
  });

  it('applies the frame bound to a frame that arrives whole in one chunk', () => {
    const framer = createSseFramer({ maxFrameBytes: 16 });
    framer.push(Buffer.from(`data: ${'y'.repeat(32)}\n\n`), 1);
    expect(framer.error).not.toBeNull();
    expect(framer.drain()).toEqual([]);
  });
});

describe('parseFrame', () => {
  it('follows the SSE field rules', () => {
    expect(parseFrame('data\n\n')).toEqual({ type: null, data: '' });
    expect(parseFrame('data:  two spaces\n\n')).toEqual({ type: null, data: ' two spaces' });
    expect(parseFrame('event:\ndata: x\n\n')).toEqual({ type: '', data: 'x' });
    expect(parseFrame('event: a\nevent: b\ndata: x\n\n')).toEqual({ type: 'b', data: 'x' });
    expect(parseFrame('data: a\ndata:\ndata: c\n\n')).toEqual({ type: null, data: 'a\n\nc' });
    expect(parseFrame('data: {"a":"b:c"}\n\n')).toEqual({ type: null, data: '{"a":"b:c"}' });
    expect(parseFrame('event: only\n\n')).toEqual({ type: 'only', data: '' });
    expect(parseFrame(': a\n: b\n\n')).toEqual({ type: SSE_COMMENT_TYPE, data: '' });
    expect(parseFrame('id: 1\n\n')).toEqual({ type: null, data: '' });
  });
});
