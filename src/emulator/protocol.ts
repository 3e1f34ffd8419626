/**
 * vLLM's OpenAI-server wire shapes and error texts, as read from
 * vllm-project/vllm (entrypoints/openai/chat_completion/{serving,protocol}.py,
 * serve/exception_handling/*, renderers/params.py, models/serving.py,
 * serve/middleware/authenticate.py). Shapes only: no I/O here.
 */
import { STATUS_CODES } from 'node:http';

// ─── Errors ──────────────────────────────────────────────────────────────────

/** A status and JSON body to send. */
export interface HttpError {
  readonly status: number;
  readonly body: unknown;
}

/** vLLM's ErrorResponse: `{"error": {message, type, param, code}}` (code = HTTP status). */
export function errorResponse(message: string, options: { type?: string; status?: number; param?: string | null } = {}): HttpError {
  const status = options.status ?? 400;
  return {
    status,
    body: { error: { message, type: options.type ?? 'BadRequestError', param: options.param ?? null, code: status } },
  };
}

/** `str(VLLMValidationError)`: the message plus `(parameter=…, value=…)` when known. */
export function withParameterSuffix(message: string, parameter?: string, value?: string | number): string {
  const extras: string[] = [];
  if (parameter !== undefined) extras.push(`parameter=${parameter}`);
  if (value !== undefined) extras.push(`value=${value}`);
  return extras.length > 0 ? `${message} (${extras.join(', ')})` : message;
}

/** FastAPI/Starlette bodies for routing errors (vLLM keeps FastAPI's default for these). */
export const NOT_FOUND: HttpError = { status: 404, body: { detail: 'Not Found' } };
export const METHOD_NOT_ALLOWED: HttpError = { status: 405, body: { detail: 'Method Not Allowed' } };
/** vLLM's AuthenticationMiddleware answer. */
export const UNAUTHORIZED: HttpError = { status: 401, body: { error: 'Unauthorized' } };

export const AUTO_TOOL_CHOICE_MESSAGE =
  '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set';

export function modelNotFound(model: string): HttpError {
  return errorResponse(`The model \`${model}\` does not exist.`, { type: 'NotFoundError', status: 404, param: 'model' });
}

/**
 * Prompt plus requested output over the context window (renderers/params.py).
 * vLLM tokenizes with truncation at `max_input + 1`, so it reports that count
 * with "at least" whenever the prompt is too long.
 */
export function contextLengthExceeded(maxModelLen: number, outputTokens: number, promptTokens: number): HttpError {
  const maxInput = maxModelLen - outputTokens;
  const reported = Math.min(promptTokens, maxInput + 1);
  const atLeast = reported === maxInput + 1 ? 'at least ' : '';
  const message =
    `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${outputTokens} output tokens ` +
    `and your prompt contains ${atLeast}${reported} input tokens, for a total of ${atLeast}${reported + outputTokens} tokens. ` +
    'Please reduce the length of the input prompt or the number of requested output tokens.';
  return errorResponse(withParameterSuffix(message, 'input_tokens', reported), { param: 'input_tokens' });
}

/** `max_tokens` alone over the context window (TokenizeParams.__post_init__). */
export function maxTokensTooLarge(param: string, value: number, maxModelLen: number): HttpError {
  const message = `${param}=${value} cannot be greater than max_model_len=max_total_tokens=${maxModelLen}. Please request fewer output tokens.`;
  return errorResponse(withParameterSuffix(message, param, value), { param });
}

/** SamplingParams check on the final budget. */
export function maxTokensTooSmall(param: string, value: number): HttpError {
  return errorResponse(withParameterSuffix(`max_tokens must be at least 1, got ${value}.`, param, value), { param });
}

