/**
 * The vLLM emulator: an OpenAI-compatible HTTP server (node:http) that
 * answers like `vllm serve` for what gateways use — /health, /v1/models,
 * /v1/chat/completions (streaming or not), /metrics — with vLLM's error
 * bodies and flags, deterministic scripted replies and a timing model.
 * It is a test double: nothing measured through it is a hardware result.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { BenchError } from '../errors.ts';
import { loadProfile } from '../profiles/load.ts';
import { TOOL_VERSION } from '../version.ts';
import { BatchScheduler, type BatchTicket, type FinishedRecord } from './batching.ts';
import { openEventLog, type EventLog } from './event-log.ts';
import { EmulatorMetrics } from './metrics.ts';
import { resolveEmulatorOptions, type EmulatorEvent, type EmulatorOptions, type ResolvedEmulatorOptions } from './options.ts';
import { BROKEN_JSON_FRAME, FaultInjector, UNKNOWN_EVENT_FRAME, type FaultAction } from './faults.ts';
import { buildPlan, type Plan } from './plan.ts';
import { blockHashes, renderPromptForCache } from './prefix-cache.ts';
import {
  METHOD_NOT_ALLOWED,
  NOT_FOUND,
  UNAUTHORIZED,
  completionResponse,
  deltaChunk,
  injectedFailure,
  jsonDecodeError,
  modelList,
  roleChunk,
  usage,
  usageChunk,
  validationError,
  type ChunkHead,
  type HttpError,
} from './protocol.ts';
import { resolveReply } from './reply.ts';
import { checkChatRequest, type ChatRequest } from './request.ts';
import { responseDueAt, runSchedule, tokenDueAt, type ScheduleHandle, type ScheduleSpec } from './timing.ts';
import { contentText, splitFixed } from './tokens.ts';

export type { EmulatorEvent, EmulatorOptions } from './options.ts';

export interface RunningEmulator {
  /** `http://HOST:PORT`, without `/v1`. */
  readonly url: string;
  readonly port: number;
  /** The options in force, defaults filled in. */
  readonly options: ResolvedEmulatorOptions;
  /** Generations in flight (streaming or not). 0 means no pending timers. */
  readonly activeStreams: number;
  /** What GET /claude-bench/info answers. */
  info(): EmulatorInfo;
  /** Stop listening, cancel every generation, close open sockets. Idempotent. */
  close(): Promise<void>;
}

/** claude-bench's own route: what this emulator is and how its clock relates to the modelled one. */
export const INFO_PATH = '/claude-bench/info';

/**
 * GET /claude-bench/info. Unauthenticated, like /health. Times in the
 * emulated hardware's units; multiply by `time_scale` for clock time, and
 * divide measured clock durations by it to compare with the model.
 */
export interface EmulatorInfo {
  readonly emulated: true;
  readonly emulator: 'claude-bench vllm-emulator';
  readonly version: string;
  /** Clock ms per model ms (0.1 = ten times faster than the modelled box). */
  readonly time_scale: number;
  readonly timing_model: 'fixed' | 'batching';
  /** Profile id and file, when one drives the timing. */
  readonly profile: { readonly id: string; readonly title: string; readonly model: string } | null;
  readonly served_model_names: readonly string[];
  readonly max_model_len: number;
  /** Fixed model: ttft/itl in model ms; null under a batching model. */
  readonly fixed_timing: { readonly ttft_ms: number; readonly itl_ms: number } | null;
  /** Batching model parameters (model time); null under the fixed model. */
  readonly batching: {
    readonly max_num_seqs: number;
    readonly max_num_batched_tokens: number;
    readonly prefill_tokens_per_s: number;
    readonly decode_step_ms: number;
    readonly decode_step_growth: number;
    readonly request_overhead_ms: number;
    readonly block_size: number;
    readonly prefix_cache_blocks: number;
    readonly kv_cache_tokens: number;
  } | null;
  /** Whether an event log is being written (the path is not disclosed). */
  readonly event_log: boolean;
  /** When the server started listening, wall clock ms. */
  readonly started_at_epoch_ms: number;
}

