/**
 * Gateway overhead under an emulator time scale. The emulator runs modelled
 * time `timeScale` times faster; the gateway's and the client's own work
 * does not speed up. Scaling every wall-clock figure back by 1/timeScale
 * would multiply that real overhead too (claude-code-router's ~10 ms would
 * become ~200 ms of "TTFT" at 20×). So before the run, pairs of equal-sized
 * unique prompts go through the gateway and straight to the emulator, one at
 * a time, and the lower quartile of the TTFT differences is taken as the
 * unscaled part of every time measured from t0 (metrics.ts `offsetMs`).
 * A quartile rather than the median: scheduling noise on a loaded machine
 * only ever adds delay, and every wall ms over-subtracted here becomes
 * 1/timeScale ms of error in model time.
 */
import type { Client } from '../client/index.ts';
import { extractMarks } from './marks.ts';
import { makeDispatch } from './runner.ts';
import { percentile } from './stats.ts';
import { syntheticWorkload } from './workloads/synthetic.ts';

export interface OverheadProbeOptions {
  /** Client speaking the Messages API to the gateway. */
  readonly gateway: Client;
  /** Client speaking OpenAI chat to the emulator. */
  readonly direct: Client;
  /** Model sent to the gateway, and the emulator's served name. */
  readonly model: string;
  readonly servedModel: string;
  /** Prompt tokens (like the workload's); unique text per request so no prefix-cache hit differs. */
  readonly promptTokens: number;
  /** Pairs. Default 6. */
  readonly pairs?: number;
  readonly signal: AbortSignal;
}

export interface OverheadEstimate {
  /** Lower quartile of TTFT(gateway) − TTFT(direct), wall ms, ≥ 0. */
  readonly overhead_ms: number;
  readonly pairs: number;
  readonly differences_ms: readonly number[];
  readonly method: string;
}

/** Measure the gateway's added TTFT at one stream (pairs alternate which side goes first). */
export async function probeGatewayOverhead(o: OverheadProbeOptions): Promise<OverheadEstimate> {
  const pairs = o.pairs ?? 6;
  const workload = syntheticWorkload({ model: o.model, inputTokens: Math.max(16, o.promptTokens), outputTokens: 4, seed: 9090 });
  const viaGateway = makeDispatch({ client: o.gateway, protocol: 'messages' });
  const direct = makeDispatch({ client: o.direct, protocol: 'chat', chatModel: o.servedModel });
  const diffs: number[] = [];
  for (let i = 0; i < pairs && !o.signal.aborted; i++) {
    const a = workload.session(2 * i).steps[0]?.main;
    const b = workload.session(2 * i + 1).steps[0]?.main;
    if (a === undefined || b === undefined) break;
    const first = i % 2 === 0;
    const g = await (first ? viaGateway(a, o.signal) : direct(a, o.signal));
    const d = await (first ? direct(b, o.signal) : viaGateway(b, o.signal));
    const [gw, dir] = first ? [g, d] : [d, g];
    const tg = extractMarks(gw, 'messages').t_first_ms;
    const td = extractMarks(dir, 'chat').t_first_ms;
    if (tg !== null && td !== null) diffs.push(tg - td);
  }
  return {
    overhead_ms: diffs.length === 0 ? 0 : Math.max(0, percentile(diffs, 25)),
    pairs: diffs.length,
    differences_ms: diffs,
    method: 'lower quartile of TTFT(gateway) − TTFT(emulator direct) over sequential pairs of equal-sized unique prompts',
  };
}
