/**
 * A hardware profile: the box a deployment guide describes (model, vLLM
 * flags, hardware), the figures the guide promises as machine-checkable
 * targets, and the emulator's calibrated timing model for it. The JSON form
 * lives in profiles/*.json and is checked by schemas/profile.schema.json;
 * profiles/README.md explains every field.
 */

/** The served model. Parameter counts are plain numbers (32.5e9). */
export interface ProfileModel {
  /** Hugging Face id, also the default served model name. */
  readonly id: string;
  readonly architecture: 'dense' | 'moe';
  /** Every parameter (what the weights weigh in memory). */
  readonly params: number;
  /** Parameters used per token: = params for dense models, fewer for MoE. */
  readonly active_params: number;
  readonly dtype: 'bf16' | 'fp16' | 'fp8' | 'int8' | 'int4';
  readonly bytes_per_param: number;
  /** KV-cache bytes one token occupies (all layers). */
  readonly kv_cache_bytes_per_token: number;
  /** How kv_cache_bytes_per_token was derived, in words. */
  readonly kv_cache_derivation: string;
}

/** The vLLM server settings the profile assumes. */
export interface ProfileVllm {
  /** The `vllm serve` flags this profile runs with (see `documented` for which come from the guide). */
  readonly args: readonly string[];
  /** Which of the fields below the guide states; every other one is an assumption. */
  readonly documented: readonly string[];
  readonly max_model_len: number;
  readonly max_num_seqs: number;
  readonly max_num_batched_tokens: number;
  readonly tensor_parallel_size: number;
  readonly gpu_memory_utilization: number;
  /** Tokens per KV-cache block (vLLM --block-size). */
  readonly block_size: number;
  readonly enable_prefix_caching: boolean;
}

/** One kind of GPU, `count` of them. Figures are datasheet peaks. */
export interface ProfileGpu {
  readonly name: string;
  readonly count: number;
  /** Per card, 1e9 bytes. */
  readonly memory_gb: number;
  /** Per card, 1e9 bytes/s. */
  readonly memory_bandwidth_gb_s: number;
  /** Per card, dense (no sparsity) bf16/fp16 tensor throughput, 1e12 FLOP/s. */
  readonly dense_tflops: number;
  /** True when the guide does not name this hardware and the profile assumes it. */
  readonly assumed: boolean;
  /** Why this hardware (and what would change with another). */
  readonly reason: string;
}

export interface ProfileHardware {
  readonly cpu: { readonly name: string; readonly assumed: boolean };
  readonly gpu: ProfileGpu;
  /** How the GPUs talk (PCIe generation, NVLink), in words. */
  readonly interconnect: string;
}

/** A target as written in the file. */
export interface ProfileTargetSpec {
  /** Stable id used in verdicts, e.g. `ttft_p95_ms`. */
  readonly id: string;
  /** The measured quantity, as design.md names it: ttft_ms, output_tokens_per_s, e2el_ms, error_rate, max_users. */
  readonly metric: string;
  /** k6-style threshold on that metric: `p(95)<=4000`, `rate<0.01`, `value>=3`. */
  readonly threshold: string;
  /** The guide's own words ("2–4 s"), or null for a target the guide does not state. */
  readonly documented: string | null;
  /** The guide's range in the metric's unit, when it gives one. */
  readonly documented_range?: readonly [number, number];
  /** `run`: judged on each load level; `capacity`: judged on the sweep's outcome. */
  readonly scope: 'run' | 'capacity';
  /** Where the figure comes from. */
  readonly source: 'guide' | 'claude-bench';
  /** Why this stat and bound, when not obvious. */
  readonly note?: string;
}

/** A parsed threshold expression. */
export interface Threshold {
  /** `p` (percentile), `avg`, `med`, `min`, `max`, `rate`, `value`, `count`. */
  readonly stat: 'p' | 'avg' | 'med' | 'min' | 'max' | 'rate' | 'value' | 'count';
  /** For stat `p`: 0–100. */
  readonly percentile?: number;
  readonly op: '<' | '<=' | '>' | '>=' | '==';
  readonly value: number;
}

/** A target with its threshold parsed. */
export interface ProfileTarget extends ProfileTargetSpec {
  readonly parsed: Threshold;
}

/** A closed-loop workload the calibration was computed on (model time). */
export interface CalibrationWorkload {
  readonly prompt_tokens: number;
  readonly output_tokens: number;
  readonly think_ms: number;
  /** Relative spread of prompt, output and think (uniform ±spread). */
  readonly spread: number;
  readonly requests_per_user: number;
  readonly seed: number;
}

/** What the model predicts at one user count (model ms). */
export interface CalibrationPoint {
  readonly users: number;
  readonly ttft_p50_ms: number;
  readonly ttft_p95_ms: number;
  readonly output_tokens_per_s_p50: number;
  readonly e2el_p99_ms: number;
}

/** The emulator's timing model for this box (model time, i.e. as on the real hardware). */
export interface ProfileEmulator {
  /** Prefill speed for uncached prompt tokens. */
  readonly prefill_tokens_per_s: number;
  /** Engine step with one sequence; 1000 / this = single-user tokens/s. */
  readonly decode_step_ms: number;
  /** α: step = decode_step_ms × (1 + α·(sequences − 1)). */
  readonly decode_step_growth: number;
  /** Per-request latency outside the GPU (API server, tokenisation), not engine time. */
  readonly request_overhead_ms: number;
  readonly calibration: {
    readonly workload: CalibrationWorkload;
    readonly predicted: readonly CalibrationPoint[];
  };
}

/** A profile as loaded and checked. */
export interface Profile {
  readonly schema_version: 1;
  readonly id: string;
  readonly title: string;
  /** Where the documented figures come from. */
  readonly source: string;
  readonly model: ProfileModel;
  readonly vllm: ProfileVllm;
  readonly hardware: ProfileHardware;
  readonly targets: readonly ProfileTarget[];
  readonly emulator: ProfileEmulator;
  /** Calibration reasoning and caveats, one paragraph each. */
  readonly notes: readonly string[];
  /** Absolute path of the file it came from. */
  readonly file: string;
}

/** One line of `listProfiles()`. */
export interface ProfileSummary {
  readonly id: string;
  readonly title: string;
  readonly model: string;
  readonly file: string;
}
