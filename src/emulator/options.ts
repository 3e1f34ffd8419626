import { BenchError } from '../errors.ts';
import type { Profile } from '../profiles/types.ts';
import type { BatchingModel } from './batching.ts';
import { batchingModelFromProfile } from './profile-model.ts';
import type { FaultSchedule } from './faults.ts';
import type { Script } from './script.ts';

/** One write the emulator made, for ground-truth timing (see EmulatorOptions.onEvent). */
export interface EmulatorEvent {
  /** From the incoming `x-request-id` header, else generated. */
  readonly request_id: string;
  /** Absolute wall time of the write: performance.timeOrigin + performance.now(). */
  readonly t_epoch_ms: number;
  readonly kind: 'headers' | 'chunk' | 'done';
  /** For chunks that carry a generated token: its 0-based index (role and usage chunks have none). */
  readonly token_index?: number;
}

export interface EmulatorTiming {
  /** Time from request arrival to the first generated token. Default 50. */
  readonly ttftMs?: number;
  /** Time between generated tokens. Default 5. */
  readonly itlMs?: number;
}

/** Options of `startEmulator`. Every field is optional; `resolveEmulatorOptions` holds the defaults. */
export interface EmulatorOptions {
  readonly host?: string;
  /** 0 = an ephemeral port. */
  readonly port?: number;
  /** Like vLLM `--served-model-name`: the first name is the one responses carry. */
  readonly servedModelName?: string | readonly string[];
  readonly maxModelLen?: number;
  /**
   * Like vLLM `--enable-auto-tool-choice`. Default TRUE here (the embedded
   * stack needs tool calls); the `emulate` CLI follows vLLM and defaults it off.
   */
  readonly enableAutoToolChoice?: boolean;
  /** Like vLLM `--tool-call-parser`. Required when auto tool choice is on. */
  readonly toolCallParser?: string;
  /** Like vLLM `--api-key`: when set, /v1 routes require `Authorization: Bearer <key>`. */
  readonly apiKey?: string;
  /** Like vLLM `--enable-force-include-usage`: the usage chunk even without stream_options. Default false. */
  readonly enableForceIncludeUsage?: boolean;
  /** The fixed timing model (used when neither `profile` nor `batching` is given). */
  readonly timing?: EmulatorTiming;
  readonly script?: Script;
  readonly onEvent?: (event: EmulatorEvent) => void;
  /**
   * A hardware profile (loaded, or an id/path startEmulator loads): serve
   * with its continuous-batching timing model, its max-model-len and, unless
   * given, its model id as the served name. Directive/script `ttft`/`itl`
   * are ignored then: the scheduler decides every token's time.
   */
  readonly profile?: Profile | string;
  /** A batching model without a profile file (overrides the profile's). */
  readonly batching?: BatchingModel;
  /**
   * Clock time per model time: 0.1 runs every modelled duration ten times
   * faster. Default 1. Applies to both timing models; /metrics durations are
   * reported in model time, the event log in real time.
   */
  readonly timeScale?: number;
  /** Write the ground-truth event log (event-log.ts) to this file. */
  readonly eventLog?: string;
  /** Fault injection (faults.ts): which chat completions fail, and how. */
  readonly faults?: FaultSchedule;
  /**
   * What an `exit` fault does. Default: the server dies in place (stops
   * listening, drops every connection). The CLI kills its own process.
   */
  readonly onFaultExit?: () => void;
}

/** Options with every default filled in. */
export interface ResolvedEmulatorOptions {
  readonly host: string;
  readonly port: number;
  readonly servedModelNames: readonly [string, ...string[]];
  readonly maxModelLen: number;
  readonly enableAutoToolChoice: boolean;
  readonly toolCallParser: string | undefined;
  readonly apiKey: string | undefined;
  readonly enableForceIncludeUsage: boolean;
  /** Fixed-model timing in model ms (multiply by timeScale for clock ms). */
  readonly timing: { readonly ttftMs: number; readonly itlMs: number };
  readonly script: Script;
  readonly onEvent: ((event: EmulatorEvent) => void) | undefined;
  readonly profile: Profile | undefined;
  /** The batching model in force, or undefined for the fixed model. */
  readonly batching: BatchingModel | undefined;
  readonly timeScale: number;
  readonly eventLog: string | undefined;
  readonly faults: FaultSchedule | undefined;
  readonly onFaultExit: (() => void) | undefined;
}

export const EMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  servedModelName: 'Qwen/Qwen2.5-Coder-32B-Instruct',
  maxModelLen: 32768,
  enableAutoToolChoice: true,
  toolCallParser: 'hermes',
  ttftMs: 50,
  itlMs: 5,
} as const;

