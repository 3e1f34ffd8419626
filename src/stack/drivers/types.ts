/** What every stack driver takes and hands back. */
import type { Target } from '../../types.ts';
import type { DriverName, StackSpec } from '../spec.ts';

/** Options of a driver's start. */
export interface DriverStartOptions {
  /** Folder for generated files (compose file, configs) and logs of this run. */
  readonly runDir: string;
  /** Environment the keys and ${VAR} references are read from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Absolute deadline for the whole start-up, Date.now() based. */
  readonly deadline: number;
  readonly signal?: AbortSignal;
  /** Model id to send instead of the spec's client.model. */
  readonly model?: string;
  /** Log folder (default <runDir>/logs). */
  readonly logDir?: string;
  /** Further `emulate` flags for the embedded driver, after the spec's (e.g. a script for the live-client suite). */
  readonly extraEmulatorArgs?: readonly string[];
}

/** A stack that is up, and the means to take it down. */
export interface StackHandle {
  readonly driver: DriverName;
  readonly target: Target;
  /** Every key in play, for redaction. */
  readonly secrets: readonly string[];
  /** name → file. */
  readonly logs: Readonly<Record<string, string>>;
  /** PIDs of processes this run started, by part (empty for docker: the engine owns the containers). */
  readonly pids: Readonly<Record<string, number | undefined>>;
  /** How `down` can finish the job if this process is gone (docker: the compose down argv). */
  readonly teardown?: { readonly command: string; readonly args: readonly string[] };
  /** Stop everything started. Idempotent; never throws. */
  stop(): Promise<void>;
}

/** A driver: stands a spec up. */
export interface StackDriver {
  readonly name: DriverName;
  start(spec: StackSpec, options: DriverStartOptions): Promise<StackHandle>;
}
