import fs from 'node:fs';
import { BenchError } from '../errors.ts';
import { REDACTED, secretForms } from '../secrets.ts';
import type { Observation } from '../types.ts';


export interface ObservationLogOptions {
  /** Strings that must never reach the file (API keys); each occurrence becomes `[REDACTED]`. */
  readonly secrets?: readonly string[];
  /** Drop `raw` from every event to keep perf-run files small (type, data and t_ms stay). */
  readonly compact?: boolean;
}

/** Append-only JSON Lines file of Observations (`requests.jsonl`). */
export interface ObservationLog {
  readonly path: string;
  /** Serialize one observation as one line and hand it to the file at once (no batching). */
  append(o: Observation): void;
  /** Resolves when every line appended so far has been written to the file. */
  flush(): Promise<void>;
  /** Flush, then close the file. Rejects if any write failed. Idempotent. */
  close(): Promise<void>;
}

/**
 * Open (create or append to) an observation log. Lines are written as soon as
 * they are appended, so a crash loses at most the lines still in flight.
 * Secrets are redacted as defence in depth: Observations carry no request
 * headers, so a key should never be in one in the first place.
 */
export async function openObservationLog(path: string, options: ObservationLogOptions = {}): Promise<ObservationLog> {
  const stream = fs.createWriteStream(path, { flags: 'a', encoding: 'utf8' });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (err) {
    throw new BenchError('BAD_INPUT', `cannot open ${path} for writing: ${(err as Error).message}`, {
      hint: 'check that the output directory exists and is writable',
      cause: err,
    });
  }
  const needles = secretForms(options.secrets ?? []);
  const compact = options.compact === true;
  let failure: Error | null = null;
  let pending = 0;
  let waiters: Array<() => void> = [];
  let closing: Promise<void> | null = null;
  // A late write error must not crash the process; it surfaces from flush()/close().
  stream.on('error', (err) => {
    failure ??= err;
  });

  const settle = (): void => {
    const ready = waiters;
    waiters = [];
    for (const wake of ready) wake();
  };

  return {
    path,
    append(o) {
      if (closing !== null) throw new BenchError('INTERNAL', 'observation appended after the log was closed');
      let line = JSON.stringify(compact ? compactObservation(o) : o);
      for (const needle of needles) if (line.includes(needle)) line = line.split(needle).join(REDACTED);
      pending++;
      stream.write(`${line}\n`, (err) => {
        if (err) failure ??= err;
        pending--;
        if (pending === 0) settle();
      });
    },
    flush() {
      const done = pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve));
      return done.then(() => {
        if (failure !== null) throw failure;
      });
    },
    close() {
      closing ??= (async () => {
        stream.end();
        // 'close' follows 'finish' once the fd is closed; an errored stream has closed already.
        if (!stream.closed) await new Promise<void>((resolve) => stream.once('close', () => resolve()));
        if (failure !== null) throw failure;
      })();
      return closing;
    },
  };
}

function compactObservation(o: Observation): unknown {
  return { ...o, events: o.events.map(({ type, data, t_ms }) => ({ type, data, t_ms })) };
}
