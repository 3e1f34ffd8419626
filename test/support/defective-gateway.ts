/**
 * A small, purpose-built Anthropic Messages API server for tests: correct by
 * default, and able to reproduce named defects seen in real gateways
 * (conformance.md §4), one or several at a time. Deterministic answers:
 * a forced tool call returns a tool_use built from the tool's schema,
 * `[[emulate tokens=N]]` / `[[emulate say="…"]]` shape text answers, as the
 * vLLM emulator does.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  authRefusal,
  bodyLimitRefusal,
  CATALOGUE_A_DEFECTS,
  directiveItl,
  extraRoute,
  requestIdHeader,
  requestRefusal,
  shapeMessage,
  stopAt,
  thinkingBlock,
  writeStream,
  type RawReply,
} from './defective-gateway-catalogue-a.ts';

export { CATALOGUE_A_DEFECTS } from './defective-gateway-catalogue-a.ts';

/** Every defect the gateway can reproduce. */
export const DEFECTS = [
  // SSE framing
  'data-only-frames',
  'event-name-mismatch',
  'invalid-json',
  // message_start
  'no-message-start-usage',
  'duplicate-message-start',
  // content blocks
  'delta-before-block-start',
  'blocks-overlap',
  'index-from-one',
  'unclosed-block',
  'wrong-delta-type',
  'incomplete-block-start',
  // message_delta / message_stop
  'no-message-delta',
  'no-delta-usage',
  'no-output-tokens',
  'null-stop-reason',
  'missing-stop-sequence',
  'no-message-stop',
  'duplicate-message-stop',
  'event-after-stop',
  'done-sentinel',
  'stream-error-event',
  // usage and stop reasons
  'zero-usage',
  'openai-stop-reason',
  'ignore-max-tokens',
  // response shape
  'openai-response-shape',
  // tools
  'no-tool-call',
  'tool-input-in-start-only',
  'tool-input-invalid',
  'tool-input-truncated',
  'tool-input-string',
  'bad-tool-id',
  'constant-tool-id',
  'tool-stop-end-turn',
  // request tolerance
  'reject-system-string',
  'reject-system-blocks',
  'reject-tool-result',
  'no-beta-query',
  // errors and auth
  'openai-error-envelope',
  'wrong-error-type',
  'invalid-request-500',
  'accept-invalid-request',
  'no-auth-check',
] as const;

/** Every defect: the core ones above, and those of catalogue areas T/R/N/C/M (see defective-gateway-catalogue-a.ts). */
export type Defect = (typeof DEFECTS)[number] | (typeof CATALOGUE_A_DEFECTS)[number];

export interface DefectiveGatewayOptions {
  readonly defects?: readonly Defect[];
  /** Key the gateway accepts as x-api-key or Bearer (default: a fixed test key). */
  readonly apiKey?: string;
  /** Model ids /v1/models lists and the unknown-model defects accept (default: ['claude-test-model']). */
  readonly models?: readonly string[];
}

/** One request as the gateway received it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface DefectiveGateway {
  /** `http://127.0.0.1:<port>`, as ANTHROPIC_BASE_URL. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly defects: readonly Defect[];
  /** Every request received, in order. */
  readonly requests: readonly ReceivedRequest[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
type Block = Json & { type: string };

interface Answer {
  content: Block[];
  stopReason: string;
  /** The stop sequence that ended the answer, when one did. */
  stopSequence?: string;
  inputTokens: number;
  outputTokens: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const FILLER = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
const OPENAI_STOP: Readonly<Record<string, string>> = { end_turn: 'stop', max_tokens: 'length', tool_use: 'tool_calls', stop_sequence: 'stop' };
const WRONG_ERROR_TYPE: Readonly<Record<number, string>> = { 400: 'BadRequestError', 401: 'AuthenticationError', 404: 'NotFoundError', 500: 'InternalServerError' };

function randomId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/** Text of the last user message (string content or its text blocks). */
function lastUserText(messages: readonly unknown[]): string {
  const last = messages.at(-1);
  if (!isObject(last) || last['role'] !== 'user') return '';
  const content = last['content'];
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b) => (isObject(b) && b['type'] === 'text' && typeof b['text'] === 'string' ? b['text'] : '')).join(' ');
}