/** Injected failure (`fail=STATUS`): 500 as an engine death, else the status phrase; `message` replaces the wording. */
export function injectedFailure(status: number, message?: string): HttpError {
  if (message !== undefined) return errorResponse(message, { type: STATUS_CODES[status] ?? 'Error', status });
  if (status === 500) {
    return errorResponse('EngineCore encountered an issue. See stack trace (above) for the root cause.', {
      type: 'InternalServerError',
      status,
    });
  }
  return errorResponse(`Emulated failure (fail=${status})`, { type: STATUS_CODES[status] ?? 'Error', status });
}

// ─── Request validation errors (FastAPI RequestValidationError → vLLM handler) ─

/** One pydantic error entry, as vLLM's validation handler prints it. */
export interface ValidationIssue {
  readonly type: string;
  /** Dotted location, e.g. `body.messages`. */
  readonly loc: string;
  readonly msg: string;
  readonly input: unknown;
  /** `ctx.error` of a model validator: the exception class and its text. */
  readonly ctxError?: { readonly cls: string; readonly text: string };
  /** `ctx.error` when it is a plain string (FastAPI's JSON decode error). */
  readonly ctxText?: string;
  /** The VLLMValidationError parameter, when the validator raised one. */
  readonly parameter?: string;
}

/** `{"error": {"message": "N validation error(s):\n  {...}", "type": "Bad Request", "param", "code": 400}}`. */
export function validationError(issues: readonly ValidationIssue[]): HttpError {
  const count = issues.length;
  const label = count === 1 ? 'error' : 'errors';
  const lines = issues.slice(0, 10).map((issue) => `  ${formatIssue(issue)}`);
  let message = `${count} validation ${label}:\n${lines.join('\n')}`;
  if (count > 10) message += `\n  ...and ${count - 10} more ${label}`;
  const param = issues.find((i) => i.parameter !== undefined)?.parameter ?? issues[0]?.loc ?? null;
  return errorResponse(message, { type: 'Bad Request', param });
}

function formatIssue(issue: ValidationIssue): string {
  const parts = [
    `'type': ${pyRepr(issue.type)}`,
    `'loc': ${pyRepr(issue.loc)}`,
    `'msg': ${pyRepr(issue.msg)}`,
    `'input': ${pyRepr(summariseInput(issue.input))}`,
  ];
  if (issue.ctxError) parts.push(`'ctx': {'error': ${issue.ctxError.cls}(${pyRepr(issue.ctxError.text)})}`);
  else if (issue.ctxText !== undefined) parts.push(`'ctx': {'error': ${pyRepr(issue.ctxText)}}`);
  return `{${parts.join(', ')}}`;
}

/** vLLM bounds each echoed input: containers are described, long strings cut. */
function summariseInput(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}...[truncated]` : value;
  if (Array.isArray(value)) return `<list of ${value.length} items>`;
  if (typeof value === 'object' && value !== null) return `<dict of ${Object.keys(value).length} items>`;
  return value;
}

/** A small Python `repr` for str/number/bool/None, enough for error texts. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  const s = String(value);
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === quote) out += `\\${quote}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/**
 * FastAPI's answer to a body that is not JSON: a `json_invalid` issue at
 * `body.<offset>` carrying Python's json error text. `v8Message` is the
 * JSON.parse error message, mapped to the nearest Python wording.
 */
export function jsonDecodeError(raw: string, v8Message: string): HttpError {
  const pos = /position (\d+)/.exec(v8Message)?.[1];
  const offset = pos !== undefined ? Number(pos) : raw.trimEnd().length;
  let pyError = 'Expecting value';
  if (/property name/i.test(v8Message)) pyError = 'Expecting property name enclosed in double quotes';
  else if (/non-whitespace character after JSON/i.test(v8Message)) pyError = 'Extra data';
  else if (/Expected ',' or '[}\]]'/i.test(v8Message)) pyError = "Expecting ',' delimiter";
  else if (/Unterminated string/i.test(v8Message)) pyError = 'Unterminated string starting at';
  else if (/control character/i.test(v8Message)) pyError = 'Invalid control character at';
  else if (/Expected ':'/i.test(v8Message)) pyError = "Expecting ':' delimiter";
  return validationError([{ type: 'json_invalid', loc: `body.${offset}`, msg: 'JSON decode error', input: {}, ctxText: pyError }]);
}

