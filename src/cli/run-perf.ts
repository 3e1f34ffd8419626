import path from 'node:path';
import { createClient, openObservationLog, type Client, type ObservationLog } from '../client/index.ts';
import { BenchError, EXIT } from '../errors.ts';
import { calibrateAgainstEmulator, type CalibrationResult } from '../perf/calibrate.ts';
import { renderPerf } from '../perf/console.ts';
import { collectFingerprint, hardwareMismatch } from '../perf/fingerprint.ts';
import { Progress } from '../perf/progress.ts';
import { runPerfPlan, type LevelSettings, type PerfOutcome } from '../perf/runner.ts';
import { probeGatewayOverhead, type OverheadEstimate } from '../perf/overhead.ts';
import { startSelfMeasure } from '../perf/self-measure.ts';
import { attributeAb } from '../perf/ab.ts';
import { bufferingVerdict, detectBuffering } from '../perf/buffering.ts';
import { probeResponseCache, type ResponseCacheFinding } from '../perf/detectors.ts';
import { compareOverhead, overheadBodies, runCannon, type CannonSummary, type GatewayOverheadResult } from '../perf/gateway-overhead.ts';
import { tInterval } from '../perf/stats.ts';
import { TargetDeathWatch, deathLine } from '../perf/target-death.ts';
import { judgeTargets } from '../perf/verdicts.ts';
import { DEFAULT_WORKLOAD, estimatePrompt, resolveWorkload } from '../perf/workloads/index.ts';
import { profileCeiling } from '../profiles/ceiling.ts';
import { loadProfile } from '../profiles/load.ts';
import type { Profile } from '../profiles/types.ts';
import { redactUrl } from '../results/redact.ts';
import { writeReports } from '../report/write.ts';
import { writeRunResult } from '../results/write.ts';
import { buildRunResult } from '../results/build.ts';
import type { StackHandle } from '../stack/drivers/types.ts';
import { DEFAULT_SERVED_MODEL, startEmbeddedStack } from '../stack/embedded.ts';
import type { PerfResult, PerfRun, PerfVerdict, Target } from '../types.ts';
import type { PerfCliOptions } from './commands/perf.ts';
import { preflight } from './preflight.ts';
import { resolveTargetFromOptions, type ResolvedTarget } from './resolve-target.ts';
import { DEFAULT_MODEL } from './run-conform.ts';
import { interruptController, prepareOutDir, resolveApiKey } from './run-session.ts';

/**
 * Default emulator time scale with a profile on the embedded stack: 20×
 * faster than the modelled hardware, so `perf --profile e5-2680` (a sweep of
 * ~8 levels of 10 s think time and 128-token answers at ~10 tokens/s) ends
 * in about a minute. Gateway and client overheads are multiplied by 20 when
 * scaled back (a few ms of wall time become tens of model ms), small next to
 * the profile's seconds of TTFT; the calibration burst reports the client's part.
 */
export const DEFAULT_PROFILE_TIME_SCALE = 0.05;
/** Per-level bounds when none are given: wall seconds on real hardware, model seconds under a time scale. */
const DEFAULT_LEVEL_S_REAL = 300;
const DEFAULT_LEVEL_S_MODEL = 100;
const DEFAULT_DRAIN_S_REAL = 120;
const DEFAULT_DRAIN_S_MODEL = 60;

/**
 * `claude-bench perf`: stand up (or reach) the target, run the load levels
 * or the capacity sweep, judge the profile's targets, write results.json and
 * requests.jsonl, print the verdict table. Returns the exit code.
 */
