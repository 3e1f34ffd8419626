import type { SseEvent } from '../types.ts';

/**
 * `type` given to a frame made only of comment lines (`: ping`). No `event:`
 * value can start with ':' in practice, so it cannot be confused with a named
 * event, and it keeps comment pings visible (some servers use them instead of
 * `event: ping`) without looking like an OpenAI-style `data:`-only frame
 * (type null).
 */
export const SSE_COMMENT_TYPE = ':comment';

/** Default bound on one frame; a stream that never sends a blank line is cut here. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Default bound on the events of one stream. Each kept event costs a few
 * hundred bytes beyond its raw text (~300 B kept per event in all), so an
 * endless stream of tiny events would otherwise hold several times the body
 * bound; 100 000 (~30 MB kept) is above a 64k-token reply (one delta per token).
 */
export const DEFAULT_MAX_EVENTS = 100_000;

export interface SseFramerOptions {
  /** Largest frame (bytes, blank line included) before the framer gives up with a protocol error. */
  readonly maxFrameBytes?: number;
  /** Most events one stream may yield before the framer gives up with a protocol error. */
  readonly maxEvents?: number;
}

/**
 * Incremental SSE framing over raw bytes. Synchronous and allocation-light:
 * bytes are scanned with `Buffer.indexOf`, only complete frames are decoded to
 * text (so a multi-byte character split across chunks is never broken), and
 * nothing is JSON-parsed.
 *
 * Each event's `t_ms` is the `t_ms` given with the chunk in which the frame's
 * first byte arrived. `raw` is the frame exactly as received, including the
 * blank line that ended it; blank lines between frames belong to no frame.
 */
export interface SseFramer {
  /** Feed the next chunk, stamped with its arrival time. Ignored after `end()` or an error. */
  push(chunk: Buffer, t_ms: number): void;
  /**
   * The stream ended. A frame still open (no blank line after it) is emitted
   * as an event and `endedMidFrame` becomes true.
   */
  end(): void;
  /** Events completed since the last call, in arrival order. */
  drain(): SseEvent[];
  /** True when `end()` had to flush a frame that was not closed by a blank line. */
  readonly endedMidFrame: boolean;
  /** Bytes of the frame currently open (0 between frames). */
  readonly pendingBytes: number;
  /** Set when the stream broke a bound (frame too large); further input is ignored. */
  readonly error: string | null;
}

const LF = 0x0a;
const CR = 0x0d;

/** Create an SSE framer (see {@link SseFramer}). */
export function createSseFramer(options: SseFramerOptions = {}): SseFramer {
  return new Framer(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, options.maxEvents ?? DEFAULT_MAX_EVENTS);
}

class Framer implements SseFramer {
  endedMidFrame = false;
  error: string | null = null;

  private readonly maxFrameBytes: number;
  private readonly maxEvents: number;
  private eventCount = 0;
  private events: SseEvent[] = [];
  /** Bytes of the open frame that arrived in earlier chunks. */
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** A frame has started (at least one byte of a non-blank line seen). */
  private inFrame = false;
  private frameT = 0;
  /** The current line has at least one byte: a terminator now ends a line, not the frame. */
  private lineHasBytes = false;
  /** The previous chunk ended with CR: a leading LF completes that CRLF. */
  private pendingCR = false;
  private ended = false;
  private firstFrame = true;

  constructor(maxFrameBytes: number, maxEvents: number) {
    this.maxFrameBytes = maxFrameBytes;
    this.maxEvents = maxEvents;
  }

  get pendingBytes(): number {
    return this.partBytes;
  }

  push(chunk: Buffer, t_ms: number): void {
    if (this.ended || this.error !== null) return;
    const len = chunk.length;
    let pos = 0;
    // Where the open frame begins inside this chunk (0 when it began earlier).
    let frameStart = 0;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (len > 0 && chunk[0] === LF) pos = 1;
      if (!this.inFrame) frameStart = pos;
    }
    // memchr-speed scans; a chunk without CR costs one extra pass, then none.
    let nextLF = chunk.indexOf(LF, pos);
    let nextCR = chunk.indexOf(CR, pos);

