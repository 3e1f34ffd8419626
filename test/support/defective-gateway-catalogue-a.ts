/**
 * The defective gateway's behaviour for catalogue areas T, R, N, C and M
 * (conformance.md §5): routes beyond POST /v1/messages (count_tokens,
 * /v1/models, HEAD), auth variants, request rejections real gateways make,
 * stream delivery (pacing, buffering, gzip), and the defects of each.
 * defective-gateway.ts calls in here through a few hooks; everything is
 * correct unless a defect is named.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import zlib from 'node:zlib';
import type { Defect } from './defective-gateway.ts';

/** Defects of catalogue areas T, R, N, C, M, and the context window check. */
export const CATALOGUE_A_DEFECTS = [
  // transport and auth
  'no-bearer-auth',
  'no-x-api-key-auth',
  'reject-both-auth-headers',
  'reject-unknown-beta',
  'reject-unknown-headers',
  'head-hangs',
  'buffered-stream',
  'no-request-id',
  'no-sse-cache-headers',
  'no-x-accel-buffering',
  'gzip-buffered-stream',
  /** Not a defect: gzip with a flush after every frame (T11 must pass). */
  'gzip-flushed-stream',
  'body-limit-1mb-html',
  'body-limit-4mb-json',
  // request tolerance
  'reject-text-block-array',
  'reject-cache-control',
  'reject-metadata',
  'reject-system-role',
  'reject-system-role-retryable',
  'reject-system-role-string',
  'reject-thinking-adaptive',
  'empty-answer-with-thinking',
  'reject-thinking-history',
  'reject-tool-result-array',
  'reject-tool-extra-fields',
  'reject-tool-choice-auto',
  'ignore-stop-sequences',
  'stop-sequence-as-end-turn',
  'reject-stop-sequences',
  'reject-context-management',
  'media-block-500',
  'context-32k',
  'context-8k',
  'context-32k-anthropic-error',
  'reject-max-tokens-1',
  'reject-top-k',
  'unknown-model-400-openai',
  'unknown-model-404',
  'reject-empty-text',
  'reject-unknown-blocks',
  'reject-unknown-fields',
  // response shape
  'thinking-last',
  'empty-text-block',
  'extra-response-keys',
  // count_tokens
  'no-count-tokens',
  'count-tokens-500',
  'count-tokens-zero',
  'count-tokens-ignores-system-tools',
  'count-tokens-reject-system-role',
  'count-tokens-serial',
  // models
  'no-models',
  'openai-models-list',
  'models-redirect',
  'models-by-id-broken',
] as const;

type Json = Record<string, unknown>;
type Has = (d: Defect) => boolean;