export async function runPerf(opts: PerfCliOptions): Promise<number> {
  if (opts.concurrency === 'sweep' && opts.profile === undefined) {
    throw new BenchError('BAD_USAGE', '--concurrency sweep needs --profile (the targets the sweep searches against)', { hint: 'e.g. --profile e5-2680' });
  }
  if (opts.concurrency === 'sweep' && opts.rate !== undefined) {
    throw new BenchError('BAD_USAGE', '--concurrency sweep searches closed-loop users; it cannot be combined with --rate');
  }
  if (opts.ab === true && opts.api === 'chat') {
    throw new BenchError('BAD_USAGE', '--ab compares the gateway (Messages) with the backend (chat); it cannot run with --api chat');
  }
  const profile = opts.profile !== undefined ? await loadProfile(opts.profile) : null;
  // perf's own embedded stack (profile-driven emulator): time scale, calibration and the overhead probe apply.
  const embedded = opts.target === undefined && opts.stack === undefined;
  const timeScale = opts.timeScale ?? (embedded && profile !== null ? DEFAULT_PROFILE_TIME_SCALE : 1);
  const outDir = await prepareOutDir(opts.out);
  const startedAt = new Date();
  const interrupt = interruptController();
  const secrets: string[] = [];
  const progress = new Progress(process.stderr);
  const owned: { resolved?: ResolvedTarget } = {};
  let log: ObservationLog | undefined;
  let client: Client | undefined;
  let metricsClient: Client | undefined;
  try {
    const eventLog = embedded ? path.join(outDir, 'emulator-events.jsonl') : undefined;
    const resolved = await reachTarget(opts, profile, timeScale, outDir, embedded ? eventLog : undefined, interrupt.signal);
    owned.resolved = resolved;
    secrets.push(...resolved.secrets);
    const target = resolved.target;
    const fingerprint = collectFingerprint(target, profile?.id ?? null);

    log = await openObservationLog(path.join(outDir, 'requests.jsonl'), { secrets, compact: true });
    const openLog = log;
    client = createClient({ baseUrl: target.baseUrl, apiKey: target.apiKey, timeoutMs: opts.timeout * 1000, ...resolved.client });
    if (target.kind === 'external' && opts.api === 'messages') await preflight(client, target, Math.min(opts.timeout * 1000, 60_000));

    // gateway-overhead runs alone: autocannon on non-streaming requests, gateway then backend; no TTFT sweep.
    if (opts.workload === 'gateway-overhead') {
      const perf = await measureGatewayOverhead(opts, target, resolved, profile, interrupt.signal);
      const ok = (perf.extra?.['gateway_overhead'] as GatewayOverheadResult).gateway.ok_2xx > 0;
      const exitCode = interrupt.interrupted() ? EXIT.interrupted : ok ? EXIT.ok : EXIT.failed;
      const result = buildRunResult(target, { command: 'perf', perf }, startedAt, interrupt.interrupted(), exitCode);
      await writeRunResult(outDir, result, secrets);
      await log.flush();
      await writeReports(outDir, result, { secrets });
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(renderPerf(result, { color: process.stdout.isTTY === true, width: process.stdout.columns ?? 120 }));
      process.stderr.write(`claude-bench: wrote ${path.join(outDir, 'results.json')}, report.html and junit.xml\n`);
      return exitCode;
    }

    const workloadName = opts.workload ?? (profile !== null ? 'profile' : DEFAULT_WORKLOAD);
    const workload = await resolveWorkload(workloadName, {
      model: target.model,
      emulated: target.emulated,
      ...(profile !== null ? { profile } : {}),
    });
    const prompt = estimatePrompt(workload);
    const levels = opts.concurrency ?? (profile !== null ? 'sweep' : [1, 2, 4]);
    let overhead: OverheadEstimate | undefined;
    if (embedded && timeScale !== 1 && target.backendUrl !== undefined && opts.api === 'messages') {
      // Keep the gateway's real overhead out of the time-scale multiplication (overhead.ts).
      const direct = createClient({ baseUrl: target.backendUrl, apiKey: 'probe', timeoutMs: opts.timeout * 1000 });
      try {
        overhead = await probeGatewayOverhead({
          gateway: client,
          direct,
          model: target.model,
          servedModel: profile?.model.id ?? 'Qwen/Qwen2.5-Coder-32B-Instruct',
          promptTokens: Math.min(prompt.tokens, (profile?.vllm.max_model_len ?? 32768) - 64),
          signal: interrupt.signal,
        });
      } finally {
        direct.close();
      }
    }
    const settings = { ...levelSettings(opts, timeScale), ...(overhead !== undefined ? { overheadMs: overhead.overhead_ms } : {}) };
    const warnings: string[] = [];
    const window = embedded ? (opts.maxModelLen ?? profile?.vllm.max_model_len) : profile?.vllm.max_model_len;
    if (window !== undefined && prompt.max_context_tokens > window) {
      warnings.push(
        `workload ${workload.name} needs ~${prompt.max_context_tokens} tokens of context (prompt + max_tokens), more than --max-model-len ${window}` +
          `${embedded ? '' : " (the profile's)"}: vLLM answers such requests with HTTP 400` +
          `${embedded ? '; perf --max-model-len N sets the emulated window' : ''}`,
      );
    }

    process.stderr.write(
      `claude-bench: perf against ${redactUrl(target.baseUrl)} — workload ${workload.name}, ` +
        `${levels === 'sweep' ? 'capacity sweep' : `users ${levels.join(', ')}`}${opts.repeat > 1 ? ` ×${opts.repeat}` : ''}` +
        `${target.emulated ? `, EMULATED${timeScale !== 1 ? ` at time scale ${timeScale}` : ''}` : ''}\n`,
    );
    // The server's view (vLLM /metrics): the embedded stack's backend, or the user's --metrics-url.
    const metricsUrl = opts.metricsUrl ?? target.backendUrl;
    // Every second of model time (a time-scaled emulator runs short levels), between 100 ms and 1 s of wall time.
    const scrapeIntervalMs = Math.min(1000, Math.max(100, 1000 * timeScale));
    metricsClient = metricsUrl !== undefined ? createClient({ baseUrl: metricsUrl, apiKey: 'none', timeoutMs: 5_000 }) : undefined;
    const self = startSelfMeasure();
    // A target that stops accepting connections ends the run at once, with its own verdict (target-death.ts).
    const deathWatch = new TargetDeathWatch();
    const died = new AbortController();
    const runSignal = AbortSignal.any([interrupt.signal, died.signal]);
    let outcome: PerfOutcome;
    try {
      outcome = await runPerfPlan(
        {
          client,
          workload,
          protocol: opts.api,
          ...(opts.api === 'chat' ? { chatModel: target.model } : {}),
          signal: runSignal,
          emulated: target.emulated,
          progress,
          ...(metricsClient !== undefined && metricsUrl !== undefined ? { metrics: { client: metricsClient, label: redactUrl(metricsUrl), intervalMs: scrapeIntervalMs } } : {}),
          onRequest: (line) => {
            openLog.append(line);
            if (deathWatch.observe(line) !== null) died.abort(new Error('the target died'));
          },
        },
        { levels, repeat: opts.repeat, settings, targets: profile?.targets ?? [], sweep: { maxUsers: opts.maxUsers } },
      );
    } finally {
      progress.stop();
    }

    // A gateway response cache would pass its hits off as model speed: one fixed request, twice in a row.
    let responseCache: ResponseCacheFinding | undefined;
    if (opts.api === 'messages' && !interrupt.interrupted() && deathWatch.verdict === null) {
      responseCache = await probeResponseCache(client, target.model, interrupt.signal, (o) => openLog.append(Object.assign({}, o, { phase: 'cache-probe' })));
      if (responseCache.flagged) warnings.push(responseCache.detail);
    }
    for (const r of outcome.runs) {
      const b = r.extra?.['ttfb_bimodal'] as { flagged?: boolean; detail?: string } | undefined;
      if (b?.flagged === true) warnings.push(`${r.concurrency} users: ${b.detail ?? 'bimodal TTFB'}`);
    }

    let ab: Record<string, unknown> | undefined;
    if (opts.ab === true && !interrupt.interrupted() && deathWatch.verdict === null) {
      const backend = opts.backendUrl ?? target.backendUrl;
      if (backend === undefined) {
        warnings.push('--ab: no backend URL known for this target; give --backend-url URL (the vLLM server behind the gateway)');
      } else {
        const direct = createClient({ baseUrl: backend, apiKey: process.env['VLLM_API_KEY'] ?? 'none', timeoutMs: opts.timeout * 1000 });
        const abProgress = new Progress(process.stderr);
        try {
          const served = (await servedModel(direct)) ?? profile?.model.id ?? DEFAULT_SERVED_MODEL;
          process.stderr.write(`claude-bench: --ab: the same workload and seeds straight to the backend ${redactUrl(backend)} (model ${served})…\n`);
          // Same levels and repeats in the same order: runLevel's seeds follow the order, so each level sees the same prompts.
          const abLevels = levels === 'sweep' ? [...new Set(outcome.runs.map((r) => r.concurrency))] : levels;
          const directOutcome = await runPerfPlan(
            {
              client: direct,
              workload,
              protocol: 'chat',
              chatModel: served,
              signal: runSignal,
              emulated: target.emulated,
              progress: abProgress,
              ...(metricsClient !== undefined && metricsUrl !== undefined ? { metrics: { client: metricsClient, label: redactUrl(metricsUrl), intervalMs: scrapeIntervalMs } } : {}),
              onRequest: (line) => openLog.append(Object.assign({}, line, { ab: 'direct' })),
            },
            { levels: abLevels, repeat: levels === 'sweep' ? 1 : opts.repeat, settings: { ...settings, overheadMs: 0 }, targets: [] },
          );
          ab = { backend_url: redactUrl(backend), served_model: served, direct_runs: directOutcome.runs, levels: attributeAb(directOutcome.runs, outcome.runs) };
        } finally {
          abProgress.stop();
          direct.close();
        }
      }
    }

    let calibration: CalibrationResult | { summary: string } | undefined;
    const backendUrl = target.backendUrl;
    if (opts.calibrate && embedded && eventLog !== undefined && backendUrl !== undefined && !interrupt.interrupted() && deathWatch.verdict === null) {
      const streams = Math.max(1, ...outcome.runs.map((r) => r.concurrency));
      process.stderr.write(`claude-bench: harness accuracy: ${streams} streams straight to the emulator…\n`);
      calibration = await calibrateAgainstEmulator({
        backendUrl,
        model: profile?.model.id ?? 'Qwen/Qwen2.5-Coder-32B-Instruct',
        eventLog,
        streams,
        timeScale,
        signal: interrupt.signal,
        onObservation: (o) => openLog.append(Object.assign({}, o, { phase: 'calibration' })),
      });
    } else if (target.kind === 'external') {
      calibration = { summary: 'not measured: needs the emulator as ground truth (run without --target)' };
    }
    const selfAll = self.stop(outcome.sse_events);
    const fp = await fingerprint;
    warnings.push(...collectWarnings(outcome, selfAll.warnings, profile !== null ? hardwareMismatch(fp, profile) : []));

    const buffering = detectBuffering(outcome.marks);
    const bufferedRow = bufferingVerdict(buffering, target.emulated);
    const verdicts: PerfVerdict[] =
      profile === null
        ? []
        : judgeTargets({
            targets: profile.targets,
            runs: outcome.runs,
            ceiling: profileCeiling(profile),
            ...(outcome.capacity ? { capacity: outcome.capacity } : {}),
            uncachedPromptTokens: prompt.uncached_tokens,
            emulated: target.emulated,
            confidence: opts.repeat > 1,
          });
    if (bufferedRow !== null) verdicts.push(bufferedRow);
    const perf: PerfResult = {
      profile: profile?.id ?? null,
      emulated: target.emulated,
      workload: { ...workload.describe(), prompt_estimate: prompt, protocol: opts.api },
      runs: outcome.runs,
      verdicts,
      ...(outcome.capacity
        ? {
            capacity: {
              max_users: outcome.capacity.max_users,
              binding_constraint: outcome.capacity.binding_constraint,
              first_failing_users: outcome.capacity.first_failing_users,
            },
          }
        : {}),
      extra: {
        time_scale: timeScale,
        ...(overhead !== undefined ? { time_scale_overhead: overhead } : {}),
        ...(target.emulated ? { label: 'EMULATED: every figure comes from the emulator, never from hardware' } : {}),
        settings: { ...settings, levels, repeat: opts.repeat },
        ...(outcome.capacity ? { sweep: outcome.capacity } : {}),
        ...(opts.repeat > 1 ? { confidence: confidenceIntervals(outcome.runs) } : {}),
        fingerprint: fp,
        ...(profile !== null ? { ceiling: profileCeiling(profile) } : {}),
        self: selfAll,
        buffering,
        accuracy: calibration ?? { summary: 'not measured (--no-calibrate or interrupted)' },
        ...(deathWatch.verdict !== null ? { target_died: deathWatch.verdict } : {}),
        ...(ab !== undefined ? { ab } : {}),
        ...(responseCache !== undefined ? { response_cache: responseCache } : {}),
        ttfb_bimodal: outcome.runs.map((r) => ({ users: r.concurrency, ...(r.extra?.['ttfb_bimodal'] as object | undefined) })),
        warnings,
      },
    };

    // Interrupted: 130. Target died: 3 (unreachable), results partial. Else the verdicts decide.
    const death = deathWatch.verdict;
    if (death !== null) warnings.push(`the target died mid-run: ${death.refused} refused connections in a row after ${death.answered_before} answered requests`);
    const partial = interrupt.interrupted() || death !== null;
    const exitCode = interrupt.interrupted() ? EXIT.interrupted : death !== null ? EXIT.unreachable : perfExitCode(perf);
    const result = buildRunResult(target, { command: 'perf', perf }, startedAt, partial, exitCode);
    await writeRunResult(outDir, result, secrets);
    await log.flush();
    await writeReports(outDir, result, { secrets });
    if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(renderPerf(result, { color: process.stdout.isTTY === true, width: process.stdout.columns ?? 120 }));
    process.stderr.write(`claude-bench: wrote ${path.join(outDir, 'results.json')}, requests.jsonl, report.html and junit.xml\n`);
    if (death !== null && !interrupt.interrupted()) process.stderr.write(`${deathLine(death, redactUrl(target.baseUrl))}\n`);
    return exitCode;
  } finally {
    progress.stop();
    interrupt.dispose();
    client?.close();
    metricsClient?.close();
    await log?.close();
    await owned.resolved?.stop();
  }
}