function directive(text: string): { tokens?: number; say?: string; tool?: string } {
  const m = /\[\[emulate([^\]]*)\]\]/.exec(text);
  if (!m) return {};
  const body = m[1] ?? '';
  const tokens = /\btokens=(\d+)/.exec(body);
  const say = /\bsay="([^"]*)"/.exec(body);
  const tool = /\btool=([A-Za-z0-9_-]+)/.exec(body);
  return {
    ...(tokens ? { tokens: Number(tokens[1]) } : {}),
    ...(say ? { say: say[1] ?? '' } : {}),
    ...(tool ? { tool: tool[1] ?? '' } : {}),
  };
}

/** A value satisfying a (simple) JSON schema. */
function sampleFromSchema(schema: unknown, name = ''): unknown {
  if (!isObject(schema)) return {};
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  switch (schema['type']) {
    case 'string':
      return name === 'city' ? 'Paris' : 'example';
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    default: {
      const props = isObject(schema['properties']) ? schema['properties'] : {};
      const out: Json = {};
      for (const [key, sub] of Object.entries(props)) out[key] = sampleFromSchema(sub, key);
      return out;
    }
  }
}

function estimateTokens(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));
}

/** Validate like the real API (unless told to accept anything); returns the request with defaults applied. */
function validate(body: unknown, has: (d: Defect) => boolean): Json {
  const lenient = has('accept-invalid-request');
  const invalid = (message: string): never => {
    throw has('invalid-request-500') ? new HttpError(500, 'api_error', `Internal error: ${message}`) : new HttpError(400, 'invalid_request_error', message);
  };
  if (!isObject(body)) return invalid('request body must be a JSON object');
  const req: Json = { ...body };
  if (typeof req['model'] !== 'string') invalid('model: Field required');
  if (typeof req['messages'] === 'string' && lenient) req['messages'] = [{ role: 'user', content: req['messages'] }];
  if (req['max_tokens'] === undefined && lenient) req['max_tokens'] = 256;
  const messages = req['messages'];
  if (!Array.isArray(messages) || messages.length === 0) invalid('messages: Input should be a non-empty list');
  const maxTokens = req['max_tokens'];
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) invalid('max_tokens: Field required (an integer ≥ 1)');
  const system = req['system'];
  if (system !== undefined) {
    if (typeof system === 'string') {
      if (has('reject-system-string')) invalid('system: Input should be a valid list');
    } else if (Array.isArray(system)) {
      if (has('reject-system-blocks')) invalid('system: Input should be a valid string');
      if (!system.every((b) => isObject(b) && b['type'] === 'text' && typeof b['text'] === 'string')) invalid('system: blocks must be text blocks');
    } else {
      invalid('system: Input should be a string or a list of text blocks');
    }
  }
  let priorToolIds: string[] = [];
  for (const m of messages as unknown[]) {
    if (!isObject(m) || (m['role'] !== 'user' && m['role'] !== 'assistant' && m['role'] !== 'system')) invalid('messages: each message needs role user, assistant or system');
    const msg = m as Json;
    const content = msg['content'];
    if (typeof content !== 'string' && !Array.isArray(content)) invalid('messages.content: Input should be a string or a list');
    // Mid-conversation system messages (Claude Code ≥ 2.1.154) sit between turns without breaking tool pairing.
    if (msg['role'] === 'system') continue;
    const blocks = Array.isArray(content) ? content.filter(isObject) : [];
    if (msg['role'] === 'user') {
      for (const b of blocks) {
        if (b['type'] !== 'tool_result') continue;
        if (has('reject-tool-result')) invalid("messages.content: Input tag 'tool_result' found using 'type' does not match any of the expected tags: 'text', 'image'");
        if (!priorToolIds.includes(String(b['tool_use_id']))) invalid('unexpected `tool_use_id` found in `tool_result` blocks');
      }
    }
    priorToolIds = msg['role'] === 'assistant' ? blocks.filter((b) => b['type'] === 'tool_use').map((b) => String(b['id'])) : [];
  }
  return req;
}

function toolId(name: string, has: (d: Defect) => boolean): string {
  if (has('bad-tool-id')) return `functions.${name}:0`;
  if (has('constant-tool-id')) return 'toolu_constant_0001';
  return randomId('toolu_');
}

