/**
 * Decide what to answer: an in-band directive in the last user message wins,
 * then the first matching script rule, then the default. The request's
 * `tool_choice` binds the result the way vLLM's decoding would:
 *   - named function: exactly one call to it (script/directive arguments kept
 *     when they name the same tool, else generated from its schema); no text
 *   - "required": the reply's calls to offered tools, else one call to the
 *     first tool; no text
 *   - "none" (or no tools offered): text only
 *   - "auto": the reply as given
 * Pure.
 */
import { parseDirectives, type Directive } from './directives.ts';
import type { ChatRequest, ToolSpec } from './request.ts';
import { pythonJson } from './protocol.ts';
import { argumentsFromSchema } from './schema-args.ts';
import { conversationFacts, findRule, type Script, type ScriptReply } from './script.ts';
import { contentText, fillerTokens, splitIntoTokens, stableHash } from './tokens.ts';

/** Filler length when nothing asks for a length. */
export const DEFAULT_TEXT_TOKENS = 24;

export interface PlannedCall {
  readonly name: string;
  /** JSON text of the arguments. */
  readonly arguments: string;
}

export interface ResolvedReply {
  /** Text token pieces, in order (joined = the text). */
  readonly textTokens: readonly string[];
  readonly toolCalls: readonly PlannedCall[];
  /** How tool calls are streamed and finished: named (finish "stop") or auto/required ("tool_calls"). */
  readonly toolMode: 'named' | 'auto';
  readonly ttftMs?: number;
  readonly itlMs?: number;
  readonly abortAfterTokens?: number;
  readonly failStatus?: number;
  /** Error message for `failStatus` (default: the emulator's own wording). */
  readonly failMessage?: string;
  /** `retry-after` seconds to send with `failStatus`. */
  readonly retryAfterSeconds?: number;
  /** Reasoning token pieces, streamed as `reasoning_content` before the answer (empty: none). */
  readonly reasoningTokens?: readonly string[];
  /** Answer with a description of the request as received (the server builds the text). */
  readonly echo?: boolean;
  /** Where the reply came from: "directive", "script:<name or #index>", or "default". */
  readonly source: string;
  /** Directive problems, for diagnostics. */
  readonly problems: readonly string[];
  /** Seed for any further filler (from the last user message: stable across runs). */
  readonly seed: number;
}

interface Draft {
  text: readonly string[] | null;
  calls: Array<{ name: string; arguments?: Readonly<Record<string, unknown>> | undefined }>;
  ttftMs?: number;
  itlMs?: number;
  abortAfterTokens?: number;
  failStatus?: number;
  failMessage?: string;
  retryAfterSeconds?: number;
  think?: string;
  echo?: boolean;
  source: string;
}

export function resolveReply(request: ChatRequest, script: Script): ResolvedReply {
  const seed = stableHash(lastUserText(request));
  const last = request.messages[request.messages.length - 1];
  const parsed = last?.role === 'user' ? parseDirectives(contentText(last.content)) : { directive: null, problems: [] };

  let draft: Draft;
  if (parsed.directive && hasAnswer(parsed.directive, request.tools)) {
    draft = fromDirective(parsed.directive, request.tools, seed);
  } else {
    const facts = conversationFacts(request.messages, request.tools, request.model);
    const hit = findRule(script, facts);
    draft = hit
      ? fromScript(hit.rule.reply, hit.rule.name ?? `#${hit.index}`, seed)
      : { text: null, calls: [], source: 'default' };
    // Timing and faults in a directive apply even when it does not choose the answer.
    if (parsed.directive) overlayKnobs(draft, parsed.directive);
  }
  return bind(draft, request, seed, parsed.problems);
}

function hasAnswer(d: Directive, tools: readonly ToolSpec[]): boolean {
  return (
    d.say !== undefined ||
    d.tokens !== undefined ||
    d.echo === true ||
    (d.tool !== undefined && tools.some((t) => t.name === d.tool)) ||
    (d.calls ?? []).some((c) => tools.some((t) => t.name === c.name))
  );
}

function fromDirective(d: Directive, tools: readonly ToolSpec[], seed: number): Draft {
  const text = d.say !== undefined ? splitIntoTokens(d.say) : d.tokens !== undefined ? fillerTokens(d.tokens, seed) : null;
  const offered = (name: string): boolean => tools.some((t) => t.name === name);
  const calls: Draft['calls'] = d.tool !== undefined && offered(d.tool) ? [{ name: d.tool, arguments: d.args }] : [];
  for (const c of d.calls ?? []) if (offered(c.name)) calls.push({ name: c.name, arguments: c.arguments });
  const draft: Draft = { text: text ?? (calls.length > 0 || d.echo === true ? [] : null), calls, source: 'directive' };
  overlayKnobs(draft, d);
  return draft;
}