/**
 * The target: the user's (--target), a stack spec (--stack), or the embedded
 * stack with the emulator driven by the profile; behind --via / --proxy when asked.
 */
async function reachTarget(
  opts: PerfCliOptions,
  profile: Profile | null,
  timeScale: number,
  outDir: string,
  eventLog: string | undefined,
  signal: AbortSignal,
): Promise<ResolvedTarget> {
  if (opts.target === undefined && opts.api === 'chat') {
    throw new BenchError('BAD_USAGE', '--api chat measures a backend directly and needs --target', { hint: 'e.g. --target http://127.0.0.1:8000 --api chat' });
  }
  const model = opts.model ?? (opts.target !== undefined && opts.api === 'chat' && profile !== null ? profile.model.id : DEFAULT_MODEL);
  // The profile's box as documented, context window included (the guide's 8192 refuses Claude Code's
  // first request: that is a finding, reproduced on purpose); --max-model-len overrides it.
  const standUpDefault = async (): Promise<StackHandle> => {
    const maxModelLen = opts.maxModelLen ?? profile?.vllm.max_model_len;
    const emulatorArgs = [
      ...(profile !== null ? ['--profile', profile.file] : []),
      ...(maxModelLen !== undefined ? ['--max-model-len', String(maxModelLen)] : []),
      ...(timeScale !== 1 ? ['--time-scale', String(timeScale)] : []),
      ...(eventLog !== undefined ? ['--event-log', eventLog] : []),
    ];
    process.stderr.write(
      `claude-bench: standing up the embedded stack (vLLM emulator${profile !== null ? ` with profile ${profile.id}` : ''} + claude-code-router)…\n`,
    );
    const stack = await startEmbeddedStack({
      logDir: path.join(outDir, 'stack-logs'),
      model,
      emulatorArgs,
      ...(profile !== null ? { servedModelName: profile.model.id } : {}),
      signal,
    });
    return { driver: 'embedded', target: stack.target, secrets: stack.secrets, logs: stack.logs, pids: stack.pids, stop: () => stack.stop() };
  };
  return resolveTargetFromOptions({ ...opts, model }, { outDir, signal, standUpDefault });
}

