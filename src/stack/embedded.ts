import { mkdir } from 'node:fs/promises';
import { BenchError, isBenchError } from '../errors.ts';
import type { Target } from '../types.ts';
import { TOOL_VERSION } from '../version.ts';
import { CCR_NAME, newKey, startCcr, type RunningCcr } from './ccr.ts';
import { EMULATOR_NAME, startEmulator, type RunningEmulator } from './emulator.ts';

/** Claude Code's default model id; CCR routes whatever arrives to Router.default. */
export const DEFAULT_CLIENT_MODEL = 'claude-opus-5-5';
/** The model the deployment guide serves. */
export const DEFAULT_SERVED_MODEL = 'Qwen/Qwen2.5-Coder-32B-Instruct';
/** Bound on the whole start-up (tsx compiles the emulator on a cold cache). */
export const DEFAULT_START_TIMEOUT_MS = 30_000;

/** Options of startEmbeddedStack. */
export interface EmbeddedStackOptions {
  /** Folder for every log of the stack (created). */
  readonly logDir: string;
  /** Model id clients send; default 'claude-opus-5-5'. */
  readonly model?: string;
  /** Extra `emulate` flags, e.g. ['--max-model-len', '8192'] to reproduce the guide. */
  readonly emulatorArgs?: readonly string[];
  /** Backend model name (vLLM --served-model-name); default 'Qwen/Qwen2.5-Coder-32B-Instruct'. */
  readonly servedModelName?: string;
  /**
   * Start the emulator with `--enable-auto-tool-choice --tool-call-parser hermes`
   * (default true, a correct vLLM setup); false reproduces a vLLM started without them.
   */
  readonly autoToolChoice?: boolean;
  /** Aborting it during start-up tears down what started and throws INTERRUPTED. */
  readonly signal?: AbortSignal;
  /** Bound on the whole start-up; default 30 000. */
  readonly startTimeoutMs?: number;
}

/** A stack that is up, and the means to take it down. */
export interface RunningStack {
  readonly target: Target;
  /** Every key the stack invented, for redaction. */
  readonly secrets: readonly string[];
  /** name → file. CCR's own logs (redacted copies) are added by stop(). */
  readonly logs: Readonly<Record<string, string>>;
  /** PIDs of the stack's processes, by part (for diagnostics and tests). */
  readonly pids: Readonly<Record<'emulator' | 'gateway', number | undefined>>;
  /** CCR's private HOME (deleted by stop()). */
  readonly gatewayHome: string;
  /** Stops CCR, then the emulator. Idempotent; never throws. */
  stop(): Promise<void>;
}

/**
 * Stand up the embedded default stack: the vLLM emulator behind a real
 * claude-code-router, both child processes on ephemeral loopback ports, and
 * hand on the Target (CCR's URL and its per-run key). Any failure tears down
 * what started and throws BenchError STACK_FAILED (exit 3), or INTERRUPTED
 * when `signal` aborts first.
 */
export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<RunningStack> {
  const signal = options.signal;
  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  const servedModelName = options.servedModelName ?? DEFAULT_SERVED_MODEL;
  const apiKey = newKey('cb-ccr');
  const upstreamApiKey = newKey('cb-upstream');
  const secrets = [apiKey, upstreamApiKey];
  const waitOpts = signal ? { deadline, signal } : { deadline };

  let emulator: RunningEmulator | undefined;
  let ccr: RunningCcr | undefined;
  const stopAll = async (): Promise<void> => {
    await ccr?.stop();
    await emulator?.stop();
  };
  try {
    throwIfAborted(signal);
    await mkdir(options.logDir, { recursive: true });
    emulator = await startEmulator({
      logDir: options.logDir,
      servedModelName,
      autoToolChoice: options.autoToolChoice ?? true,
      extra: options.emulatorArgs ?? [],
      secrets,
      ...waitOpts,
    });
    throwIfAborted(signal);
    ccr = await startCcr({
      logDir: options.logDir,
      apiKey,
      upstreamApiKey,
      upstreamBaseUrl: emulator.url,
      servedModelName,
      ...waitOpts,
    });
    throwIfAborted(signal);
  } catch (err) {
    await stopAll();
    throw asStackError(err, signal);
  }

  const gateway = ccr;
  const backend = emulator;
  let stopping: Promise<void> | undefined;
  return {
    target: {
      baseUrl: gateway.baseUrl,
      apiKey,
      model: options.model ?? DEFAULT_CLIENT_MODEL,
      kind: 'embedded',
      emulated: true,
      description: `${CCR_NAME} ${gateway.version} → vLLM emulator (EMULATED)`,
      gateway: { name: CCR_NAME, version: gateway.version },
      backend: { name: EMULATOR_NAME, version: TOOL_VERSION },
      backendUrl: backend.url,
    },
    secrets,
    // The same object CCR's stop() adds its copied logs to.
    logs: Object.assign(gateway.logs, { emulator: backend.logFile }),
    pids: { emulator: backend.pid, gateway: gateway.pid },
    gatewayHome: gateway.home,
    stop: () => (stopping ??= stopAll()),
  };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BenchError('INTERRUPTED', 'interrupted while standing up the embedded stack');
}

/** One line for the user whatever went wrong: an abort wins, then our own errors, then anything else. */
function asStackError(err: unknown, signal: AbortSignal | undefined): BenchError {
  if (signal?.aborted) return isBenchError(err) && err.code === 'INTERRUPTED' ? err : new BenchError('INTERRUPTED', 'interrupted while standing up the embedded stack', { cause: err });
  if (isBenchError(err)) return err.code === 'STACK_FAILED' ? err : new BenchError('STACK_FAILED', err.message, { cause: err, ...(err.hint ? { hint: err.hint } : {}) });
  const message = err instanceof Error ? err.message : String(err);
  return new BenchError('STACK_FAILED', `could not stand up the embedded stack: ${message.split('\n')[0] ?? ''}`, { cause: err });
}
