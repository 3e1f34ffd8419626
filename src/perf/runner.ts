/**
 * One perf session's measuring part: load levels (a list, or the capacity
 * sweep), each repeated K times, each a bounded load run whose observations
 * become a PerfRun. The client, workload and logging are handed in; the CLI
 * layer (src/cli/run-perf.ts) owns stacks, files and output.
 */
import type { Client } from '../client/index.ts';
import type { ProfileTarget } from '../profiles/types.ts';
import type { Observation, PerfRun } from '../types.ts';
import { detectBuffering } from './buffering.ts';
import { detectBimodal } from './detectors.ts';
import { runLoad, type Dispatch, type LoadPlan } from './load.ts';
import { extractMarks, type RequestMarks, type WireProtocol } from './marks.ts';
import { measure, summarizeRun, type MeasuredRequest, type Slo } from './metrics.ts';
import type { Progress } from './progress.ts';
import { startSelfMeasure } from './self-measure.ts';
import { startMetricsScraper } from './server-metrics.ts';
import { runSweep, type LevelOutcome, type SweepOptions, type SweepResult } from './sweep.ts';
import { evaluateLevel } from './verdicts.ts';
import { toChatBody } from './workloads/chat.ts';
import type { Workload } from './workloads/types.ts';

/** What one load level is bounded by and how it is driven. */
export interface LevelSettings {
  readonly mode: LoadPlan['mode'];
  /** Open loop: arrivals per second (then `users` caps requests in flight). */
  readonly rateRps?: number;
  /** Request bound per level; default from `defaultRequests`. */
  readonly requests?: number;
  /** Wall-clock bound per level, ms. */
  readonly durationMs: number;
  /** In-flight requests may finish this long after the deadline, wall ms. */
  readonly drainMs: number;
  /** Emulator time scale (wall ms per model ms); 1 on real hardware. */
  readonly timeScale: number;
  /** Real overhead in every t0-relative time, wall ms, left unscaled (overhead.ts). Default 0. */
  readonly overheadMs?: number;
}

export interface PerfContext {
  readonly client: Client;
  readonly workload: Workload;
  readonly protocol: WireProtocol;
  /** Model for `chat` bodies (the backend's served name). */
  readonly chatModel?: string;
  readonly signal: AbortSignal;
  /** Each completed request (warm-up included), with where it sat in the run: for requests.jsonl. */
  readonly onRequest?: (line: LoggedRequest) => void;
  readonly progress?: Progress;
  readonly emulated: boolean;
  /** A client on the backend's base URL: its vLLM /metrics is scraped through each level (server-metrics.ts). */
  readonly metrics?: { readonly client: Client; readonly label: string; readonly intervalMs?: number };
}

/** One line of requests.jsonl for perf: the Observation plus its place in the load. */
export type LoggedRequest = Observation & {
  readonly phase: 'warmup' | 'measure';
  readonly level_users: number;
  readonly repeat: number;
  readonly kind: 'main' | 'side';
  readonly t_sched_epoch_ms: number | null;
  readonly user?: number;
  readonly session_id?: string;
  readonly turn?: number;
};

/** Default request bound of a level: enough for a few requests (or sessions) per user. */
export function defaultRequests(kind: Workload['kind'], users: number): number {
  return kind === 'synthetic' ? Math.max(10, 4 * users) : Math.max(12, 8 * users);
}

/** Goodput targets from a profile's run-scope targets (a tokens/s floor becomes a TPOT ceiling). */
export function sloFromTargets(targets: readonly ProfileTarget[]): Slo {
  const slo: { ttft_ms?: number; tpot_ms?: number; e2el_ms?: number } = {};
  for (const t of targets) {
    if (t.scope !== 'run') continue;
    const upper = t.parsed.op === '<' || t.parsed.op === '<=';
    const lower = t.parsed.op === '>' || t.parsed.op === '>=';
    if (t.metric === 'ttft_ms' && upper) slo.ttft_ms = t.parsed.value;
    if (t.metric === 'e2el_ms' && upper) slo.e2el_ms = t.parsed.value;
    if (t.metric === 'tpot_ms' && upper) slo.tpot_ms = t.parsed.value;
    if (t.metric === 'output_tokens_per_s' && lower && t.parsed.value > 0) slo.tpot_ms = 1000 / t.parsed.value;
  }
  return slo;
}

/** Build the dispatch for the context's protocol. */
export function makeDispatch(ctx: Pick<PerfContext, 'client' | 'protocol' | 'chatModel'>): Dispatch {
  if (ctx.protocol === 'chat') {
    return (req, signal) =>
      ctx.client.send({ method: 'POST', path: '/v1/chat/completions', body: toChatBody(req.body, ctx.chatModel), label: `perf:${req.kind}`, auth: 'bearer' }, { signal });
  }
  return (req, signal) =>
    ctx.client.send({ method: 'POST', path: req.path, ...(req.headers ? { headers: req.headers } : {}), body: req.body, label: `perf:${req.kind}` }, { signal });
}

/** A measured level: the PerfRun and what warnings need. */
export interface LevelResult {
  readonly run: PerfRun;
  readonly marks: readonly RequestMarks[];
  readonly sse_events: number;
}