/** `--workload gateway-overhead`: autocannon against the gateway, then the backend directly; a PerfResult with no load levels. */
async function measureGatewayOverhead(
  opts: PerfCliOptions,
  target: Target,
  resolved: ResolvedTarget,
  profile: Profile | null,
  signal: AbortSignal,
): Promise<PerfResult> {
  if (resolved.client.proxy !== undefined) {
    throw new BenchError('BAD_USAGE', 'gateway-overhead drives the gateway with autocannon, which cannot go through a forward proxy (--proxy, --via mitmproxy)', {
      hint: 'measure the gateway directly, or --via nginx',
    });
  }
  const connections = opts.overheadConnections;
  const durationS = opts.overheadDuration;
  const backend = opts.backendUrl ?? target.backendUrl;
  let served = profile?.model.id ?? DEFAULT_SERVED_MODEL;
  if (backend !== undefined) {
    const probe = createClient({ baseUrl: backend, apiKey: process.env['VLLM_API_KEY'] ?? 'none', timeoutMs: 10_000 });
    try {
      served = (await servedModel(probe)) ?? served;
    } finally {
      probe.close();
    }
  }
  const bodies = overheadBodies(target.model, served, target.emulated);
  const join = (base: string, p: string): string => `${base.replace(/\/+$/, '')}${p}`;
  process.stderr.write(`claude-bench: gateway overhead: autocannon, ${connections} connections × ${durationS} s against the gateway…\n`);
  const gatewayUrl = join(target.baseUrl, '/v1/messages');
  const gateway = await runCannon({
    url: gatewayUrl,
    headers: { 'x-api-key': target.apiKey, 'anthropic-version': '2023-06-01' },
    body: bodies.messages,
    connections,
    durationS,
    signal,
  });
  let direct: CannonSummary | null = null;
  if (backend !== undefined && !signal.aborted) {
    process.stderr.write(`claude-bench: gateway overhead: … and against the backend ${redactUrl(backend)} directly\n`);
    direct = await runCannon({
      url: join(backend, '/v1/chat/completions'),
      headers: { authorization: `Bearer ${process.env['VLLM_API_KEY'] ?? 'none'}` },
      body: bodies.chat,
      connections,
      durationS,
      signal,
    });
  }
  const result: GatewayOverheadResult = {
    connections,
    duration_s: durationS,
    gateway: { ...gateway, url: redactUrl(gatewayUrl) },
    direct: direct !== null && backend !== undefined ? { ...direct, url: redactUrl(join(backend, '/v1/chat/completions')) } : null,
    added: direct !== null ? compareOverhead(gateway, direct) : null,
    ...(backend === undefined ? { note: 'backend not measured: give --backend-url URL (the vLLM server behind the gateway) to see what the gateway adds' } : {}),
  };
  const warnings: string[] = [];
  if (gateway.ok_2xx === 0) warnings.push(`gateway-overhead: no request to the gateway succeeded (${gateway.non2xx} non-2xx, ${gateway.errors} errors)`);
  if (direct !== null && direct.ok_2xx === 0) warnings.push(`gateway-overhead: no request to the backend succeeded (${direct.non2xx} non-2xx, ${direct.errors} errors)`);
  return {
    profile: profile?.id ?? null,
    emulated: target.emulated,
    workload: { name: 'gateway-overhead', protocol: 'messages', stream: false, max_tokens: 1, connections, duration_s: durationS },
    runs: [],
    verdicts: [],
    extra: {
      gateway_overhead: result,
      ...(target.emulated ? { label: 'EMULATED: the backend is the emulator, told to answer at once: what remains is the gateway' } : {}),
      warnings,
    },
  };
}

