import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BenchError } from '../errors.ts';
import { redactSecrets } from '../secrets.ts';
import { probe } from './http-probe.ts';
import { createRedactingTransform } from './redact-stream.ts';

/** How long stop() waits after SIGTERM before it sends SIGKILL. */
export const DEFAULT_STOP_GRACE_MS = 3_000;
/** Pause between health probes. */
const HEALTH_POLL_MS = 50;
/** Bound on one health probe. */
const HEALTH_PROBE_TIMEOUT_MS = 1_000;
/** Lines kept for error messages and for late ready-line waiters. */
const TAIL_LINES = 50;
/** A partial line longer than this is cut (a child printing without newlines must not grow memory). */
const MAX_PARTIAL_LINE = 64 * 1024;
/** How long stop() waits for the output pipes to drain after the process is gone. */
const DRAIN_MS = 2_000;

/** Variables passed through to children; everything else (keys, tokens, NODE_OPTIONS) stays behind. */
const PASSED_ENV = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'TMP', 'TEMP', 'SYSTEMROOT'];
/** Prefix of claude-bench's own variables (debug switch, test tags), passed through too. */
const OWN_ENV_PREFIX = 'CLAUDE_BENCH_';

/**
 * A child's whole environment: the few variables a process needs to run,
 * claude-bench's own `CLAUDE_BENCH_*` variables, then `overrides` (e.g. a
 * private HOME). The user's API keys and tokens are never handed on.
 */
export function childEnv(overrides: Readonly<Record<string, string>>, parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    if (PASSED_ENV.includes(name) || name.startsWith(OWN_ENV_PREFIX)) env[name] = value;
  }
  return { ...env, ...overrides };
}

/** What a child is started with. */
export interface ChildSpec {
  /** Short name used in messages, e.g. "claude-code-router". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** The child's whole environment: nothing is inherited implicitly (see childEnv). */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** stdout and stderr are appended here, secrets redacted before they reach the disk. */
  readonly logFile: string;
  /** Strings that must never reach the log file or an error message. */
  readonly secrets?: readonly string[];
}

/** How a child ended: exit code, or signal, or a spawn error. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all. */
  readonly error?: string;
}

/** Bounds for a readiness wait. */
export interface WaitOptions {
  /** Absolute deadline, Date.now() based. */
  readonly deadline: number;
  /** Aborting it ends the wait with BenchError INTERRUPTED. */
  readonly signal?: AbortSignal;
}

/** Readiness conditions for startChild: a stdout line, then (optionally) an HTTP health URL. */
export interface ReadyCheck<T> {
  /** Returns a value (e.g. the parsed ready line) when `line` shows the child is ready. */
  readonly line?: (line: string) => T | undefined;
  /** URL that must answer 2xx; a function gets the ready line's value (to learn the port). */
  readonly healthUrl?: string | ((ready: T | undefined) => string);
  readonly deadline: number;
  readonly signal?: AbortSignal;
}

// ─── Registry: last-resort cleanup ───────────────────────────────────────────

const live = new Set<ManagedChild>();
let exitHookInstalled = false;

/**
 * If the harness exits with children still registered (a crash, a second
 * Ctrl-C that calls process.exit), kill their process groups synchronously:
 * 'exit' listeners cannot wait, and SIGKILL needs no cooperation.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.killGroupNow('SIGKILL');
  });
}

/** PIDs of the children started here and not yet stopped (for diagnostics and tests). */
export function liveChildPids(): number[] {
  return [...live].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}

// ─── ManagedChild ────────────────────────────────────────────────────────────

/**
 * A child process in its own process group, its output logged (redacted),
 * with readiness waits that notice an early death, and a stop() that takes
 * the whole group down. Create with spawnChild or startChild.
 */
export class ManagedChild {
  readonly name: string;
  readonly pid: number | undefined;
  readonly logFile: string;

  readonly #child: ChildProcess;
  readonly #secrets: readonly string[];
  readonly #exited: Promise<ChildExit>;
  readonly #closed: Promise<void>;
  readonly #logDone: Promise<void>;
  readonly #file: WriteStream;
  readonly #tail: string[] = [];
  readonly #stdoutLines: string[] = [];
  readonly #lineListeners = new Set<(line: string) => void>();
  #exit: ChildExit | null = null;
  #stopping: Promise<void> | null = null;

