/**
 * Run the real Claude Code CLI headless through a target:
 *
 *   claude -p PROMPT --output-format stream-json --verbose --allowedTools Bash Write Read Edit
 *
 * in a fresh HOME and working folder, with an environment built from scratch
 * (nothing of the user's own Claude Code setup leaks in), stdin on /dev/null,
 * a hard timeout, and the whole process group killed at the end. The key is
 * passed in the environment only; the private HOME is deleted after the run.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BenchError } from '../errors.ts';
import { redactSecrets } from '../secrets.ts';
import { parseTranscript, type ClaudeTranscript } from './transcript.ts';

/** The tools the agent loop may use without asking (`--allowedTools`). */
export const DEFAULT_ALLOWED_TOOLS = ['Bash', 'Write', 'Read', 'Edit'] as const;
/** Bound on the whole run. */
export const DEFAULT_RUN_TIMEOUT_MS = 300_000;
/** API_TIMEOUT_MS: one request may take this long (a slow local prefill) before Claude Code gives up on it. */
export const DEFAULT_API_TIMEOUT_MS = 120_000;
/**
 * CLAUDE_CODE_MAX_RETRIES: Claude Code retries 5xx and timeouts up to 10
 * times with backoff (minutes); one retry keeps a transient fault survivable
 * and a dead target quick to report.
 */
export const DEFAULT_MAX_RETRIES = 1;
/** Sent when the target needs no key: Claude Code refuses to start without one. */
export const PLACEHOLDER_KEY = 'claude-bench-no-key';
/** Output kept in memory (stream-json of a short session is a few hundred KB). */
const MAX_STDOUT_BYTES = 16 * 1024 * 1024;
const MAX_STDERR_BYTES = 64 * 1024;
/** After SIGTERM, how long before SIGKILL. */
const KILL_GRACE_MS = 2_000;

/** What to run and where. */
export interface RunClaudeOptions {
  /** The claude executable (ensureClaudeCode().path). */
  readonly binary: string;
  /** The gateway, as ANTHROPIC_BASE_URL (no `/v1`). */
  readonly baseUrl: string;
  /** Sent as ANTHROPIC_API_KEY (x-api-key); empty → a placeholder. */
  readonly apiKey: string;
  readonly prompt: string;
  /** ANTHROPIC_MODEL. Unset: Claude Code's default id (and its 128000 max_tokens). */
  readonly model?: string;
  /** CLAUDE_CODE_MAX_OUTPUT_TOKENS. Unset: 32000 for unknown ids, 128000 for Claude ids. */
  readonly maxOutputTokens?: number;
  readonly allowedTools?: readonly string[];
  /** Hard bound on the run; the process group is killed after it. Default 300 s. */
  readonly timeoutMs?: number;
  /** API_TIMEOUT_MS. Default 120 s. */
  readonly apiTimeoutMs?: number;
  /** CLAUDE_CODE_MAX_RETRIES. Default 1. */
  readonly maxRetries?: number;
  /** Kills the run (then `aborted` is true). */
  readonly signal?: AbortSignal;
  /** Folder for the private HOME and working folder; default the OS temp dir. */
  readonly tmpRoot?: string;
}

/** How the process ended. */
export interface ClaudeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Killed by the hard timeout. */
  readonly timedOut: boolean;
  /** Killed because the caller aborted. */
  readonly aborted: boolean;
}

/** One finished run. */
export interface ClaudeRun {
  /** The working folder Claude Code ran in (its files are there until cleanup()). */
  readonly workDir: string;
  readonly exit: ClaudeExit;
  /** Spawn to exit, ms. */
  readonly wallMs: number;
  readonly transcript: ClaudeTranscript;
  /** Last part of stderr, key redacted. */
  readonly stderrTail: string;
  /** Last part of stdout when it held no result (key redacted), for a message. */
  readonly stdoutTail: string;
  /** Remove the working folder. Idempotent; never throws. */
  cleanup(): Promise<void>;
}

/**
 * The environment of the run, from scratch: PATH (with this Node's folder
 * first, so `node` resolves), HOME, the target, and the switches that keep
 * Claude Code quiet and quick to fail. Pure.
 */
