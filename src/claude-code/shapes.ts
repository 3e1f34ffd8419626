/**
 * Builders of Claude-Code-shaped requests, from what Claude Code 2.1.332
 * was observed to send (headers, the eight anthropic-beta flags, body
 * fields, system blocks, a `role:"system"` message, twelve tools and
 * their sizes, max_tokens). Structure and sizes follow the real client;
 * every natural-language string is our own deterministic filler. Pure.
 */
import type { RequestSpec, Target } from '../types.ts';

type Json = Record<string, unknown>;

/** The Claude Code release these shapes were taken from. */
export const CC_VERSION = '2.1.332';

/** The path Claude Code posts to (the SDK's beta client). */
export const CC_MESSAGES_PATH = '/v1/messages?beta=true';

/** count_tokens, as Claude Code's SDK calls it. */
export const CC_COUNT_TOKENS_PATH = '/v1/messages/count_tokens?beta=true';

/** The eight anthropic-beta flags sent with the default model, in order. */
export const CC_BETA_FLAGS = [
  'claude-code-20250219',
  'interleaved-thinking-2025-05-14',
  'context-management-2025-06-27',
  'per-turn-control-2026-07-01',
  'mid-conversation-tool-changes-2026-07-01',
  'thinking-token-count-2026-05-13',
  'advanced-tool-use-2025-11-20',
  'effort-2025-11-24',
] as const;

/**
 * max_tokens Claude Code sends: 32000 for a model id it does not know (a
 * local model through ANTHROPIC_MODEL), 128000 for its default Claude id.
 */
export const CC_MAX_TOKENS_UNKNOWN_MODEL = 32_000;
export const CC_MAX_TOKENS_DEFAULT_MODEL = 128_000;

/** Sizes measured on the real first request (bytes of JSON / text). */
export const CC_OBSERVED_SIZES = {
  /** All three system blocks' text. */
  systemBytes: 7_374,
  /** The twelve tools, as JSON. */
  toolsBytes: 31_058,
  /** The `role:"system"` environment message text. */
  environmentChars: 9_203,
  /** The whole first request body. */
  firstRequestBytes: 49_233,
} as const;

/** System block 0: the attribution header, which gateways strip or cache around by its prefix. */
export const CC_BILLING_BLOCK_TEXT = `x-anthropic-billing-header: cc_version=${CC_VERSION}.0d5; cc_entrypoint=sdk-cli;`;

const WORDS = [
  'bench', 'check', 'gateway', 'stream', 'token', 'model', 'window', 'request', 'answer', 'field', 'block', 'schema',
  'value', 'route', 'header', 'local', 'server', 'output', 'input', 'limit', 'count', 'frame', 'event', 'reply',
  'every', 'small', 'clear', 'steady', 'plain', 'quiet', 'ready', 'simple', 'short', 'exact', 'stable', 'safe',
  'reads', 'sends', 'keeps', 'shows', 'holds', 'turns', 'waits', 'joins', 'splits', 'marks', 'tests', 'lists',
];

/**
 * Deterministic ASCII filler of exactly `bytes` bytes: sentences of made-up
 * but readable words. `seed` varies the word order.
 */
export function fillerText(bytes: number, seed = 0): string {
  if (bytes <= 0) return '';
  const parts: string[] = [];
  let length = 0;
  let i = seed;
  let inSentence = 0;
  while (length < bytes) {
    const word = WORDS[(i * 7 + seed * 13) % WORDS.length] as string;
    i += 1;
    inSentence += 1;
    const endOfSentence = inSentence >= 9 + (i % 5);
    const piece = `${inSentence === 1 ? word.charAt(0).toUpperCase() + word.slice(1) : word}${endOfSentence ? '. ' : ' '}`;
    if (endOfSentence) inSentence = 0;
    parts.push(piece);
    length += piece.length;
  }
  return parts.join('').slice(0, bytes);
}

const EPHEMERAL = { type: 'ephemeral' } as const;

/** The three system text blocks: billing header, a short identity line, the long instructions. */
export function ccSystemBlocks(): Json[] {
  const identity = 'You are a coding agent run by claude-bench to test a gateway.';
  const rest = CC_OBSERVED_SIZES.systemBytes - CC_BILLING_BLOCK_TEXT.length - identity.length;
  return [
    { type: 'text', text: CC_BILLING_BLOCK_TEXT },
    { type: 'text', text: identity, cache_control: EPHEMERAL },
    { type: 'text', text: `# Instructions\n${fillerText(rest - 15, 1)}`, cache_control: EPHEMERAL },
  ];
}

const SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

function objectSchema(properties: Json, required: readonly string[]): Json {
  return { $schema: SCHEMA_DIALECT, type: 'object', properties, required: [...required], additionalProperties: false };
}

const str = (description: string): Json => ({ type: 'string', description });
const num = (description: string): Json => ({ type: 'number', description });
const bool = (description: string): Json => ({ type: 'boolean', description });

/** Grow a tool's description with filler until its JSON is `bytes` long (never shrinks it). */
function sized(tool: Json, bytes: number, seed: number): Json {
  const base = JSON.stringify(tool).length;
  if (base >= bytes) return tool;
  const description = String(tool['description'] ?? '');
  return { ...tool, description: `${description} ${fillerText(bytes - base - 1, seed)}` };
}

/** The tool schemas with their observed JSON sizes (name → bytes). */
const TOOL_SIZES: ReadonlyArray<readonly [string, number]> = [
  ['Agent', 5244],
  ['Bash', 3892],
  ['Edit', 964],
  ['ListAgents', 1963],
  ['Read', 1919],
  ['ReportFindings', 2418],
  ['ScheduleWakeup', 4886],
  ['Skill', 1803],
  ['ToolSearch', 1425],
  ['Workflow', 5688],
  ['DeferredToolPlaceholder', 204],
  ['Write', 639],
];

function toolSchema(name: string): Json {
  switch (name) {
    case 'Write':
      return objectSchema({ file_path: str('Absolute path of the file to write.'), content: str('Full content to write.') }, ['file_path', 'content']);
    case 'Bash':
      return objectSchema(
        {
          command: str('The shell command to run.'),
          timeout: num('Optional timeout in milliseconds.'),
          description: str('A few words on what the command does.'),
          run_in_background: bool('Run without waiting for the result.'),
          dangerouslyDisableSandbox: bool('Run outside the sandbox.'),
        },
        ['command'],
      );
    case 'Read':
      return objectSchema(
        {
          file_path: str('Absolute path of the file to read.'),
          offset: num('First line to read.'),
          limit: num('How many lines to read.'),
          pages: str('Page range, for documents.'),
          allow_large: bool('Read a large file whole.'),
        },
        ['file_path'],
      );
    case 'Edit':
      return objectSchema(
        {
          file_path: str('Absolute path of the file to change.'),
          old_string: str('Exact text to replace.'),
          new_string: str('Replacement text.'),
          replace_all: bool('Replace every occurrence.'),
        },
        ['file_path', 'old_string', 'new_string'],
      );
    case 'Agent':
      return objectSchema(
        {
          description: str('Short task summary.'),
          prompt: str('The task for the agent.'),
          subagent_type: { type: 'string', enum: ['general', 'explore', 'plan'] },
          options: { type: 'object', properties: { model: str('Model alias.') }, additionalProperties: false },
        },
        ['description', 'prompt'],
      );
    case 'ScheduleWakeup':
      return objectSchema(
        {
          delay_seconds: { type: 'integer', minimum: 1 },
          reason: str('Why to wake up.'),
          when: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        },
        ['delay_seconds'],
      );
    case 'Workflow':
      return objectSchema(
        {
          steps: { type: 'array', items: { type: 'object', properties: { name: str('Step name.'), run: str('What to run.') }, required: ['name'] } },
          mode: { type: 'string', enum: ['sequential', 'parallel'] },
        },
        ['steps'],
      );
    case 'DeferredToolPlaceholder':
      return { type: 'object', properties: {} };
    default:
      return objectSchema({ query: str('What to look up.') }, []);
  }
}

/** Claude Code's twelve tools: same names, schema shapes and sizes (~31 KB), our own descriptions. */
export function ccTools(): Json[] {
  return TOOL_SIZES.map(([name, bytes], i) => {
    if (name === 'DeferredToolPlaceholder') {
      return sized({ name, description: 'Placeholder for tools loaded on demand.', input_schema: toolSchema(name), defer_loading: true }, bytes, i);
    }
    return sized({ name, description: `Tool ${name}.`, input_schema: toolSchema(name) }, bytes, i);
  });
}

