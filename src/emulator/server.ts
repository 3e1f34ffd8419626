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
import { resolveEmulatorOptions, type EmulatorEvent, type EmulatorOptions, type ResolvedEmulatorOptions } from './options.ts';
import { buildPlan, type Plan } from './plan.ts';
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

export type { EmulatorEvent, EmulatorOptions } from './options.ts';

export interface RunningEmulator {
  /** `http://HOST:PORT`, without `/v1`. */
  readonly url: string;
  readonly port: number;
  /** The options in force, defaults filled in. */
  readonly options: ResolvedEmulatorOptions;
  /** Generations in flight (streaming or not). 0 means no pending timers. */
  readonly activeStreams: number;
  /** Stop listening, cancel every generation, close open sockets. Idempotent. */
  close(): Promise<void>;
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
]);

interface Generation {
  cancel(): void;
}

interface Counters {
  promptTokens: number;
  generationTokens: number;
  finished: Record<string, number>;
}

/** Start the emulator and resolve once it listens. Throws BenchError on bad options or a busy port. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const opts = resolveEmulatorOptions(options);
  const active = new Set<Generation>();
  const sockets = new Set<Socket>();
  const counters: Counters = { promptTokens: 0, generationTokens: 0, finished: {} };
  const startedAt = Math.floor(Date.now() / 1000);
  const permissionId = randomBytes(8).toString('hex');

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
    if (!opts.onEvent) return;
    try {
      opts.onEvent(event);
    } catch {
      // The hook is the caller's; its failure must not break a response.
    }
  };
  const now = (): number => performance.timeOrigin + performance.now();

  function sendJson(res: ServerResponse, requestId: string, reply: HttpError): void {
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
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
      case '/metrics': {
        req.resume();
        const text = metricsText(opts, active.size, counters);
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
    const reply = resolveReply(request, opts.script);
    if (reply.failStatus !== undefined) {
      sendJson(res, requestId, injectedFailure(reply.failStatus));
      return;
    }
    const plan = buildPlan({
      reply,
      budget: request.budget,
      stop: request.stop,
      ignoreEos: request.ignoreEos,
      makeToolCallId: () => `chatcmpl-tool-${randomBytes(8).toString('hex')}`,
    });
    const timing = { ttftMs: reply.ttftMs ?? opts.timing.ttftMs, itlMs: reply.itlMs ?? opts.timing.itlMs };
    const head: ChunkHead = { id: `chatcmpl-${requestId}`, created: Math.floor(Date.now() / 1000), model: opts.servedModelNames[0] };
    counters.promptTokens += request.promptTokens;
    const run = { res, requestId, arrival, request, plan, head, timing, abortAfter: reply.abortAfterTokens };
    if (request.stream) stream(run);
    else respondWhole(run);
  }

  interface Run {
    readonly res: ServerResponse;
    readonly requestId: string;
    readonly arrival: number;
    readonly request: ChatRequest;
    readonly plan: Plan;
    readonly head: ChunkHead;
    readonly timing: { readonly ttftMs: number; readonly itlMs: number };
    readonly abortAfter: number | undefined;
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

  function finish(run: Run): void {
    counters.generationTokens += run.plan.completionTokens;
    counters.finished[run.plan.finishReason] = (counters.finished[run.plan.finishReason] ?? 0) + 1;
  }

  function stream(run: Run): void {
    const { res, requestId, plan, head, request } = run;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    res.flushHeaders();
    emit({ request_id: requestId, t_epoch_ms: now(), kind: 'headers' });
    const write = (payload: unknown, tokenIndex?: number): void => {
      res.write(`data: ${JSON.stringify(payload)}\n\n`);
      emit({ request_id: requestId, t_epoch_ms: now(), kind: 'chunk', ...(tokenIndex !== undefined ? { token_index: tokenIndex } : {}) });
    };
    const count = plan.steps.length;
    const last = count - 1;
    const continuous = (n: number) => (request.continuousUsage ? usage(request.promptTokens, n) : undefined);
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
          finish(run);
          if (request.includeUsage) write(usageChunk(head, usage(request.promptTokens, plan.completionTokens)));
          res.end('data: [DONE]\n\n');
          emit({ request_id: requestId, t_epoch_ms: now(), kind: 'done' });
          return true;
        }
        // vLLM sends the role chunk with the first engine output, i.e. at TTFT.
        if (i === 0) write(roleChunk(head, continuous(0)));
        const step = plan.steps[i];
        const finishInfo = i === last ? { reason: plan.finishReason, stopReason: plan.stopReason } : null;
        write(deltaChunk(head, step?.delta ?? {}, finishInfo, continuous(i + 1)), i);
        return true;
      },
    });
  }

  function respondWhole(run: Run): void {
    const { res, requestId, plan, head, request } = run;
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
        finish(run);
        sendJson(res, requestId, {
          status: 200,
          body: completionResponse(
            head,
            { content: plan.content, toolCalls: plan.toolCalls },
            { reason: plan.finishReason, stopReason: plan.stopReason },
            usage(request.promptTokens, plan.completionTokens),
          ),
        });
        return true;
      },
    });
  }

  await new Promise<void>((resolve, reject) => {
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
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const gen of [...active]) gen.cancel();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
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

/** A few of vLLM's Prometheus series, from the emulator's own counters. */
function metricsText(opts: ResolvedEmulatorOptions, running: number, counters: Counters): string {
  const label = `model_name="${opts.servedModelNames[0].replace(/["\\]/g, '\\$&')}"`;
  const lines = [
    '# claude-bench emulator: EMULATED vLLM, not a hardware measurement',
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{${label}} ${running.toFixed(1)}`,
    '# HELP vllm:num_requests_waiting Number of requests waiting to be processed.',
    '# TYPE vllm:num_requests_waiting gauge',
    `vllm:num_requests_waiting{${label}} 0.0`,
    '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.',
    '# TYPE vllm:prompt_tokens_total counter',
    `vllm:prompt_tokens_total{${label}} ${counters.promptTokens.toFixed(1)}`,
    '# HELP vllm:generation_tokens_total Number of generation tokens processed.',
    '# TYPE vllm:generation_tokens_total counter',
    `vllm:generation_tokens_total{${label}} ${counters.generationTokens.toFixed(1)}`,
    '# HELP vllm:request_success_total Count of successfully processed requests.',
    '# TYPE vllm:request_success_total counter',
    ...['stop', 'length', 'tool_calls'].map(
      (reason) => `vllm:request_success_total{finished_reason="${reason}",${label}} ${(counters.finished[reason] ?? 0).toFixed(1)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