/** Decide the answer (content, stop reason, usage) for a valid request. */
function answer(req: Json, has: (d: Defect) => boolean): Answer {
  const messages = req['messages'] as unknown[];
  const maxTokens = req['max_tokens'] as number;
  const inputTokens = estimateTokens([req['system'], messages, req['tools']]);
  const text = lastUserText(messages);
  const d = directive(text);
  const tools = Array.isArray(req['tools']) ? req['tools'].filter(isObject) : [];
  const choice = isObject(req['tool_choice']) ? req['tool_choice'] : null;
  let tool: Json | undefined;
  if (!has('no-tool-call') && tools.length > 0) {
    if (choice?.['type'] === 'tool') tool = tools.find((t) => t['name'] === choice['name']);
    else if (choice?.['type'] === 'any') tool = tools[0];
    else if (d.tool !== undefined && choice?.['type'] !== 'none') tool = tools.find((t) => t['name'] === d.tool);
  }
  if (tool) {
    const name = String(tool['name']);
    const input = has('tool-input-invalid') ? { town: 'Paris' } : sampleFromSchema(tool['input_schema']);
    const call: Block = { type: 'tool_use', id: toolId(name, has), name, input };
    const thinking = thinkingBlock(req) as Block | null;
    return {
      content: [...(thinking ? [thinking] : []), ...(has('empty-text-block') ? [{ type: 'text', text: '' }] : []), call],
      stopReason: has('tool-stop-end-turn') ? 'end_turn' : 'tool_use',
      inputTokens,
      outputTokens: estimateTokens(input) + 8,
    };
  }
  let words: string[];
  if (d.say !== undefined) words = d.say.split(/\s+/).filter(Boolean);
  else if (d.tokens !== undefined) words = Array.from({ length: d.tokens }, (_, i) => FILLER[i % FILLER.length] as string);
  else words = ['Hello!', 'How', 'can', 'I', 'help?'];
  let stopReason = 'end_turn';
  let stopSequence: string | undefined;
  if (words.length > maxTokens && !has('ignore-max-tokens')) {
    words = words.slice(0, maxTokens);
    stopReason = 'max_tokens';
  }
  const stopped = stopAt(words, req, has);
  if (stopped) {
    words = stopped.words;
    stopReason = 'stop_sequence';
    stopSequence = stopped.sequence;
    if (has('stop-sequence-as-end-turn')) {
      stopReason = 'end_turn';
      stopSequence = undefined;
    }
  }
  const thinking = thinkingBlock(req) as Block | null;
  if (thinking && has('empty-answer-with-thinking')) return { content: [], stopReason, inputTokens, outputTokens: 1 };
  const content: Block[] = [...(thinking ? [thinking] : []), { type: 'text', text: words.join(' ') }];
  return { content, stopReason, ...(stopSequence !== undefined ? { stopSequence } : {}), inputTokens, outputTokens: Math.max(1, words.length) };
}

function stopReasonOut(reason: string, has: (d: Defect) => boolean): string | null {
  if (has('null-stop-reason')) return null;
  return has('openai-stop-reason') ? (OPENAI_STOP[reason] ?? reason) : reason;
}