/** The backend's served model name (first of GET /v1/models), or null when it cannot tell. */
async function servedModel(client: Client): Promise<string | null> {
  try {
    const o = await client.send({ method: 'GET', path: '/v1/models', auth: 'bearer', label: 'perf:ab-models' });
    if (o.status !== 200 || o.body === null) return null;
    const id = (JSON.parse(o.body) as { data?: Array<{ id?: unknown }> }).data?.[0]?.id;
    return typeof id === 'string' && id !== '' ? id : null;
  } catch {
    return null;
  }
}

/** Per-level bounds: the user's, else defaults (model time under a time scale, so levels stay comparable). */
export function levelSettings(opts: Pick<PerfCliOptions, 'requests' | 'duration' | 'rate' | 'arrival'>, timeScale: number): LevelSettings {
  const scaled = timeScale !== 1;
  const durationMs = opts.duration !== undefined ? opts.duration * 1000 : (scaled ? DEFAULT_LEVEL_S_MODEL * 1000 * timeScale : DEFAULT_LEVEL_S_REAL * 1000);
  const drainMs = scaled ? DEFAULT_DRAIN_S_MODEL * 1000 * timeScale : DEFAULT_DRAIN_S_REAL * 1000;
  return {
    mode: opts.rate !== undefined ? opts.arrival : 'closed',
    ...(opts.rate !== undefined ? { rateRps: opts.rate } : {}),
    ...(opts.requests !== undefined ? { requests: opts.requests } : {}),
    durationMs,
    drainMs: Math.max(1_000, drainMs),
    timeScale,
  };
}