  constructor(spec: ChildSpec) {
    this.name = spec.name;
    this.logFile = spec.logFile;
    this.#secrets = spec.secrets ?? [];
    mkdirSync(path.dirname(spec.logFile), { recursive: true });

    let resolveExit!: (exit: ChildExit) => void;
    this.#exited = new Promise((resolve) => (resolveExit = resolve));
    const settle = (exit: ChildExit): void => {
      if (this.#exit) return;
      this.#exit = exit;
      resolveExit(exit);
      // Sweep the group now, while its id cannot yet belong to anyone else:
      // a grandchild must not outlive its parent. Then forget the child, so a
      // later exit hook never signals a PID the system may have reused.
      if (this.#stopping === null) {
        this.killGroupNow('SIGKILL');
        live.delete(this);
      }
    };

    // detached: the child leads its own process group, so one signal to -pid
    // reaches every descendant, and a terminal Ctrl-C (sent to our group)
    // does not hit it behind our back: teardown stays ours to order.
    this.#child = spawn(spec.command, [...spec.args], {
      env: spec.env,
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = this.#child.pid;
    // Opened after spawn (which can throw) so a failed spawn leaks no stream;
    // output listeners are attached below in this same tick, so nothing is lost.
    this.#file = createWriteStream(spec.logFile, { flags: 'a', mode: 0o600 });
    // A log that cannot be written must not take the run down.
    this.#file.on('error', () => undefined);
    const header = `# ${new Date().toISOString()} claude-bench started ${spec.name} (pid ${this.pid ?? 'none'}): ${[spec.command, ...spec.args].join(' ')}\n`;
    this.#file.write(this.redact(header));
    this.#child.on('exit', (code, signal) => settle({ code, signal }));
    this.#child.on('error', (err) => {
      if (this.pid === undefined) settle({ code: null, signal: null, error: err.message });
    });
    this.#closed = new Promise((resolve) => {
      this.#child.once('close', () => resolve());
      if (this.pid === undefined) resolve();
    });

    const streams = [this.#child.stdout, this.#child.stderr].filter((s): s is Readable => s !== null);
    const captured = streams.map((s) => this.capture(s, s === this.#child.stdout));
    // The footer names how it ended, so wait for the exit too (it may come after the pipes close).
    this.#logDone = Promise.all([...captured, this.#exited]).then(
      () => new Promise<void>((resolve) => this.#file.end(`# ${new Date().toISOString()} ${this.name} ${describeExit(this.#exit)}\n`, () => resolve())),
    );
    if (this.pid !== undefined) {
      live.add(this);
      installExitHook();
    }
  }

  /** How the child ended, or null while it runs. */
  exitStatus(): ChildExit | null {
    return this.#exit;
  }

  /** Resolves when the child has exited (never rejects). */
  exited(): Promise<ChildExit> {
    return this.#exited;
  }

  /** The last lines of output, redacted, joined into one line for a message. */
  tail(maxLines = 3): string {
    const text = this.#tail.slice(-maxLines).join(' | ');
    return text.length > 400 ? `…${text.slice(-400)}` : text;
  }

  /** Wait for a stdout line for which `match` returns a value; fail on exit, deadline, abort. */
  waitForLine<T>(match: (line: string) => T | undefined, options: WaitOptions): Promise<T> {
    const attempt = (line: string): T | undefined => {
      try {
        return match(line);
      } catch {
        return undefined;
      }
    };
    for (const line of this.#stdoutLines) {
      const found = attempt(line);
      if (found !== undefined) return Promise.resolve(found);
    }
    return this.waitFor((done) => {
      const listener = (line: string): void => {
        const found = attempt(line);
        if (found !== undefined) done(found);
      };
      this.#lineListeners.add(listener);
      return () => this.#lineListeners.delete(listener);
    }, 'printed no ready line', options);
  }

  /** Poll `url` until it answers 2xx; fail on exit, deadline, abort. */
  waitForHealth(url: string, options: WaitOptions): Promise<void> {
    return this.waitFor<void>((done) => {
      let active = true;
      const loop = async (): Promise<void> => {
        while (active) {
          const left = options.deadline - Date.now();
          if (left <= 0) return;
          try {
            const res = await probe(url, { timeoutMs: Math.min(HEALTH_PROBE_TIMEOUT_MS, left) });
            if (res.status >= 200 && res.status < 300) return done();
          } catch {
            // not listening yet
          }
          await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
        }
      };
      void loop();
      return () => {
        active = false;
      };
    }, `never answered ${url}`, options);
  }

  /**
   * SIGTERM to the process group, SIGKILL after `graceMs` if the child is
   * still there, then SIGKILL to whatever is left of the group; waits for the
   * log to be flushed. Idempotent; never throws.
   */
  stop(graceMs: number = DEFAULT_STOP_GRACE_MS): Promise<void> {
    this.#stopping ??= this.doStop(graceMs);
    return this.#stopping;
  }

  /** Signal the whole process group now, synchronously; ignores a group that is gone. */
  killGroupNow(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is gone already
    }
  }

  private async doStop(graceMs: number): Promise<void> {
    try {
      if (this.#exit === null) {
        this.killGroupNow('SIGTERM');
        if ((await within(this.#exited, graceMs)) === undefined) {
          this.killGroupNow('SIGKILL');
          await within(this.#exited, DRAIN_MS);
        }
        // The leader is gone; anything it left in its group goes too. (A child
        // that exited before stop() had its group swept at that moment.)
        this.killGroupNow('SIGKILL');
      }
      if ((await within(this.#closed.then(() => this.#logDone), DRAIN_MS)) === undefined) {
        this.#child.stdout?.destroy();
        this.#child.stderr?.destroy();
        this.#file.end();
      }
    } catch {
      // stop() never throws: teardown runs in finally blocks and on failure paths
    } finally {
      live.delete(this);
    }
  }

  private redact(text: string): string {
    return redactSecrets(text, this.#secrets);
  }

  /** Tee one output stream: redacted into the log file, line by line into the tail and listeners. */
  private capture(stream: Readable, isStdout: boolean): Promise<void> {
    const redactor = createRedactingTransform(this.#secrets);
    redactor.on('data', (chunk: Buffer) => this.#file.write(chunk));
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => {
      redactor.write(text);
      partial += text;
      let newline = partial.indexOf('\n');
      while (newline >= 0) {
        this.onLine(partial.slice(0, newline).replace(/\r$/, ''), isStdout);
        partial = partial.slice(newline + 1);
        newline = partial.indexOf('\n');
      }
      if (partial.length > MAX_PARTIAL_LINE) {
        this.onLine(partial, isStdout);
        partial = '';
      }
    });
    return new Promise((resolve) => {
      redactor.once('end', resolve);
      stream.once('close', () => {
        if (partial.length > 0) this.onLine(partial, isStdout);
        redactor.end();
      });
    });
  }

  private onLine(line: string, isStdout: boolean): void {
    const clean = this.redact(line).trim();
    if (clean.length > 0) pushBounded(this.#tail, clean);
    if (!isStdout) return;
    pushBounded(this.#stdoutLines, line);
    for (const listener of [...this.#lineListeners]) listener(line);
  }

  /**
   * Run a readiness condition against the three ways it can fail: the child
   * exits, the deadline passes, the caller aborts. `arm` starts watching and
   * returns its cleanup.
   */
  private waitFor<T>(arm: (done: (value: T) => void) => () => void, notReady: string, options: WaitOptions): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const cleanups: Array<() => void> = [];
      const finish = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        for (const c of cleanups) c();
        outcome();
      };
      if (options.signal?.aborted) return reject(this.interrupted());
      cleanups.push(arm((value) => finish(() => resolve(value))));
      void this.#exited.then(() =>
        finish(() => {
          // Let the last output drain so the message shows why it died.
          void within(this.#closed, 500).then(() => reject(this.diedEarly()));
        }),
      );
      const timer = setTimeout(
        () => finish(() => reject(this.failed(`${this.name} ${notReady} before the start-up deadline`))),
        Math.max(0, options.deadline - Date.now()),
      );
      cleanups.push(() => clearTimeout(timer));
      if (options.signal) {
        const signal = options.signal;
        const onAbort = (): void => finish(() => reject(this.interrupted()));
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
    });
  }

  private diedEarly(): BenchError {
    return this.failed(`${this.name} ${describeExit(this.#exit)} before it was ready`);
  }

  private failed(what: string): BenchError {
    const tail = this.tail();
    return new BenchError('STACK_FAILED', `${what}${tail ? `; last output: ${tail}` : '; it printed nothing'}`, {
      hint: `log: ${this.logFile}`,
    });
  }

  private interrupted(): BenchError {
    return new BenchError('INTERRUPTED', `interrupted while starting ${this.name}`);
  }
}

/** Spawn a managed child (see ManagedChild); readiness is the caller's to wait for. */
export function spawnChild(spec: ChildSpec): ManagedChild {
  return new ManagedChild(spec);
}

/**
 * Spawn a child and wait until it is ready: first the ready line (when
 * given), then the health URL (when given). On any failure the child is
 * stopped before the error (STACK_FAILED or INTERRUPTED) is thrown.
 */
export async function startChild<T = undefined>(spec: ChildSpec, ready: ReadyCheck<T>): Promise<{ child: ManagedChild; ready: T | undefined }> {
  const child = spawnChild(spec);
  try {
    const wait: WaitOptions = ready.signal ? { deadline: ready.deadline, signal: ready.signal } : { deadline: ready.deadline };
    const value = ready.line ? await child.waitForLine(ready.line, wait) : undefined;
    if (ready.healthUrl !== undefined) {
      const url = typeof ready.healthUrl === 'string' ? ready.healthUrl : ready.healthUrl(value);
      await child.waitForHealth(url, wait);
    }
    return { child, ready: value };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** "exited with code 1", "was killed by SIGKILL", … */
function describeExit(exit: ChildExit | null): string {
  if (exit === null) return 'ended';
  if (exit.error !== undefined) return `could not be started (${exit.error})`;
  if (exit.code !== null) return `exited with code ${exit.code}`;
  return `was killed by ${exit.signal ?? 'a signal'}`;
}

/** The promise's value, or undefined when it takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function pushBounded(list: string[], item: string): void {
  list.push(item);
  if (list.length > TAIL_LINES) list.shift();
}
