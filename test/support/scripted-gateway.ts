/**
 * A small translating gateway for tests: Anthropic Messages API in front,
 * the vLLM emulator (in-process, OpenAI chat completions) behind, so every
 * `[[emulate …]]` directive reaches a real scriptable upstream, as on the
 * embedded stack. Correct by default (what conformance.md asks of a
 * gateway: errors translated with their words and retry-after, reasoning as
 * signed thinking blocks, message_start and pings during a slow prefill,
 * event: error when the upstream fails mid-stream, upstream work cancelled
 * when the client leaves, the two overflow wordings Claude Code parses), and
 * able to reproduce named defects of real gateways one or several at a time.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server.ts';
import { countPromptTokens } from '../../src/emulator/tokens.ts';

export const SCRIPTED_DEFECTS = [
  // errors
  'openai-errors',
  'stack-traces',
  'all-errors-api-error',
  'json-error-500',
  'unknown-model-400',
  'context-error-raw',
  'wrap-upstream-errors',
  'drop-retry-after',
  'html-413',
  'oversized-reset',
  // streaming
  'late-message-start',
  'no-pings',
  'midstream-drop',
  'midstream-silent-stop',
  'stream-error-after-start',
  'buffered-stream',
  'utf8-replacement',
  'stream-extra-text-block',
  // tools
  'args-double-encoded',
  'parallel-first-only',
  'whitespace-swallows-tool',
  'text-tool-overlap',
  'noarg-null',
  'tool-name-prefix',
  'forced-tool-end-turn',
  'auto-tool-end-turn',
  // thinking
  'drop-reasoning',
  'no-signature',
  'reasoning-as-text',
  'thinking-unrequested',
  'thinking-overlap',
  'reject-thinking-history',
  'reject-redacted-thinking',
  // stop, usage
  'drop-stop-sequences',
  'stop-sequence-as-end-turn',
  'cache-double-count',
  'count-tokens-off',
  // behaviour, pass-through
  'no-upstream-cancel',
  'forward-billing-header',
  'concurrency-limit-500',
  'probe-400',
  'cc-fallback-500',
] as const;

export type ScriptedDefect = (typeof SCRIPTED_DEFECTS)[number];

export interface ScriptedGateway {
  /** `http://127.0.0.1:<port>`, as ANTHROPIC_BASE_URL. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly defects: readonly ScriptedDefect[];
  /** The upstream. */
  readonly emulator: RunningEmulator;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const SERVED_MODEL = 'local-model';
const CONTEXT_WINDOW = 32_768;
const BODY_LIMIT = 32 * 1024 * 1024;
const PING_EVERY_MS = 1_000;
const BILLING_PREFIX = 'x-anthropic-billing-header';
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'overloaded_error',
  529: 'overloaded_error',
};

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

// ─── Request translation (Anthropic → OpenAI chat) ───────────────────────────

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b) => (isObject(b) && b['type'] === 'text' && typeof b['text'] === 'string' ? b['text'] : '')).join('\n');
}

interface Translated {
  readonly body: Json;
  readonly thinking: boolean;
  readonly forcedTool: boolean;
  readonly systemText: string;
}

