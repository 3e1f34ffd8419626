/**
 * Check and normalise a `POST /v1/chat/completions` body the way vLLM does,
 * in vLLM's order: schema validation (pydantic, 400 "Bad Request") → model
 * (404) → "auto" tool choice flag (400) → context window (400) → output
 * budget (400). Pure: the caller owns I/O.
 */
import {
  AUTO_TOOL_CHOICE_MESSAGE,
  contextLengthExceeded,
  errorResponse,
  maxTokensTooLarge,
  maxTokensTooSmall,
  modelNotFound,
  validationError,
  withParameterSuffix,
  type HttpError,
  type ValidationIssue,
} from './protocol.ts';
import { countPromptTokens } from './tokens.ts';

export interface ToolSpec {
  readonly name: string;
  /** The function's JSON Schema (`{}` when absent). */
  readonly parameters: unknown;
}

export type ToolChoice = 'none' | 'auto' | 'required' | { readonly name: string };

/** A chat message as sent (role checked, everything else kept raw). */
export interface ChatMessage {
  readonly role: string;
  readonly content?: unknown;
  readonly tool_calls?: unknown;
  readonly [key: string]: unknown;
}

export interface ChatRequest {
  readonly model: string | undefined;
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly ToolSpec[];
  readonly toolChoice: ToolChoice;
  readonly stop: readonly string[];
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly continuousUsage: boolean;
  readonly ignoreEos: boolean;
  /** Estimated prompt tokens (countPromptTokens). */
  readonly promptTokens: number;
  /** Most tokens this request may generate (its max_tokens, else the rest of the context). */
  readonly budget: number;
}

export interface ServerLimits {
  readonly servedModelNames: readonly string[];
  readonly maxModelLen: number;
  /** --enable-auto-tool-choice and --tool-call-parser both set. */
  readonly autoToolChoice: boolean;
  /** --enable-force-include-usage. */
  readonly forceIncludeUsage?: boolean;
}

export type CheckResult = { readonly ok: true; readonly request: ChatRequest } | { readonly ok: false; readonly error: HttpError };

/** Validate and normalise a parsed JSON body. */
export function checkChatRequest(body: unknown, limits: ServerLimits): CheckResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail(
      validationError([
        {
          type: 'model_attributes_type',
          loc: 'body',
          msg: 'Input should be a valid dictionary or object to extract fields from',
          input: body,
        },
      ]),
    );
  }
  const b = body as Record<string, unknown>;

  const issues = schemaIssues(b);
  if (issues.length > 0) return fail(validationError(issues));
  const validatorIssue = modelValidatorIssue(b);
  if (validatorIssue) return fail(validationError([validatorIssue]));

  const model = typeof b['model'] === 'string' ? b['model'] : undefined;
  if (model !== undefined && model.length > 0 && !limits.servedModelNames.includes(model)) return fail(modelNotFound(model));

  const tools = toolSpecs(b['tools']);
  const toolChoice = normaliseToolChoice(b, tools.length > 0);
  if (toolChoice === 'auto' && !limits.autoToolChoice) return fail(errorResponse(AUTO_TOOL_CHOICE_MESSAGE));

  const promptTokens = countPromptTokens({ messages: b['messages'], tools: b['tools'] });
  const output = requestedOutput(b);
  const requested = output?.value ?? 0;
  if (output && requested > limits.maxModelLen) return fail(maxTokensTooLarge(output.param, requested, limits.maxModelLen));
  if (promptTokens > limits.maxModelLen - requested) {
    return fail(contextLengthExceeded(limits.maxModelLen, requested, promptTokens));
  }
  const budget = output ? requested : limits.maxModelLen - promptTokens;
  if (budget < 1) return fail(maxTokensTooSmall(output?.param ?? 'max_tokens', budget));

  // vLLM's should_include_usage: StreamOptions.include_usage defaults to True once
  // stream_options is present; --enable-force-include-usage turns it on regardless.
  const streamOptions = isObject(b['stream_options']) ? b['stream_options'] : undefined;
  const force = limits.forceIncludeUsage === true;
  const includeUsage =
    force || (streamOptions !== undefined && streamOptions['include_usage'] !== false && streamOptions['include_usage'] !== null);
  return {
    ok: true,
    request: {
      model,
      messages: b['messages'] as ChatMessage[],
      tools,
      toolChoice,
      stop: typeof b['stop'] === 'string' ? [b['stop']] : Array.isArray(b['stop']) ? (b['stop'] as string[]) : [],
      stream: b['stream'] === true,
      includeUsage,
      continuousUsage: includeUsage && streamOptions !== undefined && streamOptions['continuous_usage_stats'] === true,
      ignoreEos: b['ignore_eos'] === true,
      promptTokens,
      budget,
    },
  };
}

function fail(error: HttpError): CheckResult {
  return { ok: false, error };
}