function overlayKnobs(draft: Draft, d: Directive): void {
  if (d.ttftMs !== undefined) draft.ttftMs = d.ttftMs;
  if (d.itlMs !== undefined) draft.itlMs = d.itlMs;
  if (d.abortAfterTokens !== undefined) draft.abortAfterTokens = d.abortAfterTokens;
  if (d.failStatus !== undefined) draft.failStatus = d.failStatus;
  if (d.failMessage !== undefined) draft.failMessage = d.failMessage;
  if (d.retryAfterSeconds !== undefined) draft.retryAfterSeconds = d.retryAfterSeconds;
  if (d.think !== undefined) draft.think = d.think;
  if (d.echo === true) draft.echo = true;
}

function fromScript(reply: ScriptReply, name: string, seed: number): Draft {
  const text =
    reply.text === undefined ? null : typeof reply.text === 'string' ? splitIntoTokens(reply.text) : fillerTokens(reply.text.tokens, seed);
  const calls = (reply.toolCalls ?? []).map((c) => ({ name: c.name, arguments: c.arguments }));
  const draft: Draft = { text: text ?? (calls.length > 0 ? [] : null), calls, source: `script:${name}` };
  if (reply.ttftMs !== undefined) draft.ttftMs = reply.ttftMs;
  if (reply.itlMs !== undefined) draft.itlMs = reply.itlMs;
  if (reply.abortAfterTokens !== undefined) draft.abortAfterTokens = reply.abortAfterTokens;
  if (reply.failStatus !== undefined) draft.failStatus = reply.failStatus;
  return draft;
}

/** Apply tool_choice and fill defaults. */
function bind(draft: Draft, request: ChatRequest, seed: number, problems: readonly string[]): ResolvedReply {
  const { tools, toolChoice } = request;
  const byName = new Map(tools.map((t) => [t.name, t] as const));
  const toCall = (name: string, args: Readonly<Record<string, unknown>> | undefined): PlannedCall => ({
    name,
    arguments: pythonJson(args ?? argumentsFromSchema(byName.get(name)?.parameters ?? {})),
  });
  const defaultText = (): readonly string[] => fillerTokens(DEFAULT_TEXT_TOKENS, seed);

  let textTokens: readonly string[];
  let toolCalls: PlannedCall[];
  let toolMode: ResolvedReply['toolMode'] = 'auto';
  if (typeof toolChoice === 'object') {
    const own = draft.calls.find((c) => c.name === toolChoice.name);
    textTokens = [];
    toolCalls = [toCall(toolChoice.name, own?.arguments)];
    toolMode = 'named';
  } else if (toolChoice === 'required') {
    const offered = draft.calls.filter((c) => byName.has(c.name));
    const first = tools[0];
    textTokens = [];
    toolCalls = offered.length > 0 ? offered.map((c) => toCall(c.name, c.arguments)) : first ? [toCall(first.name, undefined)] : [];
  } else if (toolChoice === 'none' || tools.length === 0) {
    textTokens = draft.text && (draft.text.length > 0 || draft.calls.length === 0) ? draft.text : defaultText();
    toolCalls = [];
  } else {
    textTokens = draft.text ?? defaultText();
    toolCalls = draft.calls.map((c) => toCall(c.name, c.arguments));
  }
  return {
    textTokens,
    toolCalls,
    toolMode,
    ...(draft.ttftMs !== undefined ? { ttftMs: draft.ttftMs } : {}),
    ...(draft.itlMs !== undefined ? { itlMs: draft.itlMs } : {}),
    ...(draft.abortAfterTokens !== undefined ? { abortAfterTokens: draft.abortAfterTokens } : {}),
    ...(draft.failStatus !== undefined ? { failStatus: draft.failStatus } : {}),
    ...(draft.failMessage !== undefined ? { failMessage: draft.failMessage } : {}),
    ...(draft.retryAfterSeconds !== undefined ? { retryAfterSeconds: draft.retryAfterSeconds } : {}),
    ...(draft.think !== undefined && draft.think !== '' ? { reasoningTokens: splitIntoTokens(draft.think) } : {}),
    ...(draft.echo === true ? { echo: true } : {}),
    source: draft.source,
    problems,
    seed,
  };
}

function lastUserText(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i];
    if (m?.role === 'user') return contentText(m.content);
  }
  return '';
}