function translateRequest(req: Json, has: (d: ScriptedDefect) => boolean): Translated {
  const systemParts: string[] = [];
  const system = req['system'];
  const blocks = typeof system === 'string' ? [{ type: 'text', text: system }] : Array.isArray(system) ? system.filter(isObject) : [];
  for (const b of blocks) {
    const text = typeof b['text'] === 'string' ? b['text'] : '';
    // vLLM's converter drops Claude Code's rotating attribution block, keeping prefix caches warm.
    if (text.startsWith(BILLING_PREFIX) && !has('forward-billing-header')) continue;
    systemParts.push(text);
  }
  const out: Json[] = [];
  for (const m of (req['messages'] as unknown[]).filter(isObject)) {
    const content = m['content'];
    if (m['role'] === 'system') {
      systemParts.push(textOf(content));
      continue;
    }
    const list = Array.isArray(content) ? content.filter(isObject) : [];
    if (m['role'] === 'assistant') {
      if (list.some((b) => b['type'] === 'thinking') && has('reject-thinking-history')) throw new GatewayError(400, 'messages: thinking blocks are not supported in history');
      if (list.some((b) => b['type'] === 'redacted_thinking') && has('reject-redacted-thinking')) throw new GatewayError(400, "messages: Input tag 'redacted_thinking' is not supported");
      const calls = list.filter((b) => b['type'] === 'tool_use').map((b) => ({ id: b['id'], type: 'function', function: { name: b['name'], arguments: JSON.stringify(b['input'] ?? {}) } }));
      const reasoning = list.filter((b) => b['type'] === 'thinking').map((b) => String(b['thinking'] ?? '')).join('');
      out.push({
        role: 'assistant',
        content: typeof content === 'string' ? content : textOf(list),
        ...(calls.length > 0 ? { tool_calls: calls } : {}),
        ...(reasoning !== '' ? { reasoning_content: reasoning } : {}),
      });
      continue;
    }
    for (const b of list.filter((x) => x['type'] === 'tool_result')) out.push({ role: 'tool', tool_call_id: b['tool_use_id'], content: typeof b['content'] === 'string' ? b['content'] : textOf(b['content']) });
    const text = typeof content === 'string' ? content : textOf(list.filter((b) => b['type'] === 'text'));
    if (typeof content === 'string' || list.some((b) => b['type'] === 'text')) out.push({ role: 'user', content: text });
  }
  const systemText = systemParts.join('\n');
  const messages = systemText !== '' ? [{ role: 'system', content: systemText }, ...out] : out;
  const tools = Array.isArray(req['tools']) ? req['tools'].filter(isObject) : [];
  const choice = isObject(req['tool_choice']) ? req['tool_choice'] : null;
  const body: Json = {
    model: SERVED_MODEL,
    messages,
    max_tokens: req['max_tokens'],
    ...(typeof req['temperature'] === 'number' ? { temperature: req['temperature'] } : {}),
    ...(typeof req['top_p'] === 'number' ? { top_p: req['top_p'] } : {}),
    ...(Array.isArray(req['stop_sequences']) && !has('drop-stop-sequences') ? { stop: req['stop_sequences'] } : {}),
    ...(tools.length > 0 ? { tools: tools.map((t) => ({ type: 'function', function: { name: t['name'], description: t['description'] ?? '', parameters: t['input_schema'] ?? {} } })) } : {}),
    ...(req['stream'] === true ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
  if (choice?.['type'] === 'tool') body['tool_choice'] = { type: 'function', function: { name: choice['name'] } };
  else if (choice?.['type'] === 'any') body['tool_choice'] = 'required';
  else if (choice?.['type'] === 'none') body['tool_choice'] = 'none';
  const thinking = isObject(req['thinking']) && (req['thinking']['type'] === 'enabled' || req['thinking']['type'] === 'adaptive');
  return { body, thinking, forcedTool: choice?.['type'] === 'tool', systemText };
}

/** Claude Code parses exactly these two wordings; vLLM's own are translated into them. */
function overflowMessage(upstream: string, promptTokens: number): string | null {
  const window = /maximum context length is (\d+)/.exec(upstream) ?? /max_model_len=(?:max_total_tokens=)?(\d+)/.exec(upstream);
  const requested = /you requested (\d+) output tokens/.exec(upstream) ?? /max_tokens=(\d+) cannot/.exec(upstream);
  if (!window || !requested) return null;
  const limit = Number(window[1]);
  if (promptTokens > limit) return `prompt is too long: ${promptTokens} tokens > ${limit} maximum`;
  return `input length and \`max_tokens\` exceed context limit: ${promptTokens} + ${Number(requested[1])} > ${limit}, decrease input length or \`max_tokens\` and try again`;
}

/** The request with every `[[emulate …]]` removed from message text. */
function withoutDirectives(req: Json): Json {
  const strip = (text: string): string => text.replace(/\[\[emulate[\s\S]*?\]\](?!\])/g, '').trimEnd();
  const clean = (content: unknown): unknown =>
    typeof content === 'string' ? strip(content) : Array.isArray(content) ? content.map((b) => (isObject(b) && typeof b['text'] === 'string' ? { ...b, text: strip(b['text']) } : b)) : content;
  return { ...req, messages: (req['messages'] as unknown[]).map((m) => (isObject(m) ? { ...m, content: clean(m['content']) } : m)) };
}

// ─── Start ───────────────────────────────────────────────────────────────────

export interface ScriptedGatewayOptions {
  readonly defects?: readonly ScriptedDefect[];
  readonly apiKey?: string;
  /**
   * Strip `[[emulate …]]` from every message before forwarding: the
   * upstream then behaves like a real model that ignores directives.
   */
  readonly ignoreDirectives?: boolean;
}

/** Start the emulator and the gateway in front of it, both on 127.0.0.1 and ephemeral ports. */
export async function startScriptedGateway(options: ScriptedGatewayOptions = {}): Promise<ScriptedGateway> {
  const defects = [...(options.defects ?? [])];
  const has = (d: ScriptedDefect): boolean => defects.includes(d);
  const apiKey = options.apiKey ?? 'sk-scripted-gateway-test-key';
  const upstreamKey = `upstream-${randomBytes(6).toString('hex')}`;
  const emulator = await startEmulator({ port: 0, servedModelName: SERVED_MODEL, maxModelLen: CONTEXT_WINDOW, apiKey: upstreamKey, timing: { ttftMs: 0, itlMs: 0 } });
  const seenPrefixes = new Set<string>();
  let inFlight = 0;

  const sendError = (res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void => {
    if (res.headersSent) return void res.destroy();
    const type = has('all-errors-api-error') ? 'api_error' : (ERROR_TYPES[status] ?? (status < 500 ? 'invalid_request_error' : 'api_error'));
    const text = has('stack-traces') ? `${message}\n    at handle (/srv/gateway/dist/server.js:120:11)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)` : message;
    const body = has('openai-errors') ? { error: { message: text, type, param: null, code: String(status) } } : { type: 'error', error: { type, message: text }, request_id: `req_${randomBytes(8).toString('hex')}` };
    const forwarded = has('drop-retry-after') ? {} : headers;
    res.writeHead(status, { ...forwarded, 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const upstream = (body: Json, signal: AbortSignal): Promise<Response> =>
    fetch(`${emulator.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${upstreamKey}` },
      body: JSON.stringify(body),
      signal,
    });

  /** An upstream error as the client should see it. */
  const upstreamError = async (up: Response, promptTokens: number): Promise<GatewayError> => {
    const raw = await up.text();
    let message = raw;
    try {
      const parsed = JSON.parse(raw) as { error?: { message?: string } };
      message = parsed.error?.message ?? raw;
    } catch {
      // Not JSON: forward the text.
    }
    const retry = up.headers.get('retry-after');
    const headers = retry !== null ? { 'retry-after': retry } : {};
    if (has('wrap-upstream-errors')) return new GatewayError(500, `All target providers failed: ${raw}`, headers);
    const overflow = up.status === 400 && !has('context-error-raw') ? overflowMessage(message, promptTokens) : null;
    return new GatewayError(up.status, overflow ?? message, headers);
  };

  const handleMessages = async (res: http.ServerResponse, parsed: Json): Promise<void> => {
    const model = parsed['model'];
    if (typeof model !== 'string') throw new GatewayError(400, 'model: Field required');
    if (!model.startsWith('claude') && model !== SERVED_MODEL) {
      if (has('unknown-model-400')) throw new GatewayError(400, `invalid model: ${model}`);
      throw new GatewayError(404, `model: ${model}`);
    }
    if (!Array.isArray(parsed['messages']) || parsed['messages'].length === 0) throw new GatewayError(400, 'messages: Field required');
    const maxTokens = parsed['max_tokens'];
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) throw new GatewayError(400, 'max_tokens: Field required');
    if (maxTokens === 1 && has('probe-400')) throw new GatewayError(400, 'max_tokens: must be at least 16 for this provider');
    if (has('cc-fallback-500') && parsed['stream'] !== true && 'context_management' in parsed) throw new GatewayError(500, 'Provider error: undefined');
    const t = translateRequest(options.ignoreDirectives ? withoutDirectives(parsed) : parsed, has);
    const promptTokens = countPromptTokens({ messages: t.body['messages'], tools: t.body['tools'] });
    // Prompt caching as a prefix cache reports it: a long system prompt seen before is read from cache.
    const cacheKey = t.systemText.length >= 4000 ? createHash('sha256').update(t.systemText).digest('hex') : null;
    const cached = cacheKey !== null && seenPrefixes.has(cacheKey) ? countPromptTokens({ messages: [{ role: 'system', content: t.systemText }] }) : 0;
    if (cacheKey !== null) seenPrefixes.add(cacheKey);
    const usageIn = { input_tokens: has('cache-double-count') ? promptTokens : promptTokens - cached, cache_creation_input_tokens: 0, cache_read_input_tokens: cached };

    const abort = new AbortController();
    const clientGone = (): void => {
      if (!has('no-upstream-cancel')) abort.abort();
    };
    res.once('close', clientGone);
    const stream = parsed['stream'] === true;
    let up: Response;
    try {
      up = await upstream(t.body, abort.signal);
    } catch (err) {
      throw new GatewayError(502, `upstream unreachable: ${String(err)}`);
    }
    if (up.status !== 200) {
      const err = await upstreamError(up, promptTokens);
      if (stream && has('stream-error-after-start')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(frame('message_start', { type: 'message_start', message: startMessage(model, usageIn) }));
        res.end(frame('error', { type: 'error', error: { type: ERROR_TYPES[err.status] ?? 'api_error', message: err.message } }));
        return;
      }
      throw err;
    }
    if (!stream) {
      const json = (await up.json()) as Json;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(wholeMessage(model, json, t, usageIn, has)));
      return;
    }
    await streamMessage(res, up, model, t, usageIn, has);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size <= BODY_LIMIT) chunks.push(c);
    }
    const url = new URL(req.url ?? '/', 'http://gateway.test');
    if (req.method !== 'POST' || (url.pathname !== '/v1/messages' && url.pathname !== '/v1/messages/count_tokens')) {
      return sendError(res, 404, `no route ${req.method ?? ''} ${url.pathname}`);
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers['authorization'] ?? '')?.[1];
    if ((req.headers['x-api-key'] ?? bearer) !== apiKey) return sendError(res, 401, 'invalid x-api-key');
    if (size > BODY_LIMIT) {
      if (has('oversized-reset')) return void res.destroy();
      if (has('html-413')) {
        res.writeHead(413, { 'content-type': 'text/html' });
        return void res.end('<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center></body></html>');
      }
      return sendError(res, 413, `request body of ${size} bytes exceeds the ${BODY_LIMIT}-byte limit`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return sendError(res, has('json-error-500') ? 500 : 400, 'request body is not valid JSON');
    }
    if (!isObject(parsed)) return sendError(res, 400, 'request body must be a JSON object');
    if (url.pathname === '/v1/messages/count_tokens') {
      const t = translateRequest({ ...parsed, messages: Array.isArray(parsed['messages']) ? parsed['messages'] : [] }, has);
      const n = countPromptTokens({ messages: t.body['messages'], tools: t.body['tools'] });
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ input_tokens: has('count-tokens-off') ? Math.round(n / 2) : n }));
    }
    inFlight += 1;
    try {
      if (has('concurrency-limit-500') && inFlight > 2) throw new GatewayError(500, 'too many requests in flight');
      await handleMessages(res, parsed);
    } finally {
      inFlight -= 1;
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof GatewayError) sendError(res, err.status, err.message, err.headers);
      else if (!res.headersSent) sendError(res, 500, err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    defects,
    emulator,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await emulator.close();
    },
  };
}

