/**
 * Turn a resolved reply into the exact sequence of generated tokens, one
 * streamed chunk each, with vLLM's rules applied: the output budget
 * (max_tokens → finish "length"), stop strings (text cut before the match,
 * finish "stop", stop_reason = the string; while streaming, the last
 * max(len(stop))−1 characters are held back so a partial match never
 * leaks), and the end-of-sequence token, which counts as a generated token
 * and arrives as an empty final delta. Usage = number of steps, so stream
 * and non-stream agree. Reasoning (a `think` directive) comes first, as
 * `reasoning_content` deltas, like vLLM with a reasoning parser; it counts
 * against the budget but stop strings never match inside it. Pure.
 */
import type { Delta, ToolCallOut } from './protocol.ts';
import type { PlannedCall, ResolvedReply } from './reply.ts';
import { fillerTokens, splitFixed } from './tokens.ts';

/** Code points per streamed argument fragment. */
const ARG_FRAGMENT = 6;

export interface PlanStep {
  readonly delta: Delta;
}

export interface Plan {
  /** One per generated token; the last carries the finish. */
  readonly steps: readonly PlanStep[];
  readonly finishReason: 'stop' | 'length' | 'tool_calls';
  readonly stopReason: string | null;
  /** Non-streaming message content (vLLM: null when auto tool calls carry the answer). */
  readonly content: string | null;
  /** Non-streaming `reasoning_content` (null when the model did not reason). */
  readonly reasoning: string | null;
  readonly toolCalls: readonly ToolCallOut[];
  readonly completionTokens: number;
}

export interface PlanInput {
  readonly reply: ResolvedReply;
  readonly budget: number;
  readonly stop: readonly string[];
  readonly ignoreEos: boolean;
  readonly makeToolCallId: () => string;
}

type Token =
  | { readonly kind: 'reasoning'; readonly text: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'tool-start'; readonly call: number; readonly name: string; readonly args: string | null }
  | { readonly kind: 'tool-args'; readonly call: number; readonly args: string }
  | { readonly kind: 'eos' };

export function buildPlan(input: PlanInput): Plan {
  const { reply, budget } = input;
  const thinking: Token[] = (reply.reasoningTokens ?? []).map((text) => ({ kind: 'reasoning', text }));
  const ideal = [...thinking, ...idealTokens(reply, input.ignoreEos ? budget : 0, reply.seed)];
  const truncated = ideal.length > budget;
  let tokens = truncated ? ideal.slice(0, budget) : ideal;

  // Stop strings apply to the text the model writes after reasoning and before any tool call.
  const textStart = Math.min(thinking.length, tokens.length);
  const textCount = tokens.slice(textStart).findIndex((t) => t.kind !== 'text');
  const textEnd = textCount < 0 ? tokens.length : textStart + textCount;
  const pieces = tokens.slice(textStart, textEnd).map((t) => (t.kind === 'text' ? t.text : ''));
  const stop = findStop(pieces, input.stop);
  if (stop) tokens = tokens.slice(0, textStart + stop.tokenIndex + 1);

  const ids = reply.toolCalls.map(() => input.makeToolCallId());
  const held = textDeltasWithHoldback(pieces.slice(0, stop ? stop.tokenIndex + 1 : pieces.length), input.stop, stop?.cutAt);
  // Held-back text goes out with the finishing end-of-sequence token when the text ends
  // naturally; otherwise (stop match, budget cut, tool call next) with the last text token.
  const eosFollows = !stop && tokens[textStart + held.deltas.length]?.kind === 'eos';
  const textDeltas = [...held.deltas];
  if (eosFollows) textDeltas.push(held.rest);
  else if (textDeltas.length > 0) textDeltas[textDeltas.length - 1] += held.rest;
  const steps: PlanStep[] = [];
  const args = reply.toolCalls.map(() => '');
  let started = 0;
  let content = '';
  let reasoning = '';
  tokens.forEach((t, i) => {
    switch (t.kind) {
      case 'reasoning':
        reasoning += t.text;
        steps.push({ delta: { reasoning_content: t.text } });
        return;
      case 'text': {
        const text = textDeltas[i - textStart] ?? '';
        content += text;
        steps.push({ delta: { content: text } });
        return;
      }
      case 'tool-start': {
        started = Math.max(started, t.call + 1);
        const fn: Record<string, string> = { name: t.name };
        if (t.args !== null) {
          fn['arguments'] = t.args;
          args[t.call] += t.args;
        }
        steps.push({ delta: { tool_calls: [{ id: ids[t.call], type: 'function', index: t.call, function: fn }] } });
        return;
      }
      case 'tool-args':
        args[t.call] += t.args;
        steps.push({ delta: { tool_calls: [{ index: t.call, function: { arguments: t.args } }] } });
        return;
      case 'eos': {
        const text = textDeltas[i - textStart] ?? '';
        content += text;
        steps.push({ delta: reply.toolCalls.length > 0 ? {} : { content: text } });
        return;
      }
    }
  });

  const toolCalls: ToolCallOut[] = reply.toolCalls.slice(0, started).map((c, k) => ({
    id: ids[k] ?? '',
    name: c.name,
    arguments: args[k] ?? '',
  }));
  let finishReason: Plan['finishReason'];
  if (stop) finishReason = 'stop';
  else if (truncated) finishReason = 'length';
  else finishReason = toolCalls.length > 0 && reply.toolMode === 'auto' ? 'tool_calls' : 'stop';

  return {
    steps,
    finishReason,
    stopReason: stop ? stop.matched : null,
    content: toolCalls.length > 0 && reply.toolMode === 'auto' && content === '' ? null : content,
    reasoning: thinking.length > 0 ? reasoning : null,
    toolCalls,
    completionTokens: steps.length,
  };
}