/** The environment text Claude Code sends as a `role:"system"` message (~9.2 KB). */
export function ccEnvironmentText(): string {
  const head = '# Environment\nWorking directory: /tmp/claude-bench/work\nPlatform: linux\nOS: Linux 6\n\n';
  return head + fillerText(CC_OBSERVED_SIZES.environmentChars - head.length, 3);
}

/**
 * The mid-conversation `role:"system"` message: content as a text-block
 * array with cache_control (first request) or as a plain string (later ones).
 */
export function ccSystemMessage(form: 'array' | 'string' = 'array'): Json {
  const text = ccEnvironmentText();
  return form === 'array' ? { role: 'system', content: [{ type: 'text', text, cache_control: EPHEMERAL }] } : { role: 'system', content: text };
}

/** The first user message: a ~580-character reminder block, then the prompt. */
export function ccUserMessage(prompt: string): Json {
  const reminder = `<system-reminder>\n${fillerText(540, 5)}\n</system-reminder>`;
  return { role: 'user', content: [{ type: 'text', text: reminder }, { type: 'text', text: prompt }] };
}

/** metadata.user_id: a JSON *string*, as Claude Code sends it. */
export function ccMetadata(sessionId = '00000000-0000-4000-8000-000000000000'): Json {
  return { user_id: JSON.stringify({ device_id: '0'.repeat(64), account_uuid: '', session_id: sessionId }) };
}

export interface CcRequestOptions {
  /** Model id (the target's). */
  readonly model: string;
  /** Default 32000, what Claude Code sends for a model id it does not know. */
  readonly maxTokens?: number;
  /** Default true. */
  readonly stream?: boolean;
  /** The user's prompt (default: a one-word answer, with an emulator directive). */
  readonly prompt?: string;
  /** Form of the `role:"system"` message (default 'array', as in the first request). */
  readonly systemMessageForm?: 'array' | 'string';
  /** Turns appended after the system message (e.g. an assistant tool_use and the user's tool_result). */
  readonly extraMessages?: readonly Json[];
  /** output_config.effort (default "high", what Claude Code sends for an unknown model). */
  readonly effort?: string;
}

/** The default prompt of the CC-shaped request: a short answer from any model. */
export const CC_DEFAULT_PROMPT = 'Reply with the single word: ready. [[emulate tokens=3]]';

/**
 * The body of Claude Code's first request: every top-level field it sends
 * (model, messages, system, tools, metadata, max_tokens, thinking,
 * context_management, output_config, stream), ~49 KB.
 */
export function ccRequestBody(options: CcRequestOptions): Json {
  return {
    model: options.model,
    messages: [ccUserMessage(options.prompt ?? CC_DEFAULT_PROMPT), ccSystemMessage(options.systemMessageForm ?? 'array'), ...(options.extraMessages ?? [])],
    system: ccSystemBlocks(),
    tools: ccTools(),
    metadata: ccMetadata(),
    max_tokens: options.maxTokens ?? CC_MAX_TOKENS_UNKNOWN_MODEL,
    thinking: { type: 'adaptive', display: 'omitted' },
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    output_config: { effort: options.effort ?? 'high' },
    stream: options.stream ?? true,
  };
}

/**
 * Claude Code's request headers other than auth, content-type and length
 * (the client adds those and anthropic-version). Values as observed.
 */
export function ccHeaders(sessionId = '00000000-0000-4000-8000-000000000000'): Record<string, string> {
  return {
    accept: 'application/json',
    'user-agent': `claude-cli/${CC_VERSION} (external, sdk-cli)`,
    'x-claude-code-session-id': sessionId,
    'x-stainless-arch': 'x64',
    'x-stainless-lang': 'js',
    'x-stainless-os': 'Linux',
    'x-stainless-package-version': '0.128.0',
    'x-stainless-retry-count': '0',
    'x-stainless-runtime': 'node',
    'x-stainless-runtime-version': 'v26.12.1',
    'x-stainless-timeout': '600',
    'anthropic-beta': CC_BETA_FLAGS.join(','),
    'anthropic-dangerous-direct-browser-access': 'true',
    'x-app': 'cli',
  };
}

/** The whole first request as a RequestSpec: path with ?beta=true, Claude Code's headers, its body. */
export function ccRequestSpec(target: Pick<Target, 'model'>, options: Omit<CcRequestOptions, 'model'> = {}): RequestSpec {
  return { method: 'POST', path: CC_MESSAGES_PATH, headers: ccHeaders(), body: ccRequestBody({ ...options, model: target.model }) };
}