/** Field-type checks pydantic would make on ChatCompletionRequest (the ones gateways can trip). */
function schemaIssues(b: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const messages = b['messages'];
  if (messages === undefined) {
    issues.push({ type: 'missing', loc: 'body.messages', msg: 'Field required', input: b });
  } else if (!Array.isArray(messages)) {
    issues.push({ type: 'list_type', loc: 'body.messages', msg: 'Input should be a valid list', input: messages });
  } else {
    messages.forEach((m, i) => {
      if (!isObject(m)) {
        issues.push({ type: 'dict_type', loc: `body.messages.${i}`, msg: 'Input should be a valid dictionary', input: m });
      } else if (typeof m['role'] !== 'string') {
        issues.push(
          m['role'] === undefined
            ? { type: 'missing', loc: `body.messages.${i}.role`, msg: 'Field required', input: m }
            : { type: 'string_type', loc: `body.messages.${i}.role`, msg: 'Input should be a valid string', input: m['role'] },
        );
      }
    });
  }
  if (b['model'] !== undefined && b['model'] !== null && typeof b['model'] !== 'string') {
    issues.push({ type: 'string_type', loc: 'body.model', msg: 'Input should be a valid string', input: b['model'] });
  }
  for (const key of ['max_tokens', 'max_completion_tokens'] as const) {
    const v = b[key];
    if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isInteger(v))) {
      issues.push({ type: 'int_type', loc: `body.${key}`, msg: 'Input should be a valid integer', input: v });
    }
  }
  for (const key of ['stream', 'ignore_eos'] as const) {
    const v = b[key];
    if (v !== undefined && v !== null && typeof v !== 'boolean') {
      issues.push({ type: 'bool_type', loc: `body.${key}`, msg: 'Input should be a valid boolean', input: v });
    }
  }
  const stop = b['stop'];
  if (stop !== undefined && stop !== null && typeof stop !== 'string' && !(Array.isArray(stop) && stop.every((s) => typeof s === 'string'))) {
    issues.push({ type: 'string_type', loc: 'body.stop.str', msg: 'Input should be a valid string', input: stop });
  }
  const tools = b['tools'];
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) {
      issues.push({ type: 'list_type', loc: 'body.tools', msg: 'Input should be a valid list', input: tools });
    } else {
      tools.forEach((t, i) => {
        const fn = isObject(t) ? t['function'] : undefined;
        if (!isObject(fn)) issues.push({ type: 'missing', loc: `body.tools.${i}.function`, msg: 'Field required', input: t });
        else if (typeof fn['name'] !== 'string') {
          issues.push({ type: 'missing', loc: `body.tools.${i}.function.name`, msg: 'Field required', input: fn });
        }
      });
    }
  }
  return issues;
}

/** The `mode="before"` model validators of ChatCompletionRequest that concern us. */
function modelValidatorIssue(b: Record<string, unknown>): ValidationIssue | undefined {
  const streamOptions = b['stream_options'];
  if (isObject(streamOptions) && Object.keys(streamOptions).length > 0 && b['stream'] !== true) {
    const text = 'Stream options can only be defined when `stream=True`.';
    return valueError(b, withParameterSuffix(text, 'stream_options'), 'VLLMValidationError', text, 'stream_options');
  }
  const tools = b['tools'];
  const choice = b['tool_choice'];
  if (choice === undefined || choice === null || choice === 'none') return undefined;
  if (tools === undefined || tools === null) {
    return valueError(b, 'When using `tool_choice`, `tools` must be set.');
  }
  if (choice !== 'auto' && choice !== 'required' && !isObject(choice)) {
    return valueError(
      b,
      `Invalid value for \`tool_choice\`: ${typeof choice === 'string' ? choice : JSON.stringify(choice)}! Only named tools, "none", "auto" or "required" are supported.`,
    );
  }
  if (isObject(choice)) {
    const usage = 'Correct usage: `{"type": "function", "function": {"name": "my_function"}}`';
    const fn = choice['function'];
    if (!isObject(fn)) return valueError(b, `Invalid value for \`function\`: \`${pyText(fn)}\` in \`tool_choice\`! ${usage}`);
    if (!('name' in fn)) return valueError(b, `Expected field \`name\` in \`function\` in \`tool_choice\`! ${usage}`);
    const name = fn['name'];
    if (typeof name !== 'string' || name.length === 0) {
      return valueError(b, `Invalid \`name\` in \`function\`: \`${pyText(name)}\` in \`tool_choice\`! ${usage}`);
    }
    if (!toolSpecs(tools).some((t) => t.name === name)) {
      return valueError(b, 'The tool specified in `tool_choice` does not match any of the specified `tools`');
    }
  }
  return undefined;
}

function valueError(input: unknown, text: string, cls = 'ValueError', ctxText = text, parameter?: string): ValidationIssue {
  return {
    type: 'value_error',
    loc: 'body',
    msg: `Value error, ${text}`,
    input,
    ctxError: { cls, text: ctxText },
    ...(parameter !== undefined ? { parameter } : {}),
  };
}

function pyText(value: unknown): string {
  if (value === undefined || value === null) return 'None';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function toolSpecs(tools: unknown): ToolSpec[] {
  if (!Array.isArray(tools)) return [];
  const out: ToolSpec[] = [];
  for (const t of tools) {
    const fn = isObject(t) ? t['function'] : undefined;
    if (isObject(fn) && typeof fn['name'] === 'string') out.push({ name: fn['name'], parameters: fn['parameters'] ?? {} });
  }
  return out;
}

/** vLLM's check_tool_usage: tools without tool_choice mean "auto"; "required" with no tools means "none". */
function normaliseToolChoice(b: Record<string, unknown>, hasTools: boolean): ToolChoice {
  const choice = b['tool_choice'];
  if (choice === undefined) return hasTools ? 'auto' : 'none';
  if (choice === null || choice === 'none') return 'none';
  if (choice === 'required' && !hasTools) return 'none';
  if (choice === 'auto' || choice === 'required') return choice;
  const fn = isObject(choice) ? choice['function'] : undefined;
  return { name: isObject(fn) && typeof fn['name'] === 'string' ? fn['name'] : '' };
}

/** `max_completion_tokens` wins over `max_tokens` (both optional). */
function requestedOutput(b: Record<string, unknown>): { param: 'max_tokens' | 'max_completion_tokens'; value: number } | undefined {
  if (typeof b['max_completion_tokens'] === 'number') return { param: 'max_completion_tokens', value: b['max_completion_tokens'] };
  if (typeof b['max_tokens'] === 'number') return { param: 'max_tokens', value: b['max_tokens'] };
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
