/**
 * Property-based fuzzing of the SSE framer and the conformance validators
 * (issue 7 item 5): arbitrary bytes, arbitrary chunkings and plausible-but-
 * broken Anthropic event sequences. No crash (only documented return values),
 * no hang (each call returns within a generous bound), and invariants:
 * framing does not depend on chunking, a known-good stream has no violation.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createSseFramer } from '../../src/client/sse-framer.ts';
import { accumulateStream } from '../../src/conform/stream-accumulator.ts';
import { checkStream, VIOLATION_RULES } from '../../src/conform/stream-checker.ts';
import { sdkReplayStream } from '../../src/conform/sdk-oracle.ts';
import type { SseEvent } from '../../src/types.ts';

/** Streams generated across the whole file, reported once at the end. */
let generated = 0;
const started = Date.now();
afterAll(() => {
  console.log(`[fuzz] ${generated} generated streams in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

/** Per-call bound: generous so a loaded 2-core machine never trips it, tight enough to catch a hang. */
const CALL_BOUND_MS = 2_000;

function timed<T>(fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  expect(performance.now() - t0).toBeLessThan(CALL_BOUND_MS);
  return out;
}

/** Frame `bytes` split at `cuts`; the framed events with arrival time left out (it depends on chunking). */
function frame(bytes: Buffer, cuts: readonly number[], maxFrameBytes?: number) {
  const framer = createSseFramer(maxFrameBytes === undefined ? {} : { maxFrameBytes });
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let prev = 0;
  const events: SseEvent[] = [];
  for (const [n, p] of [...points, bytes.length].entries()) {
    framer.push(bytes.subarray(prev, p), n);
    events.push(...framer.drain());
    prev = p;
  }
  framer.end();
  events.push(...framer.drain());
  return {
    // The closing blank line is left out of the comparison: when a CRLF that ends a frame is split
    // between chunks, the framer emits at the CR (no waiting for the next chunk, which would delay the
    // event) and the LF is skipped, so `raw` ends "\r\n\r" instead of "\r\n\r\n". Fields are unaffected.
    events: events.map((e) => ({ type: e.type, data: e.data, raw: e.raw.replace(/[\r\n]+$/, '') })),
    withTimes: events,
    endedMidFrame: framer.endedMidFrame,
    error: framer.error,
  };
}

/** Bytes that look like SSE often enough to exercise every branch: field lines, all terminators, UTF-8 split points. */
const sseishBytes = fc
  .array(
    fc.oneof(
      fc.constantFrom('\n', '\r', '\r\n', '\n\n', '\r\r', '\r\n\r\n', ':', ': ping\n', 'event: ', 'data: ', 'data:', 'id: 1\n', 'retry: 5\n', '\ufeff', 'é', '😀', '{"type":"ping"}'),
      fc.string({ maxLength: 12 }),
      fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a).toString('latin1')),
    ),
    { maxLength: 40 },
  )
  .chain((parts) =>
    fc.constant(
      Buffer.concat(parts.map((p) => (/[^\x00-\xff]/.test(p) ? Buffer.from(p, 'utf8') : Buffer.from(p, 'latin1')))),
    ),
  );
const arbitraryBytes = fc.oneof(sseishBytes, fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)));
const cuts = fc.array(fc.nat({ max: 400 }), { maxLength: 12 });

describe('SSE framer under arbitrary bytes and chunkings', () => {
  it('never throws, and the same bytes split differently yield the same events', () => {
    const runs = 4_000;
    fc.assert(
      fc.property(arbitraryBytes, cuts, cuts, (bytes, a, b) => {
        generated++;
        const one = timed(() => frame(bytes, a));
        const two = timed(() => frame(bytes, b));
        expect(two.events).toEqual(one.events);
        expect(two.endedMidFrame).toBe(one.endedMidFrame);
        expect(one.error).toBeNull();
        // Nothing is lost or invented: the frames' raw bytes are the input minus inter-frame blank lines.
        expect(one.events.map((e) => e.raw).join('').length).toBeLessThanOrEqual(bytes.toString('utf8').length);
      }),
      { numRuns: runs },
    );
  });

  it('a small maxFrameBytes cuts oversized frames the same way whatever the chunking, and holds nothing past the bound', () => {
    const runs = 1_000;
    fc.assert(
      fc.property(arbitraryBytes, cuts, cuts, fc.integer({ min: 1, max: 64 }), (bytes, a, b, max) => {
        generated++;
        const one = timed(() => frame(bytes, a, max));
        const two = timed(() => frame(bytes, b, max));
        expect(two.error).toBe(one.error);
        expect(two.events).toEqual(one.events);
        // Decoding never grows a frame past its byte count in UTF-16 units (an invalid byte becomes one U+FFFD);
        // the bound is on the frame, so raw may add the closing line break (at most CRLF) on top.
        for (const e of one.events) expect(e.raw.length).toBeLessThanOrEqual(max + 2);
      }),
      { numRuns: runs },
    );
  });
});

describe('SSE framer event bound', () => {
  it('an endless run of tiny events stops at maxEvents with an error, holding no more', () => {
    const runs = 200;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 64 }), (max, n, chunk) => {
        generated++;
        const framer = createSseFramer({ maxEvents: max });
        const bytes = Buffer.from('event: ping\ndata: {"type":"ping"}\n\n'.repeat(n));
        let kept = 0;
        for (let at = 0; at < bytes.length; at += chunk) {
          framer.push(bytes.subarray(at, at + chunk), at);
          kept += framer.drain().length;
        }
        framer.end();
        kept += framer.drain().length;
        expect(kept).toBe(Math.min(n, max));
        expect(framer.error !== null).toBe(n > max);
      }),
      { numRuns: runs },
    );
  });
});

// ---- Anthropic event sequences -------------------------------------------------------------

type Block =
  | { kind: 'text'; parts: string[] }
  | { kind: 'thinking'; parts: string[] }
  | { kind: 'tool'; name: string; input: Record<string, unknown>; splits: number[] };

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const block: fc.Arbitrary<Block> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), parts: fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }) }),
  fc.record({ kind: fc.constant('thinking' as const), parts: fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }) }),
  fc.record({
    kind: fc.constant('tool' as const),
    name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,15}$/),
    input: fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, { maxKeys: 4 }),
    splits: fc.array(fc.nat({ max: 200 }), { maxLength: 6 }),
  }),
);

const goodSpec = fc.record({
  blocks: fc.array(block, { maxLength: 5 }),
  pings: fc.array(fc.nat({ max: 30 }), { maxLength: 3 }),
  stop: fc.constantFrom('end_turn', 'max_tokens', 'tool_use', 'stop_sequence'),
  outTokens: fc.nat({ max: 100_000 }),
});

interface Ev {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

type GoodSpec = typeof goodSpec extends fc.Arbitrary<infer T> ? T : never;

/** A stream Claude Code accepts: message_start, well-formed blocks, message_delta, message_stop, pings anywhere. */
function goodEvents(spec: GoodSpec): Ev[] {
  const evs: Ev[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: { id: 'msg_fuzz', type: 'message', role: 'assistant', content: [], model: 'fuzz', stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } },
      },
    },
  ];
  spec.blocks.forEach((b, index) => {
    if (b.kind === 'text') {
      evs.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } } });
      for (const text of b.parts) evs.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text } } });
    } else if (b.kind === 'thinking') {
      evs.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } } });
      for (const thinking of b.parts) evs.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } } });
      evs.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: 'sig' } } });
    } else {
      evs.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'tool_use', id: `toolu_${index}`, name: b.name, input: {} } } });
      const json = JSON.stringify(b.input);
      const points = [...new Set(b.splits.map((s) => s % (json.length + 1)))].sort((x, y) => x - y);
      let prev = 0;
      for (const p of [...points, json.length]) {
        evs.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(prev, p) } } });
        prev = p;
      }
    }
    evs.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  evs.push({ event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: spec.stop, stop_sequence: null }, usage: { output_tokens: spec.outTokens } } });
  evs.push({ event: 'message_stop', data: { type: 'message_stop' } });
  for (const at of spec.pings) evs.splice(at % (evs.length + 1), 0, { event: 'ping', data: { type: 'ping' } });
  return evs;
}

const serialize = (evs: readonly Ev[]): Buffer =>
  Buffer.from(evs.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join(''), 'utf8');

const KNOWN_CODES = new Set(Object.keys(VIOLATION_RULES));

/** Ways a gateway breaks a stream; each is applied to a good one. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('dup' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('rename' as const), at: fc.nat(), name: fc.constantFrom('message_start', 'content_block_delta', 'error', 'ping', 'bogus', '') }),
  fc.record({ op: fc.constant('field' as const), at: fc.nat(), key: fc.constantFrom('index', 'type', 'delta', 'usage', 'message', 'content_block'), value: fc.oneof(jsonValue, fc.constant(undefined)) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), cut: fc.nat({ max: 60 }) }),
  fc.record({ op: fc.constant('noevent' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('inject' as const), at: fc.nat(), text: fc.constantFrom('data: [DONE]', 'data: {"a":', `data: ${'['.repeat(5_000)}`, 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"x"}}', 'retry: 1', ': hi') }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function brokenText(evs: Ev[], muts: readonly Mutation[]): string {
  const frames = evs.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}`);
  for (const m of muts) {
    if (frames.length === 0) break;
    const i = m.at % frames.length;
    const ev = evs[i];
    switch (m.op) {
      case 'drop':
        frames.splice(i, 1);
        evs.splice(i, 1);
        break;
      case 'dup':
        frames.splice(i, 0, frames[i]!);
        break;
      case 'swap': {
        const j = m.to % frames.length;
        [frames[i], frames[j]] = [frames[j]!, frames[i]!];
        break;
      }
      case 'rename':
        if (ev) frames[i] = `event: ${m.name}\ndata: ${JSON.stringify(ev.data)}`;
        break;
      case 'field':
        if (ev) frames[i] = `event: ${ev.event}\ndata: ${JSON.stringify({ ...ev.data, [m.key]: m.value })}`;
        break;
      case 'truncate':
        frames[i] = frames[i]!.slice(0, m.cut);
        break;
      case 'noevent':
        frames[i] = frames[i]!.replace(/^event: [^\n]*\n/, '');
        break;
      case 'inject':
        frames.splice(i, 0, m.text);
        break;
    }
  }
  return frames.map((f) => `${f}\n\n`).join('');
}

describe('conformance validators on generated Anthropic streams', () => {
  it('a known-good stream, framed under any chunking, has no violation and accumulates to what was sent', () => {
    const runs = 2_500;
    fc.assert(
      fc.property(goodSpec, cuts, (spec, split) => {
        generated++;
        const evs = goodEvents(spec);
        const { withTimes } = frame(serialize(evs), split);
        expect(withTimes.length).toBe(evs.length);
        expect(timed(() => checkStream(withTimes))).toEqual([]);
        const acc = timed(() => accumulateStream(withTimes));
        expect(acc.violations).toEqual([]);
        expect(acc.message?.stop_reason).toBe(spec.stop);
        const tools = spec.blocks.filter((b) => b.kind === 'tool');
        expect(acc.toolCalls.map((t) => t.input)).toEqual(tools.map((t) => JSON.parse(JSON.stringify(t.input)) as unknown));
        const texts = spec.blocks.flatMap((b) => (b.kind === 'text' ? [b.parts.join('')] : []));
        const gotTexts = acc.message?.content.filter((c) => c['type'] === 'text').map((c) => c['text']);
        expect(gotTexts).toEqual(texts);
      }),
      { numRuns: runs },
    );
  });

  it('a broken stream yields only documented violations, never a throw', () => {
    const runs = 2_500;
    fc.assert(
      fc.property(goodSpec, fc.array(mutation, { minLength: 1, maxLength: 4 }), cuts, (spec, muts, split) => {
        generated++;
        const text = brokenText(goodEvents(spec), muts);
        const { withTimes } = frame(Buffer.from(text, 'utf8'), split);
        const violations = timed(() => checkStream(withTimes));
        for (const v of violations) {
          expect(KNOWN_CODES.has(v.code)).toBe(true);
          expect(v.rule).toBe(VIOLATION_RULES[v.code]);
          expect(typeof v.message).toBe('string');
          expect(v.eventIndex).toBeGreaterThanOrEqual(0);
          expect(v.eventIndex).toBeLessThanOrEqual(withTimes.length);
        }
        const acc = timed(() => accumulateStream(withTimes));
        for (const v of acc.violations) expect(KNOWN_CODES.has(v.code)).toBe(true);
      }),
      { numRuns: runs },
    );
  });

  it('arbitrary bytes framed and validated: documented results only', () => {
    const runs = 1_000;
    fc.assert(
      fc.property(arbitraryBytes, cuts, (bytes, split) => {
        generated++;
        const { withTimes } = frame(bytes, split);
        for (const v of timed(() => checkStream(withTimes))) expect(KNOWN_CODES.has(v.code)).toBe(true);
        for (const v of timed(() => accumulateStream(withTimes)).violations) expect(KNOWN_CODES.has(v.code)).toBe(true);
      }),
      { numRuns: runs },
    );
  });

  it('deeply nested JSON (100k levels) in any event or tool input is a violation, not a crash', () => {
    generated += 2;
    const deep = '['.repeat(100_000);
    const deepClosed = `${deep}${']'.repeat(100_000)}`;
    const text =
      `event: message_start\ndata: ${deepClosed}\n\n` +
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"model":"x","usage":{"input_tokens":1,"output_tokens":1}}}\n\n' +
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}}\n\n' +
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":${JSON.stringify(`{"a":${deepClosed}}`)}}}\n\n` +
      `event: content_block_delta\ndata: ${deep}\n\n` +
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n';
    const { withTimes } = frame(Buffer.from(text, 'utf8'), [7, 100_003]);
    const violations = timed(() => checkStream(withTimes));
    expect(violations.some((v) => v.code === 'invalid-json')).toBe(true);
    const acc = timed(() => accumulateStream(withTimes));
    expect(acc.violations.length).toBeGreaterThan(0);
  });
});

describe('SDK replay oracle on generated streams', () => {
  it('answers a documented SdkResult (message or classified error) for good and broken streams, never rejects', async () => {
    const runs = 300;
    await fc.assert(
      fc.asyncProperty(goodSpec, fc.array(mutation, { maxLength: 3 }), async (spec, muts) => {
        generated++;
        const evs = goodEvents(spec);
        const good = muts.length === 0;
        const text = good ? serialize(evs).toString('utf8') : brokenText(evs, muts);
        const t0 = performance.now();
        const result = await sdkReplayStream(text);
        expect(performance.now() - t0).toBeLessThan(CALL_BOUND_MS * 5);
        if (result.ok) expect(result.message.type).toBe('message');
        else {
          expect(typeof result.errorClass).toBe('string');
          expect(typeof result.message).toBe('string');
        }
        if (good) expect(result.ok).toBe(true);
      }),
      { numRuns: runs },
    );
  });
});