/** Every token the model would produce with no budget: text, then calls, then EOS. */
function idealTokens(reply: ResolvedReply, ignoreEosUntil: number, seed: number): Token[] {
  const tokens: Token[] = reply.textTokens.map((text) => ({ kind: 'text', text }));
  reply.toolCalls.forEach((call: PlannedCall, k) => {
    const fragments = splitFixed(call.arguments, ARG_FRAGMENT);
    if (reply.toolMode === 'named') {
      // vLLM's named-function stream puts the first argument text in the same delta as the name.
      tokens.push({ kind: 'tool-start', call: k, name: call.name, args: fragments[0] ?? '' });
      for (const f of fragments.slice(1)) tokens.push({ kind: 'tool-args', call: k, args: f });
    } else {
      // Parser-based (hermes) streams send the name alone, then argument fragments.
      tokens.push({ kind: 'tool-start', call: k, name: call.name, args: null });
      for (const f of fragments) tokens.push({ kind: 'tool-args', call: k, args: f });
    }
  });
  if (ignoreEosUntil > 0 && reply.toolCalls.length === 0) {
    // ignore_eos: no end-of-sequence; filler runs past the budget so it ends with "length".
    const hadText = tokens.length > 0;
    fillerTokens(Math.max(0, ignoreEosUntil + 1 - tokens.length), seed).forEach((text, i) => {
      tokens.push({ kind: 'text', text: i === 0 && hadText ? ` ${text}` : text });
    });
    return tokens;
  }
  tokens.push({ kind: 'eos' });
  return tokens;
}

/**
 * vLLM's stop check: after each token, look for each stop string (in list
 * order) in the text, near its end; the first one found ends generation.
 */
export function findStop(
  pieces: readonly string[],
  stop: readonly string[],
): { tokenIndex: number; cutAt: number; matched: string } | undefined {
  const usable = stop.filter((s) => s.length > 0);
  if (usable.length === 0) return undefined;
  let text = '';
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] ?? '';
    text += piece;
    for (const s of usable) {
      const from = Math.max(0, text.length - piece.length - s.length + 1);
      const at = text.indexOf(s, from);
      if (at >= 0) return { tokenIndex: i, cutAt: at, matched: s };
    }
  }
  return undefined;
}

/**
 * Content of each text token as streamed: vLLM holds back the last
 * max(len(stop))−1 characters until it knows they are not the start of a
 * stop string. Returns the per-token deltas and the held `rest` (up to
 * `cutAt` when a stop string matched), which the finishing token carries.
 */
export function textDeltasWithHoldback(
  pieces: readonly string[],
  stop: readonly string[],
  cutAt: number | undefined,
): { deltas: string[]; rest: string } {
  const hold = Math.max(0, ...stop.map((s) => s.length - 1));
  const full = pieces.join('');
  const end = cutAt ?? full.length;
  const deltas: string[] = [];
  let sent = 0;
  let seen = 0;
  for (const piece of pieces) {
    seen += piece.length;
    let visible = Math.min(end, seen - hold);
    // Never split a surrogate pair across deltas.
    if (visible > 0 && visible < full.length && isHighSurrogate(full.charCodeAt(visible - 1))) visible--;
    const upTo = Math.max(sent, visible);
    deltas.push(full.slice(sent, upTo));
    sent = upTo;
  }
  return { deltas, rest: full.slice(sent, Math.max(sent, end)) };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
