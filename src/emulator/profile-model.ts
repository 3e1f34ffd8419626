/**
 * From a hardware profile to the emulator's batching model, and the model's
 * own prediction for the profile's calibration workload. Pure.
 */
import { profileCeiling } from '../profiles/ceiling.ts';
import type { CalibrationPoint, CalibrationWorkload, Profile } from '../profiles/types.ts';
import type { BatchingModel } from './batching.ts';
import { simulateClosedLoop } from './simulate.ts';

/** The batching model a profile describes (model time). */
export function batchingModelFromProfile(profile: Pick<Profile, 'model' | 'hardware' | 'vllm' | 'emulator'>): BatchingModel {
  const { vllm, emulator } = profile;
  const kv = profileCeiling(profile).kv_cache_tokens;
  return {
    maxNumSeqs: vllm.max_num_seqs,
    maxNumBatchedTokens: vllm.max_num_batched_tokens,
    prefillTokensPerS: emulator.prefill_tokens_per_s,
    decodeStepMs: emulator.decode_step_ms,
    decodeStepGrowth: emulator.decode_step_growth,
    requestOverheadMs: emulator.request_overhead_ms,
    prefixBlockTokens: vllm.block_size,
    prefixCacheBlocks: vllm.enable_prefix_caching ? Math.floor(kv / vllm.block_size) : 0,
    kvCacheTokens: kv,
  };
}

/** What the model predicts for `workload` at each user count (model ms, rounded as the profile files record them). */
export function predictClosedLoop(model: BatchingModel, workload: CalibrationWorkload, users: readonly number[]): CalibrationPoint[] {
  return users.map((n) => {
    const p = simulateClosedLoop(model, {
      users: n,
      requestsPerUser: workload.requests_per_user,
      promptTokens: workload.prompt_tokens,
      outputTokens: workload.output_tokens,
      thinkMs: workload.think_ms,
      spread: workload.spread,
      seed: workload.seed,
    });
    return {
      users: n,
      ttft_p50_ms: Math.round(p.ttft_ms.p50),
      ttft_p95_ms: Math.round(p.ttft_ms.p95),
      output_tokens_per_s_p50: Math.round(p.output_tokens_per_s_p50 * 10) / 10,
      e2el_p99_ms: Math.round(p.e2el_ms.p99),
    };
  });
}