/** The one place defaults are applied and options checked. Throws BenchError BAD_CONFIG. */
export function resolveEmulatorOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  if (typeof options.profile === 'string') {
    throw new BenchError('BAD_CONFIG', `emulator: profile '${options.profile}' must be loaded first (startEmulator loads ids and paths)`);
  }
  const profile = options.profile;
  const names = normaliseNames(options.servedModelName ?? profile?.model.id);
  const maxModelLen = options.maxModelLen ?? profile?.vllm.max_model_len ?? EMULATOR_DEFAULTS.maxModelLen;
  if (!Number.isInteger(maxModelLen) || maxModelLen < 1) {
    throw new BenchError('BAD_CONFIG', `emulator: maxModelLen must be a positive integer, got ${String(maxModelLen)}`);
  }
  const port = options.port ?? EMULATOR_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new BenchError('BAD_CONFIG', `emulator: port must be 0–65535, got ${String(port)}`);
  }
  const enableAutoToolChoice = options.enableAutoToolChoice ?? EMULATOR_DEFAULTS.enableAutoToolChoice;
  // Only default the parser when the caller left both alone; an explicit
  // `enableAutoToolChoice: true` without a parser is refused, as vLLM does at startup.
  const toolCallParser =
    options.toolCallParser ?? (options.enableAutoToolChoice === undefined ? EMULATOR_DEFAULTS.toolCallParser : undefined);
  if (enableAutoToolChoice && !toolCallParser) {
    throw new BenchError('BAD_CONFIG', 'emulator: enableAutoToolChoice requires toolCallParser to be set', {
      hint: 'as vLLM: --enable-auto-tool-choice needs --tool-call-parser (e.g. hermes)',
    });
  }
  const ttftMs = options.timing?.ttftMs ?? EMULATOR_DEFAULTS.ttftMs;
  const itlMs = options.timing?.itlMs ?? EMULATOR_DEFAULTS.itlMs;
  for (const [name, value] of [
    ['ttftMs', ttftMs],
    ['itlMs', itlMs],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) {
      throw new BenchError('BAD_CONFIG', `emulator: timing.${name} must be a number ≥ 0, got ${String(value)}`);
    }
  }
  const timeScale = options.timeScale ?? 1;
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    throw new BenchError('BAD_CONFIG', `emulator: timeScale must be a number > 0, got ${String(timeScale)}`, {
      hint: '0.1 runs ten times faster than the modelled hardware; 1 is real time',
    });
  }
  const batching = options.batching ?? (profile ? batchingModelFromProfile(profile) : undefined);
  if (batching) checkBatching(batching);
  if (options.apiKey !== undefined && options.apiKey.length === 0) {
    throw new BenchError('BAD_CONFIG', 'emulator: apiKey must not be empty (leave it unset for no auth)');
  }
  return {
    host: options.host ?? EMULATOR_DEFAULTS.host,
    port,
    servedModelNames: names,
    maxModelLen,
    enableAutoToolChoice,
    toolCallParser,
    apiKey: options.apiKey,
    enableForceIncludeUsage: options.enableForceIncludeUsage ?? false,
    timing: { ttftMs, itlMs },
    script: options.script ?? { rules: [] },
    onEvent: options.onEvent,
    profile,
    batching,
    timeScale,
    eventLog: options.eventLog,
    faults: options.faults !== undefined && options.faults.rules.length > 0 ? options.faults : undefined,
    onFaultExit: options.onFaultExit,
  };
}

function checkBatching(model: BatchingModel): void {
  const positive: Array<keyof BatchingModel> = ['maxNumSeqs', 'maxNumBatchedTokens', 'prefillTokensPerS', 'decodeStepMs', 'prefixBlockTokens', 'kvCacheTokens'];
  for (const key of positive) {
    if (!(Number.isFinite(model[key]) && model[key] > 0)) throw new BenchError('BAD_CONFIG', `emulator: batching.${key} must be a number > 0, got ${String(model[key])}`);
  }
  for (const key of ['decodeStepGrowth', 'requestOverheadMs', 'prefixCacheBlocks'] as const) {
    if (!(Number.isFinite(model[key]) && model[key] >= 0)) throw new BenchError('BAD_CONFIG', `emulator: batching.${key} must be a number ≥ 0, got ${String(model[key])}`);
  }
}

function normaliseNames(value: string | readonly string[] | undefined): readonly [string, ...string[]] {
  const list = value === undefined ? [EMULATOR_DEFAULTS.servedModelName] : typeof value === 'string' ? [value] : [...value];
  const [first, ...rest] = list;
  if (first === undefined || list.some((n) => n.length === 0)) {
    throw new BenchError('BAD_CONFIG', 'emulator: servedModelName must be one or more non-empty names');
  }
  return [first, ...rest];
}
