/**
 * One live-client task: install (if needed) and run the real Claude Code CLI
 * through a target with LIVE_PROMPT, then look at what it left in its
 * working folder. The outcome is plain data the checks judge.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { CC_MAX_TOKENS_UNKNOWN_MODEL } from '../claude-code/shapes.ts';
import type { Target } from '../types.ts';
import { ensureClaudeCode, type ClaudeCodeBinary, type EnsureClaudeCodeOptions } from './install.ts';
import { LIVE_FILE, LIVE_PROMPT } from './prompt.ts';
import { runClaude, type ClaudeExit } from './run-claude.ts';
import type { ClaudeTranscript } from './transcript.ts';

/** Bound on the whole run against the embedded stack (it takes ~2 s). */
export const EMBEDDED_RUN_TIMEOUT_MS = 120_000;
/** Bound on one API request against the embedded stack. */
export const EMBEDDED_API_TIMEOUT_MS = 60_000;
/** Upper bound on a run against an external target (a slow local model, four turns). */
export const EXTERNAL_RUN_TIMEOUT_CAP_MS = 30 * 60_000;
/** Most of the written file that is read back. */
const MAX_FILE_BYTES = 64 * 1024;

/** The Claude Code settings a run used (for the report). */
export interface LiveSettings {
  /** ANTHROPIC_MODEL. */
  readonly model: string;
  /** CLAUDE_CODE_MAX_OUTPUT_TOKENS, i.e. the max_tokens Claude Code asked for. */
  readonly maxOutputTokens: number;
  readonly apiTimeoutMs: number;
  readonly runTimeoutMs: number;
}

/** What one live task produced. */
export interface LiveOutcome {
  readonly binary: ClaudeCodeBinary;
  readonly settings: LiveSettings;
  readonly exit: ClaudeExit;
  readonly wallMs: number;
  readonly transcript: ClaudeTranscript;
  /** LIVE_FILE in the working folder: null when it was not written. */
  readonly fileContent: string | null;
  readonly stderrTail: string;
  readonly stdoutTail: string;
}

/** Options of runLiveTask. */
export interface LiveTaskOptions {
  readonly target: Target;
  /** Per-request timeout of the run (conform --timeout); becomes API_TIMEOUT_MS. */
  readonly requestTimeoutMs: number;
  readonly signal?: AbortSignal;
  /** The claude-bench process's environment: CLAUDE_CODE_MAX_OUTPUT_TOKENS is honoured from it. */
  readonly env?: NodeJS.ProcessEnv;
  readonly install?: EnsureClaudeCodeOptions;
}

/**
 * max_tokens Claude Code will ask for: CLAUDE_CODE_MAX_OUTPUT_TOKENS when
 * the user set it, else 32000 (its value for a local model id). Pure.
 */
export function claudeCodeMaxTokens(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['CLAUDE_CODE_MAX_OUTPUT_TOKENS'];
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : CC_MAX_TOKENS_UNKNOWN_MODEL;
}

/** The settings for a target: tight bounds on the embedded stack, the user's timeout elsewhere. Pure. */
export function liveSettings(target: Target, requestTimeoutMs: number, env: NodeJS.ProcessEnv = process.env): LiveSettings {
  const embedded = target.kind === 'embedded';
  const apiTimeoutMs = embedded ? Math.min(requestTimeoutMs, EMBEDDED_API_TIMEOUT_MS) : requestTimeoutMs;
  const runTimeoutMs = embedded ? EMBEDDED_RUN_TIMEOUT_MS : Math.min(EXTERNAL_RUN_TIMEOUT_CAP_MS, 6 * apiTimeoutMs);
  return { model: target.model, maxOutputTokens: claudeCodeMaxTokens(env), apiTimeoutMs, runTimeoutMs };
}

/** Run the live task once. Throws only when Claude Code cannot be installed or started. */
export async function runLiveTask(options: LiveTaskOptions): Promise<LiveOutcome> {
  const binary = await ensureClaudeCode({ onProgress: (line) => process.stderr.write(`${line}\n`), ...options.install });
  const settings = liveSettings(options.target, options.requestTimeoutMs, options.env);
  const run = await runClaude({
    binary: binary.path,
    baseUrl: options.target.baseUrl,
    apiKey: options.target.apiKey,
    prompt: LIVE_PROMPT,
    model: settings.model,
    maxOutputTokens: settings.maxOutputTokens,
    apiTimeoutMs: settings.apiTimeoutMs,
    timeoutMs: settings.runTimeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    return {
      binary,
      settings,
      exit: run.exit,
      wallMs: run.wallMs,
      transcript: run.transcript,
      fileContent: await readBounded(path.join(run.workDir, LIVE_FILE)),
      stderrTail: run.stderrTail,
      stdoutTail: run.stdoutTail,
    };
  } finally {
    await run.cleanup();
  }
}

/** The file's first bytes as text, or null when there is no such regular file. */
async function readBounded(file: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    if (!(await handle.stat()).isFile()) return null;
    const buffer = Buffer.alloc(MAX_FILE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, MAX_FILE_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