/** 1 when a target was missed or nothing succeeded at all; else 0. */
export function perfExitCode(perf: PerfResult): number {
  if (perf.verdicts.some((v) => v.status === 'fail')) return EXIT.failed;
  const ok = perf.runs.reduce((n, r) => n + r.requests.ok, 0);
  return ok === 0 ? EXIT.failed : EXIT.ok;
}

function collectWarnings(outcome: PerfOutcome, selfWarnings: readonly string[], hardware: readonly string[]): string[] {
  const out = [...selfWarnings, ...hardware];
  const buffering = detectBuffering(outcome.marks);
  if (buffering.flagged) out.push(`buffered stream: ${buffering.detail}`);
  let counted = 0;
  let ok = 0;
  for (const r of outcome.runs) {
    ok += r.requests.ok;
    const t = r.extra?.['output_tokens'] as { counted_fallback?: number } | undefined;
    counted += t?.counted_fallback ?? 0;
  }
  if (counted > 0) {
    out.push(`${counted} of ${ok} successful requests reported no usage.output_tokens; N was counted from content deltas (TPOT assumes one token per delta)`);
  }
  const errors = new Map<string, number>();
  for (const r of outcome.runs) for (const [k, n] of Object.entries(r.requests.errors_by_kind)) errors.set(k, (errors.get(k) ?? 0) + n);
  if (errors.size > 0) out.push(`failed requests by kind: ${[...errors].map(([k, n]) => `${k} ${n}`).join(', ')} (see requests.jsonl)`);
  return out;
}