/** A complete answer the handler writes as is. */
export interface RawReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function newRequestId(): string {
  return `req_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/** The request-id header, unless the defect drops it. */
export function requestIdHeader(has: Has, requestId = newRequestId()): Record<string, string> {
  return has('no-request-id') ? {} : { 'request-id': requestId };
}

function json(status: number, body: unknown, has: Has): RawReply {
  return { status, headers: { 'content-type': 'application/json', ...requestIdHeader(has) }, body: JSON.stringify(body) };
}

/** An Anthropic error envelope. */
export function anthropicError(status: number, type: string, message: string, has: Has): RawReply {
  return json(status, { type: 'error', error: { type, message }, request_id: newRequestId() }, has);
}

// ─── auth ─────────────────────────────────────────────────────────────────────

/** Null when the request may proceed, else the refusal. The clean gateway takes the key as x-api-key or Bearer. */
export function authRefusal(headers: http.IncomingHttpHeaders, apiKey: string, has: Has): RawReply | null {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '')?.[1];
  const xApiKey = headers['x-api-key'];
  if (has('reject-both-auth-headers') && xApiKey !== undefined && bearer !== undefined) {
    return anthropicError(401, 'authentication_error', 'send either x-api-key or Authorization, not both', has);
  }
  let key: string | string[] | undefined;
  if (has('no-bearer-auth')) key = xApiKey;
  else if (has('no-x-api-key-auth')) key = bearer;
  else key = xApiKey ?? bearer;
  return key === apiKey ? null : anthropicError(401, 'authentication_error', 'invalid x-api-key', has);
}

// ─── routes other than POST /v1/messages ───────────────────────────────────────

/** What the extra routes need from the gateway. */
export interface RouteContext {
  readonly method: string;
  readonly url: URL;
  readonly raw: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly apiKey: string;
  readonly models: readonly string[];
  readonly has: Has;
  /** Serialises count_tokens calls under 'count-tokens-serial'. */
  readonly queue: { tail: Promise<void> };
}

const NGINX_413 = '<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** A body-size refusal, checked before anything else (as a proxy in front would). */
export function bodyLimitRefusal(raw: string, has: Has): RawReply | null {
  const bytes = Buffer.byteLength(raw);
  if (has('body-limit-1mb-html') && bytes > 1024 * 1024) return { status: 413, headers: { 'content-type': 'text/html' }, body: NGINX_413 };
  if (has('body-limit-4mb-json') && bytes > 4 * 1024 * 1024) {
    return anthropicError(413, 'request_too_large', `request body of ${bytes} bytes exceeds the 4 MB limit`, has);
  }
  return null;
}

function modelInfo(id: string): Json {
  return { type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' };
}

function estimate(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function countTokens(ctx: RouteContext): Promise<RawReply> {
  const { has } = ctx;
  if (has('no-count-tokens') || (has('no-beta-query') && ctx.url.search !== '')) {
    return anthropicError(404, 'not_found_error', `Route POST ${ctx.url.pathname}${ctx.url.search} not found`, has);
  }
  if (has('count-tokens-serial')) {
    // One call at a time, as when counting runs through the generation queue.
    const turn = ctx.queue.tail.then(() => sleep(60));
    ctx.queue.tail = turn;
    await turn;
  }
  let body: unknown;
  try {
    body = JSON.parse(ctx.raw);
  } catch {
    return anthropicError(400, 'invalid_request_error', 'request body is not valid JSON', has);
  }
  if (!isObject(body) || typeof body['model'] !== 'string' || !Array.isArray(body['messages']) || body['messages'].length === 0) {
    return anthropicError(400, 'invalid_request_error', 'model and a non-empty messages list are required', has);
  }
  if (has('count-tokens-500')) return anthropicError(500, 'api_error', 'Internal server error', has);
  const messages = body['messages'] as unknown[];
  if (has('count-tokens-reject-system-role') && messages.some((m) => isObject(m) && m['role'] === 'system')) {
    return anthropicError(400, 'invalid_request_error', "messages: Input should be 'user' or 'assistant'", has);
  }
  if (has('count-tokens-zero')) return json(200, { input_tokens: 0 }, has);
  const counted = has('count-tokens-ignores-system-tools') ? [messages] : [body['system'], messages, body['tools']];
  return json(200, { input_tokens: estimate(counted) }, has);
}

function models(ctx: RouteContext): RawReply {
  const { has } = ctx;
  const path = ctx.url.pathname;
  if (has('no-models')) return anthropicError(404, 'not_found_error', `Route GET ${path} not found`, has);
  if (path === '/v1/models') {
    if (has('models-redirect')) return { status: 307, headers: { location: '/v1/models/', 'content-type': 'text/plain' }, body: 'Redirecting' };
    if (has('openai-models-list')) {
      return json(200, { object: 'list', data: [{ id: 'Qwen/Qwen2.5-Coder-32B-Instruct', object: 'model', created: 1_700_000_000, owned_by: 'vllm' }] }, has);
    }
    const data = ctx.models.map(modelInfo);
    return json(200, { data, has_more: false, first_id: ctx.models[0] ?? null, last_id: ctx.models.at(-1) ?? null }, has);
  }
  if (has('models-by-id-broken')) return { status: 500, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>500 Internal Server Error</h1></body></html>' };
  const id = decodeURIComponent(path.slice('/v1/models/'.length));
  return ctx.models.includes(id) ? json(200, modelInfo(id), has) : anthropicError(404, 'not_found_error', `model: ${id}`, has);
}

/**
 * Answer HEAD, count_tokens and /v1/models. Null for anything else (the
 * gateway then routes it). 'hang' means: never answer.
 */
export async function extraRoute(ctx: RouteContext): Promise<RawReply | 'hang' | null> {
  const path = ctx.url.pathname;
  if (ctx.method === 'HEAD') return ctx.has('head-hangs') ? 'hang' : null;
  const isCount = ctx.method === 'POST' && path === '/v1/messages/count_tokens';
  const isModels = ctx.method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'));
  if (!isCount && !isModels) return null;
  const refused = authRefusal(ctx.headers, ctx.apiKey, ctx.has);
  if (refused && !ctx.has('no-auth-check')) return refused;
  return isCount ? countTokens(ctx) : models(ctx);
}

// ─── request rejections ────────────────────────────────────────────────────────

const KNOWN_TOP_LEVEL = new Set([
  'model', 'messages', 'max_tokens', 'system', 'stream', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'metadata',
  'tools', 'tool_choice', 'thinking', 'output_config', 'cache_control', 'context_management',
]);
const KNOWN_BLOCKS = new Set(['text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking']);
const KNOWN_TOOL_KEYS = new Set(['name', 'description', 'input_schema', 'cache_control']);
const KNOWN_BETAS = new Set(['claude-code-20250219', 'interleaved-thinking-2025-05-14', 'context-management-2025-06-27']);

/** Every content block of every message (and of tool_result contents), with its message's role. */
function blocksOf(messages: readonly unknown[]): { role: unknown; block: Json }[] {
  const out: { role: unknown; block: Json }[] = [];
  for (const m of messages) {
    if (!isObject(m) || !Array.isArray(m['content'])) continue;
    for (const b of m['content']) {
      if (!isObject(b)) continue;
      out.push({ role: m['role'], block: b });
      if (b['type'] === 'tool_result' && Array.isArray(b['content'])) {
        for (const inner of b['content']) if (isObject(inner)) out.push({ role: m['role'], block: inner });
      }
    }
  }
  return out;
}

function invalid(message: string, has: Has): RawReply {
  return anthropicError(400, 'invalid_request_error', message, has);
}

/** The context window a defect gives the gateway, in (estimated) tokens. */
function contextWindow(has: Has): number | null {
  if (has('context-8k')) return 8192;
  if (has('context-32k') || has('context-32k-anthropic-error')) return 32_768;
  return null;
}

function contextRefusal(body: Json, has: Has): RawReply | null {
  const window = contextWindow(has);
  const maxTokens = body['max_tokens'];
  if (window === null || typeof maxTokens !== 'number') return null;
  const prompt = estimate([body['system'], body['messages'], body['tools']]);
  if (prompt + maxTokens <= window) return null;
  if (has('context-32k-anthropic-error')) {
    return prompt > window
      ? invalid(`prompt is too long: ${prompt} tokens > ${window} maximum`, has)
      : invalid(`input length and \`max_tokens\` exceed context limit: ${prompt} + ${maxTokens} > ${window}, decrease input length or \`max_tokens\` and try again`, has);
  }
  if (maxTokens > window) {
    return invalid(`max_tokens=${maxTokens} cannot be greater than max_model_len=max_total_tokens=${window}. Please request fewer output tokens.`, has);
  }
  return invalid(
    `This model's maximum context length is ${window} tokens. However, you requested ${maxTokens} output tokens and your prompt contains ${prompt} input tokens, for a total of ${prompt + maxTokens} tokens. Please reduce the length of the input prompt or the number of requested output tokens.`,
    has,
  );
}