    while (pos < len) {
      if (nextLF === -1 && nextCR === -1) {
        // The rest of the chunk is the start (or middle) of a line.
        if (!this.inFrame) {
          this.startFrame(t_ms);
          frameStart = pos;
        }
        this.lineHasBytes = true;
        break;
      }
      const i = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : nextLF < nextCR ? nextLF : nextCR;
      let after = i + 1;
      if (chunk[i] === CR) {
        if (after < len) {
          if (chunk[after] === LF) after++;
        } else {
          this.pendingCR = true;
        }
      }
      if (i > pos) this.lineHasBytes = true;
      if (this.lineHasBytes) {
        if (!this.inFrame) {
          this.startFrame(t_ms);
          frameStart = pos;
        }
        this.lineHasBytes = false;
      } else if (this.inFrame) {
        this.emit(chunk.subarray(frameStart, after));
        if (this.error !== null) return;
      }
      pos = after;
      if (nextLF !== -1 && nextLF < pos) nextLF = chunk.indexOf(LF, pos);
      if (nextCR !== -1 && nextCR < pos) nextCR = chunk.indexOf(CR, pos);
    }

    if (this.inFrame) {
      const rest = frameStart === 0 ? chunk : chunk.subarray(frameStart);
      if (rest.length > 0) {
        this.parts.push(rest);
        this.partBytes += rest.length;
        if (this.partBytes > this.maxFrameBytes) this.fail();
      }
    }
  }

  end(): void {
    if (this.ended || this.error !== null) return;
    this.ended = true;
    if (this.inFrame) {
      this.endedMidFrame = true;
      this.emit(Buffer.alloc(0));
    }
  }

  drain(): SseEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  private startFrame(t_ms: number): void {
    this.inFrame = true;
    this.frameT = t_ms;
  }

  /** Close the open frame with `tail` (its bytes in the current chunk) and decode it. */
  private emit(tail: Buffer): void {
    if (this.eventCount >= this.maxEvents) {
      this.fail(`SSE stream exceeds ${this.maxEvents} events`);
      return;
    }
    const total = this.partBytes + tail.length;
    // The bound is on the frame, not on the line break that closes it: a CRLF
    // split across two reads (CR closes the frame, the LF comes later) is then
    // judged like the same bytes read whole.
    if (total - closingBreakBytes(tail) > this.maxFrameBytes) {
      this.fail();
      return;
    }
    const bytes = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail], total);
    this.parts = [];
    this.partBytes = 0;
    this.inFrame = false;
    const raw = bytes.toString('utf8');
    // A UTF-8 BOM may open the stream; it is not part of the first field name.
    const text = this.firstFrame && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    this.firstFrame = false;
    const { type, data } = parseFrame(text);
    this.eventCount++;
    this.events.push({ type, data, t_ms: this.frameT, raw });
  }

  private fail(why = `SSE frame exceeds ${this.maxFrameBytes} bytes without a blank line`): void {
    this.error = why;
    this.parts = [];
    this.partBytes = 0;
    this.inFrame = false;
  }
}

/**
 * Fields of one decoded frame (WHATWG SSE rules): `event` sets the type (last
 * wins), each `data` line is appended with "\n" between, one space after the
 * colon is dropped, a line without a colon is a field with an empty value,
 * other fields (`id`, `retry`, unknown) are kept only in `raw`. A frame with
 * comment lines only gets {@link SSE_COMMENT_TYPE}.
 */
export function parseFrame(text: string): { type: string | null; data: string } {
  let type: string | null = null;
  let data: string | null = null;
  let sawField = false;
  const n = text.length;
  let start = 0;
  let nextLF = text.indexOf('\n');
  let nextCR = text.indexOf('\r');
  while (start < n) {
    if (nextLF !== -1 && nextLF < start) nextLF = text.indexOf('\n', start);
    if (nextCR !== -1 && nextCR < start) nextCR = text.indexOf('\r', start);
    const end = nextLF === -1 ? (nextCR === -1 ? n : nextCR) : nextCR === -1 || nextLF < nextCR ? nextLF : nextCR;
    const line = text.slice(start, end);
    start = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
    if (line.length === 0) break; // the blank line closing the frame
    if (line.charCodeAt(0) === 58 /* ':' */) continue;
    sawField = true;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = '';
    if (colon !== -1) value = line.slice(line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
    if (field === 'event') type = value;
    else if (field === 'data') data = data === null ? value : `${data}\n${value}`;
  }
  if (!sawField) return { type: SSE_COMMENT_TYPE, data: '' };
  return { type, data: data ?? '' };
}

/** Length of the line break that ends `tail` (CRLF 2, LF or CR 1, none 0). */
function closingBreakBytes(tail: Buffer): number {
  const n = tail.length;
  if (n >= 2 && tail[n - 2] === CR && tail[n - 1] === LF) return 2;
  if (n >= 1 && (tail[n - 1] === LF || tail[n - 1] === CR)) return 1;
  return 0;
}