/** t-intervals over repeated runs of each level for the key figures. */
export function confidenceIntervals(runs: readonly PerfRun[]): Array<Record<string, unknown>> {
  const byLevel = new Map<number, PerfRun[]>();
  for (const r of runs) byLevel.set(r.concurrency, [...(byLevel.get(r.concurrency) ?? []), r]);
  const pick: Record<string, (r: PerfRun) => number | null> = {
    ttft_p50_ms: (r) => (r.ttft_ms.n > 0 ? r.ttft_ms.p50 : null),
    ttft_p95_ms: (r) => (r.ttft_ms.n > 0 ? r.ttft_ms.p95 : null),
    tpot_p50_ms: (r) => (r.tpot_ms.n > 0 ? r.tpot_ms.p50 : null),
    e2el_p99_ms: (r) => (r.e2el_ms.n > 0 ? r.e2el_ms.p99 : null),
    output_tokens_per_s_p50: (r) => (r.samples.output_tokens_per_s.length > 0 ? r.output_tokens_per_s.p50 : null),
    output_tokens_per_s_aggregate: (r) => r.output_tokens_per_s.aggregate,
  };
  const out: Array<Record<string, unknown>> = [];
  for (const [users, list] of [...byLevel].sort((a, b) => a[0] - b[0])) {
    if (list.length < 2) continue;
    for (const [metric, f] of Object.entries(pick)) {
      const values = list.map(f).filter((v): v is number => v !== null);
      if (values.length >= 2) out.push({ users, metric, ...tInterval(values) });
    }
  }
  return out;
}