/** Run one load level once. `index` keeps prompts distinct across levels and repeats. */
export async function runLevel(ctx: PerfContext, users: number, repeat: number, index: number, settings: LevelSettings, slo: Slo, phase: string): Promise<LevelResult> {
  const requests = settings.requests ?? defaultRequests(ctx.workload.kind, users);
  const self = startSelfMeasure();
  ctx.progress?.level(phase, users, requests, ctx.emulated);
  let events = 0;
  const scale = 1 / settings.timeScale;
  const scraper = ctx.metrics !== undefined ? startMetricsScraper(ctx.metrics) : undefined;
  const result = await runLoad(
    {
      mode: settings.mode,
      ...(settings.mode === 'closed' ? { users } : { rateRps: settings.rateRps ?? 1, maxInFlight: users }),
      maxRequests: requests,
      durationMs: settings.durationMs,
      drainMs: settings.drainMs,
      timeScale: settings.timeScale,
      seed: 1 + index,
      firstSession: index * 1_000_000,
    },
    {
      workload: ctx.workload,
      dispatch: makeDispatch(ctx),
      protocol: ctx.protocol,
      signal: ctx.signal,
      onRequest: (m, p) => {
        events += m.observation.events.length;
        ctx.onRequest?.(logLine(m, p, users, repeat));
        if (p === 'measure') {
          const r = measure(m, scale, settings.overheadMs ?? 0);
          if (r.outcome !== 'cancelled') ctx.progress?.completed(r.outcome === 'ok', r.ttft_ms);
        }
      },
    },
  ).catch(async (err: unknown) => {
    await scraper?.stop(); // no timer outlives a failed level
    throw err;
  });
  const server = await scraper?.stop();
  const summary = summarizeRun(result.requests, {
    concurrency: users,
    mode: settings.mode,
    ...(settings.mode !== 'closed' && settings.rateRps !== undefined ? { rate_rps: settings.rateRps } : {}),
    slo,
    scale,
    offset_ms: settings.overheadMs ?? 0,
  });
  const marks = result.requests.map((r) => extractMarks(r.observation, r.protocol ?? 'messages'));
  const buffering = detectBuffering(marks);
  const ttfbBimodal = detectBimodal(marks.filter((m) => m.failure === null && m.t_hdr_ms !== null).map((m) => (m.t_hdr_ms as number) * scale));
  const selfM = self.stop(events);
  const run: PerfRun = {
    ...summary,
    extra: {
      ...summary.extra,
      repeat,
      stopped_by: result.stopped_by,
      requests_issued: result.issued,
      sessions_started: result.sessions_started,
      warmup_requests: result.warmup.length,
      buffering,
      ttfb_bimodal: ttfbBimodal,
      self: selfM,
      ...(server !== undefined ? { server } : {}),
      ...(ctx.emulated ? { emulated: true } : {}),
    },
  };
  return { run, marks, sse_events: events };
}

function logLine(m: MeasuredRequest, phase: 'warmup' | 'measure', users: number, repeat: number): LoggedRequest {
  return {
    ...m.observation,
    phase,
    level_users: users,
    repeat,
    kind: m.kind ?? 'main',
    t_sched_epoch_ms: m.t_sched_epoch_ms,
    ...(m.user !== undefined ? { user: m.user } : {}),
    ...(m.session_id !== undefined ? { session_id: m.session_id } : {}),
    ...(m.turn !== undefined ? { turn: m.turn } : {}),
  };
}

export interface PerfPlan {
  /** Users per level, or a capacity sweep against `targets`. */
  readonly levels: readonly number[] | 'sweep';
  /** Runs per level (sweep: runs at each side of the boundary). */
  readonly repeat: number;
  readonly settings: LevelSettings;
  readonly targets: readonly ProfileTarget[];
  readonly sweep?: SweepOptions;
}

export interface PerfOutcome {
  readonly runs: readonly PerfRun[];
  readonly capacity?: SweepResult;
  readonly marks: readonly RequestMarks[];
  readonly sse_events: number;
}

/** Run every level of the plan (stopping early, with what it has, when the signal fires). */
export async function runPerfPlan(ctx: PerfContext, plan: PerfPlan): Promise<PerfOutcome> {
  const slo = sloFromTargets(plan.targets);
  const runs: PerfRun[] = [];
  const marks: RequestMarks[] = [];
  let events = 0;
  let index = 0;
  const once = async (users: number, repeat: number, phase: string): Promise<PerfRun> => {
    const r = await runLevel(ctx, users, repeat, index++, plan.settings, slo, phase);
    runs.push(r.run);
    marks.push(...r.marks);
    events += r.sse_events;
    return r.run;
  };
  if (plan.levels === 'sweep') {
    const repeatsAt = new Map<number, number>();
    const capacity = await runSweep(
      async (users, i): Promise<LevelOutcome> => {
        const k = repeatsAt.get(users) ?? 0;
        repeatsAt.set(users, k + 1);
        const run = await once(users, k, `sweep run ${i + 1}`);
        const judged = evaluateLevel(run, plan.targets);
        return { pass: judged.pass, failing: judged.failing };
      },
      { boundaryRepeats: Math.max(1, plan.repeat - 1), ...plan.sweep },
      ctx.signal,
    );
    return { runs, capacity, marks, sse_events: events };
  }
  const total = plan.levels.length * plan.repeat;
  for (const users of plan.levels) {
    for (let k = 0; k < plan.repeat; k++) {
      if (ctx.signal.aborted) break;
      await once(users, k, `level ${runs.length + 1}/${total}`);
    }
  }
  return { runs, marks, sse_events: events };
}