/**
 * JSON as Python's `json.dumps(value, ensure_ascii=False)` writes it
 * (", " and ": " separators): how vLLM's tool parsers re-serialise arguments.
 */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// ─── Models ──────────────────────────────────────────────────────────────────

/** `GET /v1/models` (ModelList of ModelCard with one ModelPermission each). */
export function modelList(names: readonly string[], maxModelLen: number, created: number, permissionId: string): unknown {
  return {
    object: 'list',
    data: names.map((name) => ({
      id: name,
      object: 'model',
      created,
      owned_by: 'vllm',
      root: names[0],
      parent: null,
      max_model_len: maxModelLen,
      permission: [
        {
          id: `modelperm-${permissionId}`,
          object: 'model_permission',
          created,
          allow_create_engine: false,
          allow_sampling: true,
          allow_logprobs: true,
          allow_search_indices: false,
          allow_view: true,
          allow_fine_tuning: false,
          organization: '*',
          group: null,
          is_blocking: false,
        },
      ],
    })),
  };
}

// ─── Chat completions ────────────────────────────────────────────────────────

export interface Usage {
  readonly prompt_tokens: number;
  readonly total_tokens: number;
  readonly completion_tokens: number;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens, completion_tokens: completionTokens };
}

/** Fields every chunk of one stream shares. */
export interface ChunkHead {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

/** The delta of one streamed choice (DeltaMessage dumped with exclude_unset). */
export type Delta = Readonly<Record<string, unknown>>;

/** First chunk: role, empty content (vLLM sends it with the first engine output). */
export function roleChunk(head: ChunkHead, continuousUsage: Usage | undefined): unknown {
  return {
    id: head.id,
    object: 'chat.completion.chunk',
    created: head.created,
    model: head.model,
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    ...(continuousUsage ? { usage: continuousUsage } : {}),
    prompt_token_ids: null,
  };
}

/** A token chunk; the last one carries finish_reason and stop_reason. */
export function deltaChunk(
  head: ChunkHead,
  delta: Delta,
  finish: { readonly reason: string; readonly stopReason: string | null } | null,
  continuousUsage: Usage | undefined,
): unknown {
  const choice = finish
    ? { index: 0, delta, logprobs: null, finish_reason: finish.reason, stop_reason: finish.stopReason, token_ids: null }
    : { index: 0, delta, logprobs: null, finish_reason: null, token_ids: null };
  return {
    id: head.id,
    object: 'chat.completion.chunk',
    created: head.created,
    model: head.model,
    choices: [choice],
    ...(continuousUsage ? { usage: continuousUsage } : {}),
  };
}

/** Trailing chunk when `stream_options.include_usage` (dumped with exclude_none). */
export function usageChunk(head: ChunkHead, u: Usage): unknown {
  return { id: head.id, object: 'chat.completion.chunk', created: head.created, model: head.model, choices: [], usage: u };
}

export interface ToolCallOut {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** Non-streaming ChatCompletionResponse (model_dump: every field, nulls included). */
export function completionResponse(
  head: ChunkHead,
  message: { readonly content: string | null; readonly toolCalls: readonly ToolCallOut[]; readonly reasoning?: string | null },
  finish: { readonly reason: string; readonly stopReason: string | null },
  u: Usage,
): unknown {
  return {
    id: head.id,
    object: 'chat.completion',
    created: head.created,
    model: head.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: message.content,
          refusal: null,
          annotations: null,
          audio: null,
          function_call: null,
          tool_calls: message.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
          reasoning_content: message.reasoning ?? null,
        },
        logprobs: null,
        finish_reason: finish.reason,
        stop_reason: finish.stopReason,
        token_ids: null,
      },
    ],
    service_tier: null,
    system_fingerprint: null,
    usage: { ...u, prompt_tokens_details: null },
    prompt_logprobs: null,
    prompt_token_ids: null,
    kv_transfer_params: null,
  };
}