/**
 * What a defective gateway refuses in a parsed /v1/messages body (before
 * the ordinary validation). Null when the defects let it through.
 */
export function requestRefusal(body: unknown, headers: http.IncomingHttpHeaders, models: readonly string[], has: Has): RawReply | null {
  const beta = String(headers['anthropic-beta'] ?? '');
  if (has('reject-unknown-beta') && beta !== '') {
    const unknown = beta.split(',').map((s) => s.trim()).filter((s) => s !== '' && !KNOWN_BETAS.has(s));
    if (unknown.length > 0) return invalid(`Unexpected value(s) \`${unknown.join('`, `')}\` for the \`anthropic-beta\` header`, has);
  }
  if (has('reject-unknown-headers')) {
    const extra = Object.keys(headers).find((h) => h.startsWith('x-stainless-') || h.startsWith('x-claude-code-') || h === 'anthropic-dangerous-direct-browser-access');
    if (extra) return invalid(`unsupported header: ${extra}`, has);
  }
  if (!isObject(body)) return null;
  const messages = Array.isArray(body['messages']) ? (body['messages'] as unknown[]) : [];
  const blocks = blocksOf(messages);
  const tools = Array.isArray(body['tools']) ? body['tools'].filter(isObject) : [];

  if (has('reject-unknown-fields')) {
    const extra = Object.keys(body).filter((k) => !KNOWN_TOP_LEVEL.has(k));
    if (extra.length > 0) return invalid(`${extra[0] ?? ''}: Extra inputs are not permitted`, has);
  }
  if (has('reject-metadata') && 'metadata' in body) return invalid('metadata: Extra inputs are not permitted', has);
  if (has('reject-context-management') && 'context_management' in body) return invalid('context_management: Extra inputs are not permitted', has);
  if (has('reject-top-k') && 'top_k' in body) return invalid("Unknown parameter: 'top_k'", has);
  if (has('reject-stop-sequences') && 'stop_sequences' in body) return invalid("Unknown parameter: 'stop_sequences'.", has);
  if (has('reject-max-tokens-1') && typeof body['max_tokens'] === 'number' && body['max_tokens'] < 16) {
    return invalid('max_tokens: Input should be greater than or equal to 16', has);
  }
  if (has('reject-cache-control')) {
    const cached = 'cache_control' in body || tools.some((t) => 'cache_control' in t) || blocks.some((b) => 'cache_control' in b.block);
    if (cached) return invalid('cache_control: Extra inputs are not permitted', has);
  }
  const thinking = isObject(body['thinking']) ? body['thinking'] : null;
  if (has('reject-thinking-adaptive') && thinking?.['type'] === 'adaptive') {
    return invalid("thinking.type: Input should be 'enabled' or 'disabled'", has);
  }
  if (has('reject-tool-extra-fields')) {
    for (const [i, t] of tools.entries()) {
      const extra = Object.keys(t).find((k) => !KNOWN_TOOL_KEYS.has(k));
      if (extra) return invalid(`tools.${i}.${extra}: Extra inputs are not permitted`, has);
    }
  }
  const choice = isObject(body['tool_choice']) ? body['tool_choice'] : null;
  if (has('reject-tool-choice-auto') && choice?.['type'] === 'auto') {
    return invalid('"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set', has);
  }
  for (const [i, m] of messages.entries()) {
    if (!isObject(m) || m['role'] !== 'system') continue;
    if (has('reject-system-role')) {
      const detail = [{ type: 'literal_error', loc: ['body', 'messages', i, 'role'], msg: "Input should be 'user' or 'assistant'", input: 'system' }];
      return { status: 422, headers: { 'content-type': 'application/json', ...requestIdHeader(has) }, body: JSON.stringify({ detail }) };
    }
    if (has('reject-system-role-retryable')) return invalid(`messages.${i}: role 'system' is not supported in messages; use the top-level system field`, has);
    if (has('reject-system-role-string') && typeof m['content'] === 'string') return invalid(`messages.${i}.content: Input should be a valid list`, has);
  }
  for (const { role, block } of blocks) {
    const type = block['type'];
    if (has('reject-unknown-blocks') && typeof type === 'string' && !KNOWN_BLOCKS.has(type)) {
      return invalid(`messages: Input tag '${type}' found using 'type' does not match any of the expected tags`, has);
    }
    if (has('reject-text-block-array') && role === 'user' && type === 'text') return invalid('messages.content: Input should be a valid string', has);
    if (has('reject-thinking-history') && (type === 'thinking' || type === 'redacted_thinking')) {
      return invalid("messages.content: Input should be 'text', 'image', 'tool_use' or 'tool_result'", has);
    }
    if (has('reject-tool-result-array') && type === 'tool_result' && Array.isArray(block['content'])) {
      return invalid('messages.content.tool_result.content: Input should be a valid string', has);
    }
    if (has('reject-empty-text') && type === 'text' && block['text'] === '') return invalid('messages: text content blocks must be non-empty', has);
    if (has('media-block-500') && (type === 'image' || type === 'document')) return anthropicError(500, 'api_error', `${String(type)} input is not supported`, has);
  }
  const model = body['model'];
  if (typeof model === 'string' && !models.includes(model)) {
    if (has('unknown-model-400-openai')) return json(400, { error: { code: 400, message: 'model not found', type: 'invalid_request_error' } }, has);
    if (has('unknown-model-404')) return anthropicError(404, 'not_found_error', `model: ${model}`, has);
  }
  return contextRefusal(body, has);
}

