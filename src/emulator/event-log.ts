/**
 * The emulator's ground-truth event log (`emulate --event-log FILE`,
 * `startEmulator({ eventLog })`): one JSON object per line, one line per
 * write the emulator made on a response, in write order:
 *
 *   {"request_id":"4f3c…","t_epoch_ms":1718000000123.456,"kind":"headers"}
 *   {"request_id":"4f3c…","t_epoch_ms":1718000000323.789,"kind":"chunk","token_index":0}
 *   {"request_id":"4f3c…","t_epoch_ms":1718000000344.012,"kind":"done"}
 *
 * - request_id: the request's `x-request-id` header, else an id the emulator
 *   made up (then only order and timing can match it to a client's request).
 * - t_epoch_ms: absolute wall clock of the write, performance.timeOrigin +
 *   performance.now(), sub-millisecond; REAL time, not scaled by --time-scale.
 * - kind: `headers` (status line and headers written), `chunk` (one SSE
 *   `data:` frame), `done` (the response ended: `[DONE]` or a whole JSON body).
 * - token_index: on chunks that carry a generated token, its 0-based index
 *   (the role chunk and the usage chunk have none).
 *
 * Lines are buffered in memory and written in batches (at 64 KiB or every
 * 50 ms) so the log costs the serving path one string push per event; close()
 * flushes and ends the file.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream';
import { BenchError } from '../errors.ts';
import type { EmulatorEvent } from './options.ts';

const FLUSH_CHARS = 64 * 1024;
const FLUSH_MS = 50;

/** An open event log. */
export interface EventLog {
  readonly file: string;
  /** Queue one line. Never throws; after a write error further lines are dropped and close() reports it. */
  write(event: EmulatorEvent): void;
  /** Flush, end the file and resolve once it is on disk. Idempotent. Rejects with the first write error, if any. */
  close(): Promise<void>;
}

/** Create (truncate) `file` and resolve once it is open. Throws BenchError BAD_CONFIG when it cannot be. */
export async function openEventLog(file: string): Promise<EventLog> {
  const stream = createWriteStream(file, { flags: 'w' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err: NodeJS.ErrnoException) =>
      reject(new BenchError('BAD_CONFIG', `event log ${file}: cannot open it (${err.code ?? err.message})`, { cause: err })),
    );
  });
  return new BufferedEventLog(file, stream);
}

class BufferedEventLog implements EventLog {
  private pending: string[] = [];
  private pendingChars = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly file: string,
    private readonly stream: WriteStream,
  ) {
    stream.on('error', (err) => {
      this.failure ??= err;
    });
  }

  write(event: EmulatorEvent): void {
    if (this.failure || this.closing) return;
    const line = `${JSON.stringify(event)}\n`;
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.failure) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.stream.write(text);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      this.flush();
      this.stream.end();
      finished(this.stream, (err) => {
        const failure = this.failure ?? err ?? undefined;
        if (failure) reject(new BenchError('BAD_CONFIG', `event log ${this.file}: write failed (${failure.message})`, { cause: failure }));
        else resolve();
      });
    });
    return this.closing;
  }
}
