import { startRecordProxy, type RecordedFile } from '../record/proxy.ts';
import { redactUrl } from '../results/redact.ts';
import { EXIT } from '../errors.ts';
import type { RecordCliOptions } from './commands/record.ts';
import { interruptController } from './run-session.ts';

/** Where `runRecord` writes (injectable for tests). */
export interface RecordIo {
  readonly stderr: { write(text: string): unknown };
  /** Resolves when recording should stop. Default: the first SIGINT or SIGTERM. */
  readonly untilStopped?: () => Promise<void>;
}

/**
 * `claude-bench record`: run the recording proxy until SIGINT/SIGTERM, say
 * where the fixtures go and how to point a client at it, then close it
 * (exchanges in flight are finished and written). Returns the exit code.
 */
export async function runRecord(opts: RecordCliOptions, io: RecordIo = { stderr: process.stderr }): Promise<number> {
  const proxy = await startRecordProxy({
    upstream: opts.upstream,
    outDir: opts.out,
    port: opts.port,
    raw: opts.raw === true,
    apiKeys: opts.apiKey,
    onRecorded: (f: RecordedFile) => io.stderr.write(`claude-bench record: ${f.file} (${f.status ?? 'no answer'}${f.events > 0 ? `, ${f.events} events` : ''})\n`),
    onProblem: (message) => io.stderr.write(`claude-bench record: ${message}\n`),
  });
  let stop: () => Promise<void>;
  let dispose = (): void => {};
  if (io.untilStopped) {
    stop = io.untilStopped;
  } else {
    const interrupt = interruptController();
    dispose = interrupt.dispose;
    stop = () => new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  try {
    io.stderr.write(
      `claude-bench record: proxy ${proxy.url} → ${redactUrl(opts.upstream)}; ` +
        `writing one file per request to ${proxy.outDir} (${opts.raw === true ? 'RAW: prose kept, keys redacted — do not commit' : 'keys redacted, prose scrubbed'})\n` +
        `claude-bench record: point the client at it, e.g. ANTHROPIC_BASE_URL=${proxy.url}; Ctrl-C to stop\n`,
    );
    await stop();
  } finally {
    await proxy.close();
    dispose();
  }
  io.stderr.write(`claude-bench record: stopped; ${proxy.recorded().length} requests recorded in ${proxy.outDir}\n`);
  return EXIT.ok;
}