function usageOut(a: Answer, has: (d: Defect) => boolean): Json {
  const zero = has('zero-usage');
  const usage: Json = {
    input_tokens: zero ? 0 : a.inputTokens,
    output_tokens: zero ? 0 : a.outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  if (has('no-output-tokens')) delete usage['output_tokens'];
  return usage;
}

function messageBody(req: Json, a: Answer, id: string, has: (d: Defect) => boolean): Json {
  const stopReason = stopReasonOut(a.stopReason, has);
  const usage = usageOut(a, has);
  if (has('openai-response-shape')) {
    const textOut = a.content.map((b) => (b.type === 'text' ? String(b['text']) : '')).join('');
    return {
      id: `chatcmpl-${id}`,
      object: 'chat.completion',
      model: req['model'],
      choices: [{ index: 0, message: { role: 'assistant', content: textOut }, finish_reason: OPENAI_STOP[a.stopReason] ?? 'stop' }],
      usage: { prompt_tokens: a.inputTokens, completion_tokens: a.outputTokens },
    };
  }
  const content = a.content.map((b) => (b.type === 'tool_use' && has('tool-input-string') ? { ...b, input: JSON.stringify(b['input']) } : b));
  const body: Json = { id, type: 'message', role: 'assistant', model: req['model'], content, stop_reason: stopReason, stop_sequence: a.stopSequence ?? null, usage };
  if (has('missing-stop-sequence')) delete body['stop_sequence'];
  return shapeMessage(body, has);
}

interface Frame {
  event: string;
  data: Json;
}

/** Split JSON text into a few fragments, as upstream tokenizers do. */
function fragments(json: string): string[] {
  const size = Math.max(1, Math.ceil(json.length / 3));
  const out: string[] = [];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out;
}

function blockEvents(block: Block, index: number, has: (d: Defect) => boolean): Frame[] {
  const frames: Frame[] = [];
  if (block.type === 'text') {
    const start: Json = has('incomplete-block-start') ? { type: 'text' } : { type: 'text', text: '' };
    frames.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: start } });
    const words = String(block['text']).split(' ');
    words.forEach((w, i) => {
      const piece = i === 0 ? w : ` ${w}`;
      const delta = has('wrong-delta-type') ? { type: 'thinking_delta', thinking: piece } : { type: 'text_delta', text: piece };
      frames.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta } });
    });
  } else if (block.type === 'thinking') {
    frames.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } } });
    frames.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: block['thinking'] } } });
    frames.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block['signature'] } } });
  } else {
    const inStartOnly = has('tool-input-in-start-only');
    const start: Json = { type: 'tool_use', id: block['id'], name: block['name'], input: inStartOnly ? block['input'] : {} };
    if (has('incomplete-block-start')) delete start['input'];
    frames.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: start } });
    if (!inStartOnly) {
      let parts = ['', ...fragments(JSON.stringify(block['input']))];
      if (has('tool-input-truncated')) parts = parts.slice(0, -1);
      for (const partial of parts) {
        const delta = has('wrong-delta-type') ? { type: 'text_delta', text: partial } : { type: 'input_json_delta', partial_json: partial };
        frames.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta } });
      }
    }
  }
  frames.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  return frames;
}

/** Overlap needs two blocks: split a lone text block, or put a short text before a tool call. */
function twoBlocks(content: Block[]): Block[] {
  if (content.length !== 1) return content;
  const only = content[0] as Block;
  if (only.type === 'tool_use') return [{ type: 'text', text: 'Let me check.' }, only];
  const words = String(only['text']).split(' ');
  const half = Math.max(1, Math.floor(words.length / 2));
  return [
    { type: 'text', text: words.slice(0, half).join(' ') },
    { type: 'text', text: words.slice(half).join(' ') || 'done' },
  ];
}

