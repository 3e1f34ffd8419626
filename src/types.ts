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
  /** Base URL of the backend behind the gateway (no `/v1`), when claude-bench knows it (embedded stack): for health probes. */
  readonly backendUrl?: string;
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
  readonly perf?: PerfResult;
  /** Exit code the run ended with (design.md table). */
  readonly exit_code: number;
}

// ─── Performance ─────────────────────────────────────────────────────────────

/** Summary of a distribution. Linear-interpolation percentiles over successful requests; `n` always given. */
export interface DistributionStats {
  readonly n: number;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
}

/** Per-request samples kept so runs can be merged and the gate can reason about noise. */
export interface PerfSamples {
  readonly ttft_ms: readonly number[];
  readonly tpot_ms: readonly number[];
  readonly e2el_ms: readonly number[];
  readonly output_tokens_per_s: readonly number[];
}

/** One load level (e.g. N closed-loop users). */
export interface PerfRun {
  /** Closed-loop users, or the peak in-flight requests for open-loop modes. */
  readonly concurrency: number;
  readonly mode: 'closed' | 'constant' | 'poisson';
  /** Requests per second for open-loop modes. */
  readonly rate_rps?: number;
  /** Measured window, seconds (max t_last − min t0). */
  readonly duration_s: number;
  readonly requests: {
    readonly ok: number;
    readonly failed: number;
    /** Failures by kind: timeout, reset, protocol, connect, http_429, http_500, … */
    readonly errors_by_kind: Readonly<Record<string, number>>;
  };
  /** t_first − t0 (first non-empty content delta). */
  readonly ttft_ms: DistributionStats;
  /** (E2EL − TTFT)/(N − 1): "TPOT (= vLLM TPOT = AIPerf ITL)". */
  readonly tpot_ms: DistributionStats;
  /** Pooled gaps between content deltas: "ITL (vLLM-style, per chunk)". */
  readonly itl_ms: DistributionStats;
  /** t_last − t0. */
  readonly e2el_ms: DistributionStats;
  readonly output_tokens_per_s: {
    /** Per-stream decode speed 1/TPOT, median over requests. */
    readonly p50: number;
    /** ΣN / (max t_last − min t0). */
    readonly aggregate: number;
  };
  /** vLLM `bench serve`-compatible keys (mean_ttft_ms, p99_tpot_ms, output_throughput, …). */
  readonly vllm_compat: Readonly<Record<string, number>>;
  /** Raw per-request samples (successful requests). */
  readonly samples: PerfSamples;
  /** Any further figures (TTFB, TTFO, per-session, self-measurement, accuracy). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A target of the profile judged against what was measured. */
export interface PerfVerdict {
  /** e.g. 'ttft_p95_ms', 'output_tokens_per_s_p50', 'max_users'. */
  readonly metric: string;
  readonly measured: number | null;
  /** The documented figure, as text: "2–4 s". */
  readonly documented: string;
  /** The physical ceiling of the profile's hardware, when one applies. */
  readonly ceiling: number | null;
  readonly status: 'pass' | 'fail' | 'warn' | 'skip';
  readonly detail: string;
  /** True when measured on the emulator: the figure is EMULATED, never a hardware result. */
  readonly emulated?: boolean;
}

export interface PerfResult {
  /** Profile id, when run against one (e.g. 'e5-2680'). */
  readonly profile: string | null;
  /** True when the backend is the emulator: every figure here is EMULATED. */
  readonly emulated?: boolean;
  /** Workload description (name, kind, sizes). */
  readonly workload: Readonly<Record<string, unknown>>;
  readonly runs: readonly PerfRun[];
  readonly verdicts: readonly PerfVerdict[];
  /** Capacity search outcome when a sweep ran. */
  readonly capacity?: {
    readonly max_users: number | null;
    readonly binding_constraint: string | null;
    readonly first_failing_users: number | null;
  };
  /** Anything else the perf stage records (fingerprint, self-measurement, accuracy, confidence intervals). */
  readonly extra?: Readonly<Record<string, unknown>>;
}
