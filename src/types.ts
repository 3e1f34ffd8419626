/**
 * Public types shared by every stage. Stages depend on these, never on each
 * other's internals: stack → client → conform/perf → results → report/gate.
 */

// ─── Target ──────────────────────────────────────────────────────────────────

/** What a stack hands on: an endpoint that speaks the Anthropic Messages API. */
export interface Target {
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:3456`. */
  readonly baseUrl: string;
  /** Key sent as `x-api-key` (and/or Bearer). Never written to disk. */
  readonly apiKey: string;
  /** Model id sent in requests. */
  readonly model: string;
  /** How the target came to be: stood up by us, or given by the user. */
  readonly kind: 'embedded' | 'external';
  /** True when the backend is the emulator: every figure is then EMULATED. */
  readonly emulated: boolean;
  /** Human description, e.g. "claude-code-router 1.0.73 → vLLM emulator". */
  readonly description: string;
  /** Gateway name and version when known. */
  readonly gateway?: { readonly name: string; readonly version: string };
  /** Backend name and version when known. */
  readonly backend?: { readonly name: string; readonly version: string };
}

// ─── Observation (client/) ───────────────────────────────────────────────────

/** One SSE event as it arrived. */
export interface SseEvent {
  /** Value of the `event:` line; null when the frame had none (OpenAI-style `data:`-only). */
  readonly type: string | null;
  /** Joined `data:` lines (SSE joins multiple data lines with "\n"). */
  readonly data: string;
  /** Arrival of the event's first byte, ms after t0, monotonic clock. */
  readonly t_ms: number;
  /** The frame exactly as received (lines, comments), for evidence. */
  readonly raw: string;
}

/** Why a request did not complete normally. Classified by mechanism, never by message text. */
export type ObservationErrorKind =
  | 'connect' // refused, DNS, unreachable
  | 'timeout' // idle timeout: nothing received for --timeout seconds
  | 'reset' // socket closed/reset before the response ended
  | 'protocol' // not HTTP, malformed SSE framing, over the size bound
  | 'aborted'; // cancelled by us (SIGINT, run deadline)

export interface ObservationError {
  readonly kind: ObservationErrorKind;
  readonly message: string;
}

/** Everything the client saw for one request. All times: ms after t0 on a monotonic clock. */
export interface Observation {
  /** Unique id, sent as `x-request-id`. */
  readonly request_id: string;
  /** Free label set by the caller (check id, workload name). */
  readonly label: string;
  readonly method: string;
  /** Path and query, e.g. `/v1/messages?beta=true` (no host: keeps keys and hosts out of fixtures). */
  readonly path: string;
  /** Absolute wall-clock send time, sub-millisecond (performance.timeOrigin + performance.now()). */
  readonly t0_epoch_ms: number;
  /** Response headers arrived. */
  readonly t_hdr_ms: number | null;
  /** Response ended (or failed). */
  readonly t_end_ms: number | null;
  readonly status: number | null;
  /** Response headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** SSE events, when the response was `text/event-stream`. */
  readonly events: readonly SseEvent[];
  /** Response body when not SSE (bounded; truncated flag set when cut). */
  readonly body: string | null;
  /** Bytes received in the body. */
  readonly bytes: number;
  /** True when the body or event list was cut at the memory bound. */
  readonly truncated: boolean;
  readonly error: ObservationError | null;
}

/** A request to send. Body is a JS value (JSON-encoded by the client) or a raw string. */
export interface RequestSpec {
  readonly method?: 'GET' | 'POST' | 'HEAD';
  /** Path and query, appended to the target's base URL. */
  readonly path: string;
  /** Extra headers. Auth headers are added from `auth` unless given here. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Send `body` as-is (must be a string): for malformed-JSON cases. */
  readonly rawBody?: boolean;
  /** How to present the key: x-api-key (default), bearer, both, or none. */
  readonly auth?: 'x-api-key' | 'bearer' | 'both' | 'none';
  /** Override the key (e.g. a wrong one for auth checks). */
  readonly apiKey?: string;
  /** Label stored on the Observation. */
  readonly label?: string;
}

// ─── Conformance ─────────────────────────────────────────────────────────────

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip' | 'error';
/** Impact on Claude Code: blocker = the session cannot proceed. */
export type Severity = 'blocker' | 'degraded' | 'cosmetic';

/** The outcome of one check. `fail` = a violation was measured; `error` = the check could not run. */
export interface Verdict {
  readonly id: string;
  readonly title: string;
  readonly area: string;
  readonly status: CheckStatus;
  readonly severity: Severity;
  /** What was found, in words a user can act on. */
  readonly detail: string;
  /** First offending frame or body (server-supplied: untrusted; escaped by renderers). */
  readonly evidence?: string;
  /** Known public bugs this check corresponds to (owner/repo#N). */
  readonly refs?: readonly string[];
  /** x-request-id of the requests the verdict rests on (see requests.jsonl). */
  readonly request_ids?: readonly string[];
  readonly duration_ms: number;
}

// ─── Results ─────────────────────────────────────────────────────────────────

export const RESULT_SCHEMA_VERSION = '1.0.0';

export interface TargetInfo {
  readonly base_url: string;
  readonly model: string;
  readonly kind: Target['kind'];
  readonly emulated: boolean;
  readonly description: string;
  readonly gateway?: { readonly name: string; readonly version: string };
  readonly backend?: { readonly name: string; readonly version: string };
}

export interface EnvironmentInfo {
  readonly os: string;
  readonly arch: string;
  readonly node: string;
  readonly cpu_model: string;
  readonly cpu_cores: number;
  readonly memory_bytes: number;
  readonly hostname_hash: string;
}

export interface ConformanceSummary {
  readonly pass: number;
  readonly fail: number;
  readonly warn: number;
  readonly skip: number;
  readonly error: number;
  /** Failed checks with severity blocker. */
  readonly blockers: number;
}

export interface ConformanceResult {
  readonly suites: readonly string[];
  readonly checks: readonly Verdict[];
  readonly summary: ConformanceSummary;
}

/** The only contract between stages: what `results.json` holds. */
export interface RunResult {
  readonly schema_version: typeof RESULT_SCHEMA_VERSION;
  readonly tool: { readonly name: 'claude-bench'; readonly version: string };
  readonly command: 'conform' | 'perf';
  readonly started_at: string;
  readonly finished_at: string;
  /** True when the run was interrupted and the figures cover only part of it. */
  readonly partial: boolean;
  readonly target: TargetInfo;
  readonly environment: EnvironmentInfo;
  readonly conformance?: ConformanceResult;
  /** Exit code the run ended with (design.md table). */
  readonly exit_code: number;
}