// ─── answers ──────────────────────────────────────────────────────────────────

/** Where the first stop sequence cuts `words` (joined by spaces), or null. */
export function stopAt(words: readonly string[], req: Json, has: Has): { words: string[]; sequence: string } | null {
  if (has('ignore-stop-sequences')) return null;
  const sequences = Array.isArray(req['stop_sequences']) ? req['stop_sequences'].filter((s): s is string => typeof s === 'string' && s !== '') : [];
  const text = words.join(' ');
  let best: { at: number; sequence: string } | null = null;
  for (const sequence of sequences) {
    const at = text.indexOf(sequence);
    if (at >= 0 && (best === null || at < best.at)) best = { at, sequence };
  }
  if (best === null) return null;
  const kept = text.slice(0, best.at).trimEnd();
  return { words: kept === '' ? [] : kept.split(' '), sequence: best.sequence };
}

/** A thinking block when the request turns thinking on. */
export function thinkingBlock(req: Json): Json | null {
  const thinking = isObject(req['thinking']) ? req['thinking'] : null;
  const type = thinking?.['type'];
  if (type !== 'enabled' && type !== 'adaptive') return null;
  return { type: 'thinking', thinking: 'The user wants a short answer.', signature: `sig_${randomBytes(16).toString('hex')}` };
}

