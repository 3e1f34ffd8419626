/**
 * Workloads are data: a workload hands out sessions, a session is a list of
 * steps, a step is one main request (and maybe small side requests sent
 * alongside) after a delay. The load generator (load.ts) decides when
 * sessions start; nothing here does I/O or keeps time.
 */

/** One request a workload wants sent (Messages API body; the load layer may convert it). */
export interface WorkloadRequest {
  /** Path and query, e.g. `/v1/messages?beta=true`. */
  readonly path: string;
  /** Extra headers (Claude Code's anthropic-beta, session id…); auth is added by the client. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
  readonly kind: 'main' | 'side';
  /** Share of the prompt a perfect prefix cache could serve from earlier requests, 0–1 (estimate). */
  readonly theoretical_cached_share?: number;
  /** Output tokens the workload asked for (directive), when it controls them. */
  readonly expected_output_tokens?: number;
}

/** One turn of a session. */
export interface SessionStep {
  /**
   * Model-time ms to wait after the previous step completed (tool run, user
   * think time) before sending; scaled like every other time under an
   * emulator time scale.
   */
  readonly delay_ms: number;
  readonly main: WorkloadRequest;
  /** Small requests sent at the same time as `main` (Claude Code's side calls). */
  readonly side?: readonly WorkloadRequest[];
}

export interface SessionPlan {
  readonly id: string;
  readonly steps: readonly SessionStep[];
}

/** A source of sessions. Deterministic: the same index gives the same session. */
export interface Workload {
  readonly name: string;
  readonly kind: 'synthetic' | 'claude-code' | 'replay';
  /** What results.json records about it (sizes, seeds, source). */
  describe(): Record<string, unknown>;
  /** The `index`-th session (0-based; a closed-loop user takes the next index when one ends). */
  session(index: number): SessionPlan;
  /**
   * A small request to warm a connection and the server before measuring.
   * Unique per index and sharing no prefix with the workload, so warm-up
   * never pre-warms the prefix cache the measured requests hit.
   */
  warmup(index: number): WorkloadRequest;
}