// ─── Responses ───────────────────────────────────────────────────────────────

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function startMessage(model: string, usageIn: Json): Json {
  return { id: `msg_${randomBytes(10).toString('hex')}`, type: 'message', role: 'assistant', content: [], model, stop_reason: null, stop_sequence: null, usage: { ...usageIn, output_tokens: 0 } };
}

function signatureOf(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

function toolId(upstreamId: unknown): string {
  return `toolu_${String(upstreamId ?? randomBytes(6).toString('hex')).replace(/[^a-zA-Z0-9_-]/g, '')}`;
}

function toolName(name: unknown, has: (d: ScriptedDefect) => boolean): string {
  return has('tool-name-prefix') ? `functions.${String(name)}` : String(name);
}

function stopReasonOf(finish: unknown, stopString: unknown, tools: number, t: Translated, has: (d: ScriptedDefect) => boolean): { reason: string; sequence: string | null } {
  if (tools > 0) {
    if (t.forcedTool && has('forced-tool-end-turn')) return { reason: 'end_turn', sequence: null };
    if (!t.forcedTool && has('auto-tool-end-turn')) return { reason: 'end_turn', sequence: null };
    return { reason: 'tool_use', sequence: null };
  }
  if (finish === 'length') return { reason: 'max_tokens', sequence: null };
  if (typeof stopString === 'string' && !has('stop-sequence-as-end-turn')) return { reason: 'stop_sequence', sequence: stopString };
  return { reason: 'end_turn', sequence: null };
}

function corrupt(text: string, has: (d: ScriptedDefect) => boolean): string {
  // A gateway that decodes each network chunk on its own turns split characters into U+FFFD.
  return has('utf8-replacement') ? text.replace(/[^\u0000-\u00ff]/gu, '\uFFFD') : text;
}

function wholeMessage(model: string, json: Json, t: Translated, usageIn: Json, has: (d: ScriptedDefect) => boolean): Json {
  const choice = Array.isArray(json['choices']) && isObject(json['choices'][0]) ? json['choices'][0] : {};
  const message = isObject(choice['message']) ? choice['message'] : {};
  const content: Json[] = [];
  const reasoning = typeof message['reasoning_content'] === 'string' ? message['reasoning_content'] : '';
  const showThinking = reasoning !== '' && !has('drop-reasoning') && !has('reasoning-as-text') && (t.thinking || has('thinking-unrequested'));
  if (showThinking) content.push({ type: 'thinking', thinking: reasoning, ...(has('no-signature') ? {} : { signature: signatureOf(reasoning) }) });
  const text = `${has('reasoning-as-text') && reasoning !== '' ? `<think>${reasoning}</think>` : ''}${typeof message['content'] === 'string' ? message['content'] : ''}`;
  const calls = Array.isArray(message['tool_calls']) ? message['tool_calls'].filter(isObject) : [];
  if (text !== '') content.push({ type: 'text', text: corrupt(text, has) });
  for (const c of has('parallel-first-only') ? calls.slice(0, 1) : calls) {
    const fn = isObject(c['function']) ? c['function'] : {};
    const args = typeof fn['arguments'] === 'string' ? fn['arguments'] : '{}';
    let input: unknown = JSON.parse(args === '' ? '{}' : args);
    if (has('args-double-encoded')) input = args;
    if (has('noarg-null') && isObject(input) && Object.keys(input).length === 0) input = null;
    content.push({ type: 'tool_use', id: toolId(c['id']), name: toolName(fn['name'], has), input });
  }
  const stop = stopReasonOf(choice['finish_reason'], choice['stop_reason'], calls.length, t, has);
  const usage = isObject(json['usage']) ? json['usage'] : {};
  return {
    id: `msg_${randomBytes(10).toString('hex')}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stop.reason,
    stop_sequence: stop.sequence,
    usage: { ...usageIn, output_tokens: Number(usage['completion_tokens'] ?? 0) },
  };
}

/** Parse upstream SSE `data:` payloads as they arrive. */
async function* upstreamChunks(up: Response): AsyncGenerator<Json | 'done'> {
  const reader = up.body?.getReader();
  if (!reader) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let at: number;
    while ((at = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (data === '[DONE]') yield 'done';
      else if (data !== '') yield JSON.parse(data) as Json;
    }
  }
}

async function streamMessage(
  res: http.ServerResponse,
  up: Response,
  model: string,
  t: Translated,
  usageIn: Json,
  has: (d: ScriptedDefect) => boolean,
): Promise<void> {
  const held: string[] = [];
  const buffered = has('buffered-stream');
  let opened = false;
  const open = (): void => {
    if (opened) return;
    opened = true;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
  };
  const write = (event: string, data: unknown): void => {
    const text = frame(event, data);
    if (res.destroyed) return;
    if (buffered) held.push(text);
    else {
      open();
      res.write(text);
    }
  };
  const start = (): void => {
    write('message_start', { type: 'message_start', message: startMessage(model, usageIn) });
    write('ping', { type: 'ping' });
  };
  if (!has('late-message-start')) start();
  let started = !has('late-message-start');
  let sawContent = false;
  const pinger = has('no-pings') ? null : setInterval(() => {
    if (started && !sawContent && !res.destroyed) write('ping', { type: 'ping' });
  }, PING_EVERY_MS);

  let index = -1;
  let openBlock: 'thinking' | 'text' | 'tool' | null = null;
  const unclosed: number[] = [];
  let reasoning = '';
  let whitespaceText = true;
  let textSeen = false;
  const toolIndex = new Map<number, number>();
  /** Arguments held back per block, for the double-encoding defect (sent whole, as a string, at close). */
  const heldArgs = new Map<number, string>();
  let finish: unknown = null;
  let stopString: unknown = null;
  let outputTokens = 0;
  let ended = false;

  const close = (): void => {
    if (openBlock === null) return;
    const args = heldArgs.get(index);
    if (openBlock === 'tool' && args !== undefined) {
      write('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(args) } });
    }
    if (openBlock === 'thinking' && !has('no-signature')) {
      write('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: signatureOf(reasoning) } });
    }
    const keepOpen = (openBlock === 'thinking' && has('thinking-overlap')) || (openBlock === 'text' && has('text-tool-overlap'));
    if (keepOpen) unclosed.push(index);
    else write('content_block_stop', { type: 'content_block_stop', index });
    openBlock = null;
  };
  const begin = (kind: 'thinking' | 'text' | 'tool', block: Json): void => {
    close();
    index += 1;
    openBlock = kind;
    write('content_block_start', { type: 'content_block_start', index, content_block: block });
  };
  const finishStream = (): void => {
    if (ended) return;
    ended = true;
    close();
    for (const i of unclosed) write('content_block_stop', { type: 'content_block_stop', index: i });
    const stop = stopReasonOf(finish, stopString, toolIndex.size, t, has);
    write('message_delta', { type: 'message_delta', delta: { stop_reason: stop.reason, stop_sequence: stop.sequence }, usage: { ...usageIn, output_tokens: outputTokens } });
    write('message_stop', { type: 'message_stop' });
  };

  try {
    if (has('stream-extra-text-block')) {
      begin('text', { type: 'text', text: '' });
      close();
    }
    for await (const chunk of upstreamChunks(up)) {
      if (chunk === 'done') {
        finishStream();
        continue;
      }
      if (!started) {
        start();
        started = true;
      }
      const usage = isObject(chunk['usage']) ? chunk['usage'] : null;
      if (usage) outputTokens = Number(usage['completion_tokens'] ?? outputTokens);
      const choice = Array.isArray(chunk['choices']) && isObject(chunk['choices'][0]) ? chunk['choices'][0] : null;
      if (!choice) continue;
      const delta = isObject(choice['delta']) ? choice['delta'] : {};
      const r = delta['reasoning_content'];
      if (typeof r === 'string' && r !== '') {
        sawContent = true;
        if (has('reasoning-as-text')) {
          if (openBlock !== 'text') begin('text', { type: 'text', text: '' });
          write('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: reasoning === '' ? `<think>${r}` : r } });
          reasoning += r;
        } else if (!has('drop-reasoning') && (t.thinking || has('thinking-unrequested'))) {
          if (openBlock !== 'thinking') begin('thinking', { type: 'thinking', thinking: '', signature: '' });
          reasoning += r;
          write('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: r } });
        }
      }
      const c = delta['content'];
      if (typeof c === 'string' && c !== '') {
        sawContent = true;
        if (openBlock !== 'text') begin('text', { type: 'text', text: '' });
        const prefix = has('reasoning-as-text') && reasoning !== '' && !textSeen ? '</think>' : '';
        textSeen = true;
        if (c.trim() !== '') whitespaceText = false;
        write('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: corrupt(prefix + c, has) } });
      }
      const calls = Array.isArray(delta['tool_calls']) ? delta['tool_calls'].filter(isObject) : [];
      for (const call of calls) {
        const n = typeof call['index'] === 'number' ? call['index'] : 0;
        if (n > 0 && has('parallel-first-only')) continue;
        if (textSeen && whitespaceText && has('whitespace-swallows-tool')) continue;
        sawContent = true;
        const fn = isObject(call['function']) ? call['function'] : {};
        if (!toolIndex.has(n)) {
          begin('tool', { type: 'tool_use', id: toolId(call['id']), name: toolName(fn['name'], has), input: {} });
          toolIndex.set(n, index);
          if (has('args-double-encoded')) heldArgs.set(index, '');
        }
        const at = toolIndex.get(n) ?? index;
        const args = typeof fn['arguments'] === 'string' ? fn['arguments'] : '';
        if (args === '') continue;
        const held = heldArgs.get(at);
        if (held !== undefined) {
          heldArgs.set(at, held + args);
          continue;
        }
        const partial = has('noarg-null') && args === '{}' ? 'null' : args;
        write('content_block_delta', { type: 'content_block_delta', index: at, delta: { type: 'input_json_delta', partial_json: partial } });
      }
      if (choice['finish_reason'] !== null && choice['finish_reason'] !== undefined) {
        finish = choice['finish_reason'];
        stopString = choice['stop_reason'];
      }
    }
    if (!ended) throw new Error('upstream stream ended without [DONE]');
  } catch (err) {
    if (res.destroyed) return;
    if (has('midstream-drop')) return void res.destroy();
    if (has('midstream-silent-stop')) finishStream();
    else write('error', { type: 'error', error: { type: 'api_error', message: `upstream connection lost: ${err instanceof Error ? err.message : String(err)}` } });
  } finally {
    if (pinger) clearInterval(pinger);
  }
  if (buffered) {
    open();
    res.write(held.join(''));
  }
  if (!res.destroyed) res.end();
}
