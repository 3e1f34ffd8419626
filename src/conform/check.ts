/**
 * The check model: a check is a typed record entry whose key is its id
 * (conformance.md §5 ids where one maps), with a title, an area, the
 * severity of a failure for Claude Code, the known public bugs it
 * corresponds to, and a `run` that turns observations into an outcome.
 */
import type { Client } from '../client/index.ts';
import type { Observation, RequestSpec, Severity, Target } from '../types.ts';

/** Where a check sits in the catalogue. */
export type CheckArea =
  | 'transport'
  | 'auth'
  | 'request'
  | 'response'
  | 'streaming'
  | 'tools'
  | 'usage'
  | 'stop'
  | 'errors'
  | 'sdk'
  | 'live-client'
  | 'guide'
  | 'count_tokens'
  | 'models'
  | 'context'
  | 'thinking'
  | 'behaviour';

/**
 * What a check measured. `fail` = a violation was measured; `warn` = a
 * deviation Claude Code survives; `skip` = not applicable to this target.
 * A check that cannot run throws instead, and the engine records `error`.
 */
export interface CheckOutcome {
  readonly status: 'pass' | 'fail' | 'warn' | 'skip';
  /** What was found, in words a user can act on. */
  readonly detail: string;
  /** First offending frame or body (the engine truncates it to ~2 KB). */
  readonly evidence?: string;
  /** Extra request ids; the engine already records every exchange the check awaited. */
  readonly request_ids?: readonly string[];
}

/** What a check gets to work with. */
export interface CheckContext {
  readonly target: Target;
  readonly client: Client;
  /** Aborted on SIGINT / run deadline; pass it to anything slow that is not `exchange`. */
  readonly signal: AbortSignal | undefined;
  /**
   * Send `spec` once per run under `key` and share the Observation: several
   * checks read one request (one streamed answer feeds the grammar, usage
   * and stop-reason checks). Asking for a known key with a different spec
   * is a bug and throws.
   */
  exchange(key: string, spec: RequestSpec): Promise<Observation>;
  /** Per-request timeout for anything the check sends outside `exchange` (e.g. through the SDK). */
  readonly timeoutMs: number;
}

/** A check as written in an area file, before its id is attached. */
export interface CheckSpec {
  readonly title: string;
  readonly area: CheckArea;
  /** Impact on Claude Code when the check fails (conformance.md severity legend). */
  readonly severity: Severity;
  /** Known public bugs this check corresponds to, as owner/repo#N. */
  readonly refs: readonly string[];
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

/** A registered check. */
export interface Check extends CheckSpec {
  readonly id: string;
}

/**
 * Attach ids (the record keys) to an area's checks. The result keeps the
 * literal keys, so `keyof typeof CHECKS` is the union of every id.
 */
export function defineChecks<const T extends Record<string, CheckSpec>>(specs: T): { readonly [K in keyof T & string]: Check & { readonly id: K } } {
  const out: Record<string, Check> = {};
  for (const [id, spec] of Object.entries(specs)) out[id] = { ...spec, id };
  return out as { readonly [K in keyof T & string]: Check & { readonly id: K } };
}

/** A check outcome built in one line. */
export function outcome(status: CheckOutcome['status'], detail: string, evidence?: string): CheckOutcome {
  return evidence === undefined ? { status, detail } : { status, detail, evidence };
}
