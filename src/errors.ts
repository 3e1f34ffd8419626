/**
 * One error type for everything the user should see as a single line.
 * Only the CLI entry turns these into output and exit codes.
 */

/** Exit codes (design.md). */
export const EXIT = {
  /** Every verdict holds. */
  ok: 0,
  /** A blocker check failed, a target was missed, or the gate found a regression. */
  failed: 1,
  /** Bad usage or input. */
  usage: 2,
  /** The stack or target could not be reached or stood up. */
  unreachable: 3,
  /** A bug in claude-bench. */
  internal: 4,
  /** Interrupted by SIGINT after writing partial results. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type BenchErrorCode =
  | 'BAD_USAGE'
  | 'BAD_CONFIG'
  | 'BAD_INPUT'
  | 'TARGET_UNREACHABLE'
  | 'TARGET_NOT_HTTP'
  | 'AUTH_REJECTED'
  | 'STACK_FAILED'
  | 'INTERRUPTED'
  | 'INTERNAL';

const EXIT_BY_CODE: Record<BenchErrorCode, ExitCode> = {
  BAD_USAGE: EXIT.usage,
  BAD_CONFIG: EXIT.usage,
  BAD_INPUT: EXIT.usage,
  AUTH_REJECTED: EXIT.usage,
  TARGET_UNREACHABLE: EXIT.unreachable,
  TARGET_NOT_HTTP: EXIT.unreachable,
  STACK_FAILED: EXIT.unreachable,
  INTERRUPTED: EXIT.interrupted,
  INTERNAL: EXIT.internal,
};

export class BenchError extends Error {
  readonly code: BenchErrorCode;
  /** What the user can do about it. */
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: BenchErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BenchError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = EXIT_BY_CODE[code];
  }
}

export function isBenchError(err: unknown): err is BenchError {
  return err instanceof BenchError;
}

/** One line for the terminal: message, then the hint when there is one. */
export function formatErrorLine(err: unknown): string {
  if (isBenchError(err)) {
    return `claude-bench: ${err.message}${err.hint ? ` (${err.hint})` : ''}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `claude-bench: internal error: ${message.split('\n')[0]} (this is a bug in claude-bench; rerun with CLAUDE_BENCH_DEBUG=1 for the stack)`;
}