export function buildClaudeEnv(options: RunClaudeOptions, home: string, parentPath: string | undefined = process.env['PATH']): Record<string, string> {
  const dirs = [path.dirname(process.execPath), ...(parentPath ?? '').split(path.delimiter), '/usr/local/bin', '/usr/bin', '/bin'];
  const env: Record<string, string> = {
    PATH: [...new Set(dirs.filter(Boolean))].join(path.delimiter),
    HOME: home,
    ANTHROPIC_BASE_URL: options.baseUrl.replace(/\/+$/, ''),
    ANTHROPIC_API_KEY: options.apiKey.length > 0 ? options.apiKey : PLACEHOLDER_KEY,
    // No HEAD /api/hello, no DNS lookups of api.anthropic.com, no telemetry (cc-notes §3).
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_MAX_RETRIES: String(options.maxRetries ?? DEFAULT_MAX_RETRIES),
    API_TIMEOUT_MS: String(options.apiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS),
  };
  if (options.model !== undefined) env['ANTHROPIC_MODEL'] = options.model;
  if (options.maxOutputTokens !== undefined) env['CLAUDE_CODE_MAX_OUTPUT_TOKENS'] = String(options.maxOutputTokens);
  return env;
}

/** The command line after the binary. Pure. */
export function buildClaudeArgs(prompt: string, allowedTools: readonly string[] = DEFAULT_ALLOWED_TOOLS): string[] {
  return ['-p', prompt, '--output-format', 'stream-json', '--verbose', '--allowedTools', ...allowedTools];
}

/**
 * Run Claude Code once. Resolves with whatever happened (a non-zero exit, a
 * timeout and an unparseable output are data for the caller); throws
 * BenchError only when the process cannot be started at all.
 */
export async function runClaude(options: RunClaudeOptions): Promise<ClaudeRun> {
  const root = options.tmpRoot ?? tmpdir();
  const home = await mkdtemp(path.join(root, 'claude-bench-cc-home-'));
  const workDir = await mkdtemp(path.join(root, 'claude-bench-cc-work-'));
  const secrets = [options.apiKey];
  try {
    const started = performance.now();
    const out = await spawnBounded(options, workDir, buildClaudeEnv(options, home));
    const wallMs = performance.now() - started;
    const transcript = parseTranscript(out.stdout);
    return {
      workDir,
      exit: out.exit,
      wallMs,
      transcript,
      stderrTail: redactSecrets(out.stderr.slice(-2000), secrets).trim(),
      stdoutTail: transcript.result ? '' : redactSecrets(out.stdout.slice(-2000), secrets).trim(),
      cleanup: () => rm(workDir, { recursive: true, force: true }).catch(() => undefined),
    };
  } catch (err) {
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  } finally {
    // Claude Code's own state (sessions, settings) must not outlive the run.
    await rm(home, { recursive: true, force: true }).catch(() => undefined);
  }
}

interface BoundedOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exit: ClaudeExit;
}

/** Spawn in its own process group, collect bounded output, kill the group on timeout/abort and after exit. */
function spawnBounded(options: RunClaudeOptions, cwd: string, env: Record<string, string>): Promise<BoundedOutput> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new BenchError('INTERRUPTED', 'interrupted before Claude Code was started'));
      return;
    }
    const child = spawn(options.binary, buildClaudeArgs(options.prompt, options.allowedTools), {
      cwd,
      env,
      // detached: its own group, so the tools' shells die with it.
      detached: true,
      // stdin must not be an open pipe: Claude Code would wait 3 s for it.
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid;
    const killGroup = (signal: NodeJS.Signals): void => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, signal);
      } catch {
        // the group is gone
      }
    };
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdoutBytes >= MAX_STDOUT_BYTES) return;
      stdout.push(chunk);
      stdoutBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-MAX_STDERR_BYTES);
    });

    let timedOut = false;
    let aborted = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // A harness that exits mid-run must not leave Claude Code (and its tools) behind.
    const onProcessExit = (): void => killGroup('SIGKILL');
    process.once('exit', onProcessExit);
    const done = (): void => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      options.signal?.removeEventListener('abort', onAbort);
      process.off('exit', onProcessExit);
    };

    child.once('error', (err) => {
      done();
      reject(new BenchError('STACK_FAILED', `could not start Claude Code (${options.binary}): ${err.message}`, { cause: err }));
    });
    // Whatever the tools left running in the group goes too (and with it any
    // grandchild holding our pipes open, so 'close' follows).
    child.once('exit', () => killGroup('SIGKILL'));
    child.once('close', (code, signal) => {
      done();
      resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr, exit: { code, signal, timedOut, aborted } });
    });
  });
}
