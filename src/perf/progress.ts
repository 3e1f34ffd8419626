/**
 * Progress on stderr while a run goes: requests done, users, live p50 TTFT.
 * On a TTY one line is redrawn in place; otherwise a plain line is printed
 * every few seconds (CI logs stay readable). stdout is never touched, so
 * `--json` output stays clean.
 */
import { percentile } from './stats.ts';

export interface ProgressState {
  /** e.g. "sweep 3/10" or "level 2/3". */
  readonly phase: string;
  readonly users: number;
  readonly done: number;
  readonly failed: number;
  /** Request bound of the level. */
  readonly limit: number;
  /** Recent TTFTs, ms (model time). */
  readonly ttft_ms: readonly number[];
  readonly elapsed_s: number;
  readonly emulated: boolean;
}

/** One progress line (pure). */
export function formatProgress(s: ProgressState): string {
  const p50 = s.ttft_ms.length > 0 ? `${(percentile(s.ttft_ms, 50) / 1000).toFixed(2)} s` : '—';
  return (
    `claude-bench perf: ${s.phase} · ${s.users} user${s.users === 1 ? '' : 's'} · ${s.done}/${s.limit} requests` +
    `${s.failed > 0 ? ` (${s.failed} failed)` : ''} · p50 TTFT ${p50}${s.emulated ? ' EMULATED' : ''} · ${s.elapsed_s.toFixed(0)} s`
  );
}

export interface ProgressSink {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

const KEEP = 500;

/** A progress reporter for one process; `level()` starts a new load level. */
export class Progress {
  private state: ProgressState = { phase: '', users: 0, done: 0, failed: 0, limit: 0, ttft_ms: [], elapsed_s: 0, emulated: false };
  private ttfts: number[] = [];
  private started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private lastDraw = 0;
  private drawn = false;
  private readonly tty: boolean;

  constructor(
    private readonly sink: ProgressSink,
    private readonly options: { readonly intervalMs?: number; readonly enabled?: boolean } = {},
  ) {
    this.tty = sink.isTTY === true;
  }

  /** Start a level: resets the counters and (re)arms the periodic line. */
  level(phase: string, users: number, limit: number, emulated: boolean): void {
    if (this.options.enabled === false) return;
    this.ttfts = [];
    this.started = Date.now();
    this.state = { phase, users, done: 0, failed: 0, limit, ttft_ms: [], elapsed_s: 0, emulated };
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.draw(true), this.options.intervalMs ?? (this.tty ? 500 : 5_000));
      this.timer.unref();
    }
    this.draw(true);
  }

  /** A request completed. */
  completed(ok: boolean, ttftMs: number | null): void {
    if (this.options.enabled === false) return;
    if (ttftMs !== null) {
      this.ttfts.push(ttftMs);
      if (this.ttfts.length > KEEP) this.ttfts.shift();
    }
    this.state = { ...this.state, done: this.state.done + 1, failed: this.state.failed + (ok ? 0 : 1) };
    if (this.tty && Date.now() - this.lastDraw > 100) this.draw(false);
  }

  /** A message that must stay on screen (clears the live line first). */
  note(text: string): void {
    this.clear();
    this.sink.write(`${text}\n`);
  }

  /** Stop drawing and leave the terminal clean. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private clear(): void {
    if (this.tty && this.drawn) this.sink.write('\r\u001b[2K');
    this.drawn = false;
  }

  private draw(periodic: boolean): void {
    if (this.options.enabled === false || this.state.limit === 0) return;
    this.lastDraw = Date.now();
    const line = formatProgress({ ...this.state, ttft_ms: this.ttfts, elapsed_s: (Date.now() - this.started) / 1000 });
    if (this.tty) {
      this.sink.write(`\r\u001b[2K${line}`);
      this.drawn = true;
    } else if (periodic) {
      this.sink.write(`${line}\n`);
    }
  }
}