/** Largest request body accepted (Claude Code's requests are ~50 KB; long sessions a few MB). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** vLLM's AuthenticationMiddleware guards only these prefixes (/health, /metrics stay open). */
const GUARDED_PREFIXES = ['/v1', '/v2', '/inference', '/cohere'];
const KNOWN_ROUTES = new Map<string, readonly string[]>([
  ['/health', ['GET']],
  ['/metrics', ['GET']],
  ['/v1/models', ['GET']],
  ['/v1/chat/completions', ['POST']],
  [INFO_PATH, ['GET']],
  ['/reset_prefix_cache', ['POST']],
]);

interface Generation {
  cancel(): void;
}

/**
 * Start the emulator and resolve once it listens. Throws BenchError on bad
 * options, an unknown or broken profile, an event log that cannot be
 * created, or a busy port.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const profile = typeof options.profile === 'string' ? await loadProfile(options.profile) : options.profile;
  const opts = resolveEmulatorOptions({ ...options, ...(profile ? { profile } : {}) });
  const active = new Set<Generation>();
  const sockets = new Set<Socket>();
  const metrics = new EmulatorMetrics(opts.maxModelLen);
  const startedAt = Math.floor(Date.now() / 1000);
  const startedAtMs = Date.now();
  const permissionId = randomBytes(8).toString('hex');
  const scale = opts.timeScale;
  const eventLog: EventLog | undefined = opts.eventLog !== undefined ? await openEventLog(opts.eventLog) : undefined;
  const scheduler = opts.batching
    ? new BatchScheduler(opts.batching, { timeScale: scale, onFinished: (record) => observeBatched(record) })
    : undefined;
  const injector = opts.faults ? new FaultInjector(opts.faults) : undefined;
  /** Finish reasons of batched requests, by ticket id, until their record arrives. */
  const batchedReasons = new Map<number, string>();

  const server = createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug here must not take the server down; answer like vLLM's catch-all handler.
      if (!res.headersSent) {
        sendJson(res, '', { status: 500, body: { error: { message: String(err), type: 'InternalServerError', param: null, code: 500 } } });
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const emit = (event: EmulatorEvent): void => {
    eventLog?.write(event);
    if (!opts.onEvent) return;
    try {
      opts.onEvent(event);
    } catch {
      // The hook is the caller's; its failure must not break a response.
    }
  };

  function observeBatched(record: FinishedRecord): void {
    const reason = batchedReasons.get(record.id);
    batchedReasons.delete(record.id);
    if (reason === undefined) return;
    metrics.observeFinished({
      reason,
      promptTokens: record.promptTokens,
      generationTokens: record.outputTokens,
      ttftS: record.ttftMs / 1000,
      e2eS: record.e2eMs / 1000,
      queueS: record.queuedMs / 1000,
      prefillS: record.prefillMs / 1000,
      decodeS: record.decodeMs / 1000,
      gapsS: record.itlMs.map((ms) => ms / 1000),
    });
  }

  function info(): EmulatorInfo {
    const b = opts.batching;
    return {
      emulated: true,
      emulator: 'claude-bench vllm-emulator',
      version: TOOL_VERSION,
      time_scale: scale,
      timing_model: b ? 'batching' : 'fixed',
      profile: opts.profile ? { id: opts.profile.id, title: opts.profile.title, model: opts.profile.model.id } : null,
      served_model_names: opts.servedModelNames,
      max_model_len: opts.maxModelLen,
      fixed_timing: b ? null : { ttft_ms: opts.timing.ttftMs, itl_ms: opts.timing.itlMs },
      batching: b
        ? {
            max_num_seqs: b.maxNumSeqs,
            max_num_batched_tokens: b.maxNumBatchedTokens,
            prefill_tokens_per_s: b.prefillTokensPerS,
            decode_step_ms: b.decodeStepMs,
            decode_step_growth: b.decodeStepGrowth,
            request_overhead_ms: b.requestOverheadMs,
            block_size: b.prefixBlockTokens,
            prefix_cache_blocks: b.prefixCacheBlocks,
            kv_cache_tokens: b.kvCacheTokens,
          }
        : null,
      event_log: eventLog !== undefined,
      started_at_epoch_ms: startedAtMs,
    };
  }
  const now = (): number => performance.timeOrigin + performance.now();

  function sendJson(res: ServerResponse, requestId: string, reply: HttpError, headers: Readonly<Record<string, string>> = {}): void {
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    if (requestId) emit({ request_id: requestId, t_epoch_ms: now(), kind: 'headers' });
    res.end(text);
    if (requestId) emit({ request_id: requestId, t_epoch_ms: now(), kind: 'done' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrival = performance.now();
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && header.length > 0 ? header : randomUUID().replace(/-/g, '');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';

    if (opts.apiKey !== undefined && method !== 'OPTIONS' && GUARDED_PREFIXES.some((p) => path.startsWith(p))) {
      if (!bearerMatches(req.headers.authorization, opts.apiKey)) {
        req.resume();
        sendJson(res, requestId, UNAUTHORIZED);
        return;
      }
    }
    const allowed = KNOWN_ROUTES.get(path);
    if (!allowed) {
      req.resume();
      sendJson(res, requestId, NOT_FOUND);
      return;
    }
    if (!allowed.includes(method)) {
      req.resume();
      sendJson(res, requestId, METHOD_NOT_ALLOWED);
      return;
    }
    switch (path) {
      case '/health':
        req.resume();
        res.writeHead(200, { 'content-length': 0 });
        res.end();
        return;
      case '/reset_prefix_cache':
        // vLLM (dev mode) answers 200 with an empty body; benchmarks call it between runs.
        req.resume();
        scheduler?.resetPrefixCache();
        res.writeHead(200, { 'content-length': 0 });
        res.end();
        return;
      case INFO_PATH:
        req.resume();
        sendJson(res, '', { status: 200, body: info() });
        return;
      case '/metrics': {
        req.resume();
        const header =
          `claude-bench emulator: EMULATED vLLM, not a hardware measurement; ${opts.batching ? 'batching' : 'fixed'} timing model` +
          `${opts.profile ? ` (profile ${opts.profile.id})` : ''}; durations in model seconds (time scale ${scale})`;
        const text = metrics.render(
          opts.servedModelNames[0],
          scheduler
            ? {
                running: scheduler.runningCount,
                waiting: scheduler.waitingCount,
                kvCacheUsage: scheduler.kvCacheUsage,
                prefixQueries: scheduler.prefixCache.queries,
                prefixHits: scheduler.prefixCache.hits,
              }
            : { running: active.size, waiting: 0, kvCacheUsage: 0, prefixQueries: 0, prefixHits: 0 },
          header,
        );
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      case '/v1/models':
        req.resume();
        sendJson(res, requestId, { status: 200, body: modelList(opts.servedModelNames, opts.maxModelLen, startedAt, permissionId) });
        return;
      default:
        await chatCompletions(req, res, requestId, arrival);
    }
  }

  async function chatCompletions(req: IncomingMessage, res: ServerResponse, requestId: string, arrival: number): Promise<void> {
    const raw = await readBody(req);
    if (raw === null) {
      sendJson(res, requestId, { status: 413, body: { detail: 'Request Entity Too Large' } });
      req.socket.destroy();
      return;
    }
    let body: unknown;
    if (raw.trim().length === 0) {
      sendJson(res, requestId, validationError([{ type: 'missing', loc: 'body', msg: 'Field required', input: null }]));
      return;
    }
    try {
      body = JSON.parse(raw);
    } catch (err) {
      sendJson(res, requestId, jsonDecodeError(raw, err instanceof Error ? err.message : String(err)));
      return;
    }
    const checked = checkChatRequest(body, {
      servedModelNames: opts.servedModelNames,
      maxModelLen: opts.maxModelLen,
      autoToolChoice: opts.enableAutoToolChoice && opts.toolCallParser !== undefined,
      forceIncludeUsage: opts.enableForceIncludeUsage,
    });
    if (!checked.ok) {
      sendJson(res, requestId, checked.error);
      return;
    }
    const request = checked.request;
    // Injected faults (faults.ts) come before directives: the schedule decides, whatever the prompt says.
    const fault = injector?.next() ?? null;
    if (fault?.kind === 'exit') {
      if (opts.onFaultExit) opts.onFaultExit();
      else dieInPlace();
      return;
    }
    if (fault?.kind === 'http') {
      const retryAfter = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      sendJson(res, requestId, injectedFailure(fault.status, fault.message), retryAfter);
      return;
    }
    if (fault?.kind === 'slow_headers') {
      if (!(await waitUnlessClosed(res, fault.ms))) return;
      // The delay is the server's, before any work: the timeline starts after it.
      arrival = performance.now();
    }
    const streamFault = fault !== null && fault.kind !== 'slow_headers' && fault.kind !== 'reset' ? fault : undefined;
    const resolved = resolveReply(request, opts.script);
    if (resolved.failStatus !== undefined) {
      const retryAfter = resolved.retryAfterSeconds !== undefined ? { 'retry-after': String(resolved.retryAfterSeconds) } : {};
      sendJson(res, requestId, injectedFailure(resolved.failStatus, resolved.failMessage), retryAfter);
      return;
    }
    // An echo answers at once, with what arrived (counting the generations already in flight).
    const reply = resolved.echo
      ? {
          ...resolved,
          textTokens: splitFixed(echoText(req, body, active.size), ECHO_PIECE),
          toolCalls: [],
          ttftMs: resolved.ttftMs ?? 0,
          itlMs: resolved.itlMs ?? 0,
        }
      : resolved;
    // An echo is a test instrument: whole, whatever the budget and stop strings say.
    const plan = buildPlan({
      reply,
      budget: reply.echo ? Math.max(request.budget, reply.textTokens.length + 1) : request.budget,
      stop: reply.echo ? [] : request.stop,
      ignoreEos: request.ignoreEos && !reply.echo,
      makeToolCallId: () => `chatcmpl-tool-${randomBytes(8).toString('hex')}`,
    });
    const modelTiming = { ttftMs: reply.ttftMs ?? opts.timing.ttftMs, itlMs: reply.itlMs ?? opts.timing.itlMs };
    const timing = { ttftMs: modelTiming.ttftMs * scale, itlMs: modelTiming.itlMs * scale };
    const head: ChunkHead = { id: `chatcmpl-${requestId}`, created: Math.floor(Date.now() / 1000), model: opts.servedModelNames[0] };
    metrics.accepted(request.promptTokens);
    const abortAfter = fault?.kind === 'reset' ? fault.afterTokens : reply.abortAfterTokens;
    const run: Run = { res, requestId, arrival, request, plan, head, timing, modelTiming, abortAfter, fault: streamFault };
    // An echo is an instrument, not a workload: it keeps the fixed timeline even under a batching model.
    if (scheduler && !reply.echo) batched(run, scheduler, body as { readonly tools?: unknown; readonly messages?: unknown });
    else if (request.stream) stream(run);
    else respondWhole(run);
  }

  interface Run {
    readonly res: ServerResponse;
    readonly requestId: string;
    readonly arrival: number;
    readonly request: ChatRequest;
    readonly plan: Plan;
    readonly head: ChunkHead;
    /** Fixed model, clock ms. */
    readonly timing: { readonly ttftMs: number; readonly itlMs: number };
    /** Fixed model, model ms (for /metrics). */
    readonly modelTiming: { readonly ttftMs: number; readonly itlMs: number };
    readonly abortAfter: number | undefined;
    /** An injected stream fault (stall, bad_json, unknown_event, missing_blank), acting before token `afterTokens`. */
    readonly fault: Extract<FaultAction, { afterTokens: number }> | undefined;
  }

  /** The `exit` fault without a process to kill: stop listening and drop every connection, at once. */
  function dieInPlace(): void {
    for (const gen of [...active]) gen.cancel();
    server.close();
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections();
  }

  /** Run a generation's schedule and count it as active until it ends, however it ends. */
  function track(res: ServerResponse, spec: ScheduleSpec): void {
    let handle: ScheduleHandle | undefined;
    const gen: Generation = {
      cancel: () => {
        handle?.cancel();
        active.delete(gen);
      },
    };
    active.add(gen);
    // Client gone (or response over): clear the timer so nothing is left pending.
    res.once('close', () => gen.cancel());
    handle = runSchedule({
      count: spec.count,
      dueAt: spec.dueAt,
      onStep: (i) => {
        const goOn = spec.onStep(i);
        if (goOn === false) active.delete(gen);
        return goOn;
      },
      onDone: () => {
        spec.onDone?.();
        active.delete(gen);
      },
    });
    if (handle.finished) active.delete(gen);
  }

  /** A fixed-model request produced every token: counters and histograms from its (model-time) timeline. */
  function finishFixed(run: Run): void {
    const n = run.plan.completionTokens;
    const { ttftMs, itlMs } = run.modelTiming;
    const decodeMs = Math.max(0, n - 1) * itlMs;
    metrics.observeFinished({
      reason: run.plan.finishReason,
      promptTokens: run.request.promptTokens,
      generationTokens: n,
      ttftS: ttftMs / 1000,
      e2eS: (ttftMs + decodeMs) / 1000,
      queueS: 0,
      prefillS: ttftMs / 1000,
      decodeS: decodeMs / 1000,
      gapsS: { value: itlMs / 1000, times: Math.max(0, n - 1) },
    });
  }

  /** Write the SSE headers and hand back the frame writers of one stream. */
  function openStream(run: Run): { write: (payload: unknown, tokenIndex?: number) => void; token: (i: number) => void; trailer: () => void } {
    const { res, requestId, plan, head, request } = run;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    res.flushHeaders();
    emit({ request_id: requestId, t_epoch_ms: now(), kind: 'headers' });
    let glue = false;
    const write = (payload: unknown, tokenIndex?: number): void => {
      // missing_blank: this frame ends with one newline and runs into the next.
      res.write(`data: ${JSON.stringify(payload)}\n${glue ? '' : '\n'}`);
      glue = false;
      emit({ request_id: requestId, t_epoch_ms: now(), kind: 'chunk', ...(tokenIndex !== undefined ? { token_index: tokenIndex } : {}) });
    };
    let silenced = false;
    /** Apply the stream fault due before token `i` (the trailer is i = token count); false = write nothing more. */
    const tamper = (i: number): boolean => {
      const f = run.fault;
      if (silenced) return false;
      if (f === undefined || i !== Math.min(f.afterTokens, plan.steps.length)) return true;
      if (f.kind === 'stall') {
        silenced = true;
        stallThenDrop(res, f.ms);
        return false;
      }
      if (f.kind === 'bad_json') res.write(BROKEN_JSON_FRAME);
      else if (f.kind === 'unknown_event') res.write(UNKNOWN_EVENT_FRAME);
      else glue = true;
      return true;
    };
    const last = plan.steps.length - 1;
    const continuous = (n: number) => (request.continuousUsage ? usage(request.promptTokens, n) : undefined);
    return {
      write,
      token: (i) => {
        if (!tamper(i)) return;
        // vLLM sends the role chunk with the first engine output, i.e. at TTFT.
        if (i === 0) write(roleChunk(head, continuous(0)));
        const step = plan.steps[i];
        const finishInfo = i === last ? { reason: plan.finishReason, stopReason: plan.stopReason } : null;
        write(deltaChunk(head, step?.delta ?? {}, finishInfo, continuous(i + 1)), i);
      },
      trailer: () => {
        if (!tamper(plan.steps.length)) return;
        if (request.includeUsage) write(usageChunk(head, usage(request.promptTokens, plan.completionTokens)));
        res.end('data: [DONE]\n\n');
        emit({ request_id: requestId, t_epoch_ms: now(), kind: 'done' });
      },
    };
  }

  /** The whole non-streaming body, once every token is generated. */
  function sendWhole(run: Run): void {
    const { res, requestId, plan, head, request } = run;
    const f = run.fault;
    if (f?.kind === 'stall') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      stallThenDrop(res, f.ms);
      return;
    }
    const reply: HttpError = {
      status: 200,
      body: completionResponse(
        head,
        { content: plan.content, toolCalls: plan.toolCalls, reasoning: plan.reasoning },
        { reason: plan.finishReason, stopReason: plan.stopReason },
        usage(request.promptTokens, plan.completionTokens),
      ),
    };
    if (f?.kind === 'bad_json' || f?.kind === 'missing_blank') {
      // A whole answer has no frames: the malformed kinds cut its JSON in half.
      const text = JSON.stringify(reply.body);
      const cut = text.slice(0, Math.floor(text.length / 2));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(cut) });
      res.end(cut);
      return;
    }
    sendJson(res, requestId, reply);
  }

  /**
   * A request under the batching model: the scheduler decides when each
   * token is out. An injected drop (`abort_after=N`) closes the socket when
   * token N would be written (at the end for N = token count).
   */
  function batched(run: Run, engine: BatchScheduler, body: { readonly tools?: unknown; readonly messages?: unknown }): void {
    const { res, request, plan } = run;
    const count = plan.steps.length;
    const dropsAt = run.abortAfter !== undefined && run.abortAfter <= count ? run.abortAfter : undefined;
    const model = engine.model;
    const blocks = model.prefixCacheBlocks > 0 ? blockHashes(renderPromptForCache(body), model.prefixBlockTokens) : [];
    const out = request.stream ? openStream(run) : undefined;
    let ticket: BatchTicket | undefined;
    const gen: Generation = {
      cancel: () => {
        ticket?.cancel();
        active.delete(gen);
      },
    };
    active.add(gen);
    res.once('close', () => gen.cancel());
    const drop = (): void => {
      res.destroy();
      gen.cancel();
    };
    ticket = engine.submit(
      { promptTokens: request.promptTokens, outputTokens: count, blockHashes: blocks },
      {
        onToken: (i, last) => {
          if (res.destroyed || i === dropsAt) return drop();
          out?.token(i);
          if (!last) return;
          if (dropsAt !== undefined) return drop();
          if (ticket) batchedReasons.set(ticket.id, plan.finishReason);
          if (out) out.trailer();
          else sendWhole(run);
          active.delete(gen);
        },
      },
    );
  }

  function stream(run: Run): void {
    const { res, plan } = run;
    const out = openStream(run);
    const count = plan.steps.length;
    const last = count - 1;
    const dropsAt = run.abortAfter !== undefined && run.abortAfter <= count ? run.abortAfter : undefined;

    track(res, {
      // One extra step after the last token: the trailer (usage, [DONE]) or the injected drop.
      count: count + 1,
      dueAt: (i) => tokenDueAt(run.arrival, run.timing.ttftMs, run.timing.itlMs, Math.min(i, last)),
      onStep: (i) => {
        if (res.destroyed) return false;
        if (i === dropsAt) {
          res.destroy();
          return false;
        }
        if (i === count) {
          finishFixed(run);
          out.trailer();
          return true;
        }
        out.token(i);
        return true;
      },
    });
  }

  function respondWhole(run: Run): void {
    const { res, plan } = run;
    const count = plan.steps.length;
    const dropsAt = run.abortAfter !== undefined && run.abortAfter <= count ? run.abortAfter : undefined;
    const dueIndex = dropsAt !== undefined ? Math.min(dropsAt, count) : count;
    track(res, {
      count: 1,
      dueAt: () =>
        dueIndex >= count
          ? responseDueAt(run.arrival, run.timing.ttftMs, run.timing.itlMs, count)
          : tokenDueAt(run.arrival, run.timing.ttftMs, run.timing.itlMs, dueIndex),
      onStep: () => {
        if (res.destroyed) return false;
        if (dropsAt !== undefined) {
          res.destroy();
          return false;
        }
        finishFixed(run);
        sendWhole(run);
        return true;
      },
    });
  }

  const listening = new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new BenchError('STACK_FAILED', `emulator: cannot listen on ${opts.host}:${opts.port}: ${err.code ?? err.message}`, {
          ...(err.code === 'EADDRINUSE' ? { hint: 'the port is taken; pick another or use --port 0' } : {}),
          cause: err,
        }),
      );
    };
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  try {
    await listening;
  } catch (err) {
    scheduler?.close();
    await eventLog?.close().catch(() => undefined);
    throw err;
  }

  const port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    options: opts,
    get activeStreams() {
      return active.size;
    },
    info,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const gen of [...active]) gen.cancel();
        scheduler?.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      }).then(() => eventLog?.close());
      return closing;
    },
  };
}