function streamFrames(req: Json, a: Answer, id: string, has: (d: Defect) => boolean): Frame[] {
  const usage = usageOut(a, has);
  const startUsage: Json = { input_tokens: usage['input_tokens'], output_tokens: has('zero-usage') ? 0 : 1 };
  const message: Json = { id, type: 'message', role: 'assistant', content: [], model: req['model'], stop_reason: null, stop_sequence: null, usage: startUsage };
  if (has('no-message-start-usage')) delete message['usage'];
  const frames: Frame[] = [
    { event: 'message_start', data: { type: 'message_start', message } },
    { event: 'ping', data: { type: 'ping' } },
  ];
  if (has('duplicate-message-start')) frames.push({ event: 'message_start', data: { type: 'message_start', message: { ...message, id: `${id}_again` } } });

  const content = has('blocks-overlap') ? twoBlocks(a.content) : a.content;
  let blockFrames = content.flatMap((b, i) => blockEvents(b, i, has));
  if (has('blocks-overlap')) {
    blockFrames = [...blockFrames.filter((f) => f.event !== 'content_block_stop'), ...blockFrames.filter((f) => f.event === 'content_block_stop')];
  }
  if (has('index-from-one')) {
    blockFrames = blockFrames.map((f) => ({ ...f, data: { ...f.data, index: (f.data['index'] as number) + 1 } }));
  }
  if (has('delta-before-block-start')) {
    const start = blockFrames.findIndex((f) => f.event === 'content_block_start');
    const delta = blockFrames.findIndex((f) => f.event === 'content_block_delta');
    if (start >= 0 && delta > start) {
      const [moved] = blockFrames.splice(start, 1);
      blockFrames.splice(delta, 0, moved as Frame);
    }
  }
  if (has('unclosed-block')) {
    const last = blockFrames.map((f) => f.event).lastIndexOf('content_block_stop');
    if (last >= 0) blockFrames.splice(last, 1);
  }
  frames.push(...blockFrames);

  const delta: Json = { stop_reason: stopReasonOut(a.stopReason, has), stop_sequence: a.stopSequence ?? null };
  if (has('missing-stop-sequence')) delete delta['stop_sequence'];
  const messageDelta: Frame = { event: 'message_delta', data: { type: 'message_delta', delta, usage } };
  if (has('no-delta-usage')) delete messageDelta.data['usage'];
  const stop: Frame = { event: 'message_stop', data: { type: 'message_stop' } };
  if (has('stream-error-event')) {
    frames.push({ event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    return frames;
  }
  if (!has('no-message-delta')) frames.push(messageDelta);
  if (!has('no-message-stop')) frames.push(stop);
  if (has('duplicate-message-stop')) frames.push(stop);
  if (has('event-after-stop')) frames.push(messageDelta);
  return frames;
}

function serialize(frames: readonly Frame[], has: (d: Defect) => boolean): string[] {
  let brokeJson = false;
  const out = frames.map((f) => {
    let data = JSON.stringify(f.data);
    if (has('invalid-json') && !brokeJson && f.event === 'content_block_delta') {
      brokeJson = true;
      data = data.slice(0, Math.floor(data.length / 2));
    }
    if (has('data-only-frames')) return `data: ${data}\n\n`;
    const name = has('event-name-mismatch') && f.event === 'content_block_delta' ? 'delta' : f.event;
    return `event: ${name}\ndata: ${data}\n\n`;
  });
  if (has('done-sentinel')) out.push('data: [DONE]\n\n');
  return out;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Start the gateway on 127.0.0.1 and an ephemeral port. */
export async function startDefectiveGateway(options: DefectiveGatewayOptions = {}): Promise<DefectiveGateway> {
  const defects = [...(options.defects ?? [])];
  const apiKey = options.apiKey ?? 'sk-defective-gateway-test-key';
  const has = (d: Defect): boolean => defects.includes(d);
  const requests: ReceivedRequest[] = [];
  const models = options.models ?? ['claude-test-model'];
  const countQueue = { tail: Promise.resolve() };
  const sendRaw = (res: http.ServerResponse, reply: RawReply): void => {
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  };

  const sendError = (res: http.ServerResponse, status: number, type: string, message: string): void => {
    const requestId = randomId('req_');
    let body: Json;
    if (has('openai-error-envelope')) body = { error: { message, type: 'invalid_request_error', param: null, code: String(status) } };
    else body = { type: 'error', error: { type: has('wrong-error-type') ? (WRONG_ERROR_TYPE[status] ?? 'Error') : type, message }, request_id: requestId };
    res.writeHead(status, { 'content-type': 'application/json', ...requestIdHeader(has, requestId) });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw });
    const url = new URL(req.url ?? '/', 'http://gateway.test');
    const tooLarge = bodyLimitRefusal(raw, has);
    if (tooLarge) {
      sendRaw(res, tooLarge);
      return;
    }
    const extra = await extraRoute({ method: req.method ?? '', url, raw, headers: req.headers, apiKey, models, has, queue: countQueue });
    if (extra === 'hang') return;
    if (extra) {
      sendRaw(res, extra);
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(200).end();
      return;
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/messages' || (has('no-beta-query') && url.search !== '')) {
      sendError(res, 404, 'not_found_error', `Route ${req.method ?? ''} ${req.url ?? ''} not found`);
      return;
    }
    const refused = authRefusal(req.headers, apiKey, has);
    if (!has('no-auth-check') && refused) {
      sendError(res, 401, 'authentication_error', (JSON.parse(refused.body) as { error: { message: string } }).error.message);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      sendError(res, 400, 'invalid_request_error', 'request body is not valid JSON');
      return;
    }
    const refusal = requestRefusal(body, req.headers, models, has);
    if (refusal) {
      sendRaw(res, refusal);
      return;
    }
    const valid = validate(body, has);
    const result = answer(valid, has);
    const id = randomId('msg_');
    const requestId = randomId('req_');
    if (valid['stream'] !== true) {
      res.writeHead(200, { 'content-type': 'application/json', ...requestIdHeader(has, requestId) });
      res.end(JSON.stringify(messageBody(valid, result, id, has)));
      return;
    }
    const frames = serialize(streamFrames(valid, result, id, has), has);
    await writeStream(req, res, frames, directiveItl(lastUserText(valid['messages'] as unknown[])), has);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) sendError(res, err.status, err.type, err.message);
      else if (!res.headersSent) sendError(res, 500, 'api_error', err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    defects,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