/** Top-level keys llama.cpp-style servers add to a Message. */
export function shapeMessage(body: Json, has: Has): Json {
  let out = body;
  if (has('thinking-last') && Array.isArray(out['content'])) {
    const content = out['content'] as Json[];
    out = { ...out, content: [...content.filter((b) => b['type'] !== 'thinking'), ...content.filter((b) => b['type'] === 'thinking')] };
  }
  if (has('extra-response-keys')) out = { ...out, system_fingerprint: 'fp_local', timings: { prompt_n: 12, predicted_n: 5, predicted_ms: 40 } };
  return out;
}

// ─── stream delivery ───────────────────────────────────────────────────────────

/** `itl=MS` of an `[[emulate …]]` directive: the pause between frames. */
export function directiveItl(text: string): number {
  const m = /\[\[emulate[^\]]*\bitl=(\d+)/.exec(text);
  return m ? Math.min(Number(m[1]), 1000) : 0;
}

/**
 * Write SSE frames: headers first, then each frame, `itlMs` apart. Defects:
 * everything held until the end; gzip without flushing (or, as a correct
 * variant, gzip flushed per frame) when the client accepts gzip.
 */
export async function writeStream(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  frames: readonly string[],
  itlMs: number,
  has: Has,
): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'text/event-stream', ...requestIdHeader(has) };
  if (!has('no-sse-cache-headers')) {
    headers['cache-control'] = 'no-cache';
    if (!has('no-x-accel-buffering')) headers['x-accel-buffering'] = 'no';
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && (has('gzip-buffered-stream') || has('gzip-flushed-stream'));
  if (has('buffered-stream')) {
    await sleep(itlMs * frames.length);
    res.writeHead(200, headers);
    res.end(frames.join(''));
    return;
  }
  if (gzip) {
    headers['content-encoding'] = 'gzip';
    res.writeHead(200, headers);
    const zip = zlib.createGzip();
    zip.pipe(res);
    for (const frame of frames) {
      zip.write(frame);
      if (has('gzip-flushed-stream')) await new Promise<void>((resolve) => zip.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
      if (itlMs > 0) await sleep(itlMs);
    }
    zip.end();
    return;
  }
  res.writeHead(200, headers);
  for (const frame of frames) {
    res.write(frame);
    if (itlMs > 0) await sleep(itlMs);
  }
  res.end();
}
