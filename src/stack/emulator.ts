import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, startChild, type ManagedChild } from './child-process.ts';

/** The backend's name as reported in Target.backend. */
export const EMULATOR_NAME = 'vllm-emulator';

/** claude-bench's own entry point, found from this file so it works from any cwd. */
export const BIN_PATH = fileURLToPath(new URL('../../bin/claude-bench.mjs', import.meta.url));

/** What the emulator command line is built from. */
export interface EmulatorArgsInput {
  readonly servedModelName: string;
  /** `--enable-auto-tool-choice --tool-call-parser hermes`, as a correct vLLM setup has. */
  readonly autoToolChoice: boolean;
  /** Further `emulate` flags, appended last. */
  readonly extra?: readonly string[];
}

/**
 * The context window the embedded stack gives its backend: Qwen2.5-Coder-32B's
 * documented maximum with YaRN rope scaling (4 × 32768). A correctly set-up
 * vLLM for Claude Code needs room for a ~12k-token first request plus its
 * max_tokens; the guide's 8192 cannot hold even the prompt.
 */
export const EMBEDDED_MAX_MODEL_LEN = 131072;

/** The `emulate` command line (after the bin path). Extras come last, so they override. */
export function buildEmulatorArgs(input: EmulatorArgsInput): string[] {
  return [
    'emulate',
    '--port',
    '0',
    '--ready-json',
    '--served-model-name',
    input.servedModelName,
    '--max-model-len',
    String(EMBEDDED_MAX_MODEL_LEN),
    ...(input.autoToolChoice ? ['--enable-auto-tool-choice', '--tool-call-parser', 'hermes'] : []),
    ...(input.extra ?? []),
  ];
}

/** What the emulator prints once when it listens. */
export interface ReadyLine {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
}

/** Parse `{"event":"ready","url":…,"port":…,"pid":…}`; undefined for any other line. */
export function parseReadyLine(line: string): ReadyLine | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v['event'] !== 'ready' || typeof v['url'] !== 'string' || typeof v['port'] !== 'number') return undefined;
  return { url: v['url'].replace(/\/+$/, ''), port: v['port'], pid: typeof v['pid'] === 'number' ? v['pid'] : 0 };
}

/** Options of startEmulator. */
export interface EmulatorStartOptions extends EmulatorArgsInput {
  readonly logDir: string;
  readonly secrets: readonly string[];
  readonly deadline: number;
  readonly signal?: AbortSignal;
}

/** An emulator that answers on `url`. */
export interface RunningEmulator {
  /** Base URL without `/v1`. */
  readonly url: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  /** Stop it and remove its private HOME. Idempotent; never throws. */
  stop(): Promise<void>;
}

/**
 * Start `claude-bench emulate` as a child (same Node, our own bin) and wait
 * for its ready line and then GET /health. Throws STACK_FAILED or
 * INTERRUPTED, with nothing left running.
 */
export async function startEmulator(options: EmulatorStartOptions): Promise<RunningEmulator> {
  const home = await mkdtemp(path.join(tmpdir(), 'claude-bench-emu-'));
  const logFile = path.join(options.logDir, 'emulator.log');
  let child: ManagedChild;
  let ready: ReadyLine | undefined;
  try {
    ({ child, ready } = await startChild<ReadyLine>(
      {
        name: 'the vLLM emulator',
        command: process.execPath,
        args: [BIN_PATH, ...buildEmulatorArgs(options)],
        env: childEnv({ HOME: home }),
        logFile,
        secrets: options.secrets,
      },
      {
        line: parseReadyLine,
        healthUrl: (r) => `${r?.url ?? ''}/health`,
        deadline: options.deadline,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    ));
  } catch (err) {
    await rm(home, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  const running = child;
  let stopping: Promise<void> | undefined;
  return {
    url: ready?.url ?? '',
    pid: running.pid,
    logFile,
    stop: () =>
      (stopping ??= running.stop().then(() => rm(home, { recursive: true, force: true }).catch(() => undefined))),
  };
}