/** The stall fault: keep the connection open and silent for `ms`, then drop it (a hung upstream). */
function stallThenDrop(res: ServerResponse, ms: number): void {
  const timer = setTimeout(() => res.destroy(), ms);
  // Not a generation: the server's close() destroys the socket, which clears this timer.
  timer.unref();
  res.once('close', () => clearTimeout(timer));
}

/** Wait `ms` (slow_headers); false when the client went away meanwhile. */
function waitUnlessClosed(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

/** Code points per streamed piece of an echo answer (big pieces: an echo should not take long). */
const ECHO_PIECE = 64;
/** Longest value an echo repeats (header values, text of messages and fields). */
const ECHO_VALUE_CHARS = 400;
/** Headers an echo never repeats: they carry credentials. */
const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'proxy-authorization', 'cookie', 'api-key']);

/**
 * What an `echo` directive answers: the request as it arrived, for tests of
 * what a gateway forwards. Credentials are replaced by "<redacted>", long
 * values cut, messages summarised (role, text head, tool call count,
 * reasoning head), tools by name. JSON, one line.
 */
export function echoText(req: IncomingMessage, body: unknown, activeGenerations: number): string {
  const cut = (text: string): string => (text.length > ECHO_VALUE_CHARS ? `${text.slice(0, ECHO_VALUE_CHARS)}…` : text);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = SECRET_HEADERS.has(name) ? '<redacted>' : cut(Array.isArray(value) ? value.join(', ') : value);
  }
  const fields: Record<string, unknown> = {};
  const b = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(b)) {
    if (key === 'messages' && Array.isArray(value)) {
      fields[key] = value.map((m: unknown) => {
        const msg = typeof m === 'object' && m !== null ? (m as Record<string, unknown>) : {};
        const calls = Array.isArray(msg['tool_calls']) ? msg['tool_calls'].length : 0;
        const reasoning = msg['reasoning_content'] ?? msg['reasoning'];
        return {
          role: msg['role'],
          text: cut(contentText(msg['content'])),
          ...(calls > 0 ? { tool_calls: calls } : {}),
          ...(typeof reasoning === 'string' ? { reasoning: cut(reasoning) } : {}),
        };
      });
    } else if (key === 'tools' && Array.isArray(value)) {
      fields[key] = value.map((t: unknown) => {
        const fn = typeof t === 'object' && t !== null ? (t as Record<string, unknown>)['function'] : undefined;
        return typeof fn === 'object' && fn !== null ? (fn as Record<string, unknown>)['name'] : null;
      });
    } else {
      const text = JSON.stringify(value) ?? 'null';
      fields[key] = text.length > ECHO_VALUE_CHARS ? cut(text) : value;
    }
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return JSON.stringify({
    echo: 'claude-bench-emulator',
    method: req.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q + 1),
    active_generations: activeGenerations,
    headers,
    body: fields,
  });
}

/** vLLM's check: `Authorization: Bearer <key>` (scheme case-insensitive), exact key. */
export function bearerMatches(header: string | undefined, key: string): boolean {
  if (!header) return false;
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  const token = space < 0 ? '' : header.slice(space + 1);
  return scheme.toLowerCase() === 'bearer' && token === key;
}

/** Read the whole body as UTF-8, or null when it exceeds the bound. */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    const done = (): void => resolve(over ? null : Buffer.concat(chunks).toString('utf8'));
    req.on('end', done);
    // A client that goes away mid-upload: answer what arrived (the write goes nowhere).
    req.on('error', done);
    req.on('close', done);
  });
}
