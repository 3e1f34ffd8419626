/**
 * The physical ceiling of a profile's hardware, from first principles:
 *
 * - Decode is memory-bound: every generated token reads every active weight
 *   once, so one stream's tokens/s ≤ memory bandwidth ÷ bytes of weights
 *   read per token (active params × bytes per param).
 * - Prefill is compute-bound: a forward pass costs about 2 FLOPs per active
 *   parameter per token, so prefill tokens/s ≤ FLOP/s ÷ (2 × active params).
 *
 * With tensor parallelism over `count` GPUs, bandwidth and FLOP/s add up
 * (the ideal case: no communication cost), so these are upper bounds. The
 * weights-read figure ignores that the embedding lookup reads one row, not
 * the table (a few percent on small-vocabulary models), and KV-cache reads,
 * which lower the real figure further. Pure.
 */
import type { Profile } from './types.ts';

/** Bytes of weights read to produce one token. */
export function weightBytesPerToken(activeParams: number, bytesPerParam: number): number {
  return activeParams * bytesPerParam;
}

/** Upper bound on one stream's decode speed, tokens/s. */
export function decodeCeilingTokensPerS(memoryBandwidthBytesPerS: number, bytesReadPerToken: number): number {
  return memoryBandwidthBytesPerS / bytesReadPerToken;
}

/** Upper bound on prefill speed, tokens/s. */
export function prefillCeilingTokensPerS(flopsPerS: number, activeParams: number): number {
  return flopsPerS / (2 * activeParams);
}

/** Tokens the KV cache holds: (GPU memory × utilisation − weights) ÷ KV bytes per token, floored; 0 when the weights do not fit. */
export function kvCacheCapacityTokens(gpuMemoryBytes: number, utilization: number, weightBytes: number, kvBytesPerToken: number): number {
  return Math.max(0, Math.floor((gpuMemoryBytes * utilization - weightBytes) / kvBytesPerToken));
}

/** Everything the ceiling of a profile is made of, with the derivation spelled out. */
export interface ProfileCeiling {
  /** Sum over GPUs, bytes/s. */
  readonly memory_bandwidth_bytes_per_s: number;
  /** Sum over GPUs, FLOP/s (dense). */
  readonly flops_per_s: number;
  /** All weights, bytes (what must fit in GPU memory). */
  readonly weight_bytes: number;
  /** Active weights, bytes (what one decode step reads). */
  readonly weight_bytes_read_per_token: number;
  /** Upper bound on one user's tokens/s. */
  readonly decode_tokens_per_s_per_stream: number;
  /** Upper bound on prefill tokens/s. */
  readonly prefill_tokens_per_s: number;
  /** KV-cache capacity in tokens at the profile's gpu_memory_utilization. */
  readonly kv_cache_tokens: number;
  /** One line per figure: how it was computed. */
  readonly derivation: readonly string[];
}

/** The ceiling of a profile's hardware and model. */
export function profileCeiling(profile: Pick<Profile, 'model' | 'hardware' | 'vllm'>): ProfileCeiling {
  const { model, hardware, vllm } = profile;
  const gpu = hardware.gpu;
  const bandwidth = gpu.count * gpu.memory_bandwidth_gb_s * 1e9;
  const flops = gpu.count * gpu.dense_tflops * 1e12;
  const weights = model.params * model.bytes_per_param;
  const perToken = weightBytesPerToken(model.active_params, model.bytes_per_param);
  const decode = decodeCeilingTokensPerS(bandwidth, perToken);
  const prefill = prefillCeilingTokensPerS(flops, model.active_params);
  const memory = gpu.count * gpu.memory_gb * 1e9;
  const kv = kvCacheCapacityTokens(memory, vllm.gpu_memory_utilization, weights, model.kv_cache_bytes_per_token);
  const g = (bytes: number): string => `${round(bytes / 1e9, 1)} GB`;
  return {
    memory_bandwidth_bytes_per_s: bandwidth,
    flops_per_s: flops,
    weight_bytes: weights,
    weight_bytes_read_per_token: perToken,
    decode_tokens_per_s_per_stream: decode,
    prefill_tokens_per_s: prefill,
    kv_cache_tokens: kv,
    derivation: [
      `memory bandwidth = ${gpu.count} × ${gpu.memory_bandwidth_gb_s} GB/s = ${g(bandwidth)}/s`,
      `weights read per token = ${round(model.active_params / 1e9, 2)}e9 active params × ${model.bytes_per_param} B = ${g(perToken)}`,
      `decode ≤ ${g(bandwidth)}/s ÷ ${g(perToken)} = ${round(decode, 1)} tokens/s per stream`,
      `prefill ≤ ${gpu.count} × ${gpu.dense_tflops} TFLOP/s ÷ (2 × ${round(model.active_params / 1e9, 2)}e9) = ${round(prefill, 0)} tokens/s`,
      `KV cache = (${g(memory)} × ${vllm.gpu_memory_utilization} − ${g(weights)} weights) ÷ ${model.kv_cache_bytes_per_token} B/token = ${kv} tokens`,
    ],
  };
}

/** Lower bound on TTFT for `uncachedPromptTokens` of prefill, ms (the prefill ceiling's floor). */
export function ttftFloorMs(ceiling: Pick<ProfileCeiling, 'prefill_tokens_per_s'>, uncachedPromptTokens: number): number {
  return (uncachedPromptTokens * 1000) / ceiling.prefill_tokens_per_s;
}

/**
 * The ceiling that belongs next to a target's measured figure, in the
 * metric's unit, or null when physics gives none: output_tokens_per_s → the
 * decode ceiling; ttft_ms → the prefill floor for `promptTokens` (when
 * given); tpot_ms → 1000 ÷ the decode ceiling.
 */
export function ceilingForMetric(ceiling: ProfileCeiling, metric: string, options: { readonly promptTokens?: number } = {}): number | null {
  switch (metric) {
    case 'output_tokens_per_s':
      return ceiling.decode_tokens_per_s_per_stream;
    case 'tpot_ms':
      return 1000 / ceiling.decode_tokens_per_s_per_stream;
    case 'ttft_ms':
      return options.promptTokens === undefined ? null : ttftFloorMs(ceiling, options.promptTokens);
    default:
      return null;
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
