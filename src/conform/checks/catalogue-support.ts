/**
 * Helpers shared by the catalogue checks of areas T, R, N, C and M: small
 * request builders, "was this accepted" outcomes, repeated exchanges for
 * model-dependent checks, and readers of context-window error wording.
 */
import type { Observation, RequestSpec, Target } from '../../types.ts';
import { outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { messageShapeProblems } from './response.ts';
import { bodyText, describeAnswer, ensureAnswered, errorEnvelopeProblems, isObject, listSome, parseJson, readMessage, type Json } from './support.ts';

/** Exchange keys of these areas start with this, apart from the core ones. */
export const KEY_PREFIX = 'ca:';

/** A prompt any model answers in a word or two; the emulator answers 3 tokens. */
export const SAY_OK = 'Say ok. [[emulate tokens=3]]';

/** A small non-streaming body: the target's model, max_tokens 32, one user turn, plus `extra`. */
export function smallBody(target: Pick<Target, 'model'>, extra: Json = {}): Json {
  return { model: target.model, max_tokens: 32, messages: [{ role: 'user', content: SAY_OK }], ...extra };
}

/** POST `body` to the messages endpoint (or `path`). */
export function post(body: unknown, options: { path?: string; headers?: Record<string, string>; auth?: RequestSpec['auth'] } = {}): RequestSpec {
  return {
    method: 'POST',
    path: options.path ?? '/v1/messages',
    body,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.auth ? { auth: options.auth } : {}),
  };
}

/** Send (or reuse) one of these areas' exchanges. */
export function send(ctx: CheckContext, key: string, spec: RequestSpec): Promise<Observation> {
  return ctx.exchange(`${KEY_PREFIX}${key}`, spec);
}

/**
 * Send `spec` `n` times, one after another, each under its own key
 * (`key#1`…): for checks whose outcome depends on what a real model says.
 */
export async function repeatExchange(ctx: CheckContext, key: string, spec: RequestSpec, n: number): Promise<Observation[]> {
  const out: Observation[] = [];
  for (let i = 1; i <= n; i++) out.push(await send(ctx, `${key}#${i}`, spec));
  return out;
}

/** `k/n` with a percentage, for pass rates. */
export function rate(k: number, n: number): string {
  return `${k}/${n} (${n === 0 ? 0 : Math.round((100 * k) / n)} %)`;
}

/** What an accepted request gave back, or the failure (already worded). */
export type Acceptance = { readonly ok: true; readonly message: Json; readonly obs: Observation } | { readonly ok: false; readonly outcome: CheckOutcome; readonly obs: Observation };

/**
 * Was `obs` a 200 with an Anthropic Message? `what` names the request in
 * the detail ("the request with metadata.user_id"); `fix` says what to do
 * when it was rejected.
 */
export function acceptance(obs: Observation, what: string, fix: string): Acceptance {
  const read = readMessage(obs, what);
  if (!read.ok) {
    const rejected = obs.status !== null && obs.status >= 400;
    const detail = rejected ? `the gateway rejected ${what}: ${describeAnswer(obs)}${fix === '' ? '' : `. ${fix}`}` : read.outcome.detail;
    return { ok: false, obs, outcome: { ...read.outcome, detail } };
  }
  const problems = messageShapeProblems(read.value);
  if (problems.length > 0) return { ok: false, obs, outcome: outcome('fail', `${what} was accepted, but the answer is not a Message: ${listSome(problems)}`, obs.body ?? '') };
  return { ok: true, obs, message: read.value };
}

/** Send each named request; pass when all come back as Messages, else the first rejection. */
export async function allAccepted(
  ctx: CheckContext,
  requests: readonly { readonly key: string; readonly what: string; readonly spec: RequestSpec }[],
  fix: string,
): Promise<{ readonly ok: true; readonly messages: Json[] } | { readonly ok: false; readonly outcome: CheckOutcome }> {
  const messages: Json[] = [];
  for (const r of requests) {
    const got = acceptance(await send(ctx, r.key, r.spec), r.what, fix);
    if (!got.ok) return got;
    messages.push(got.message);
  }
  return { ok: true, messages };
}

/** The content blocks of a Message. */
export function blocksOf(message: Json): Json[] {
  const content = message['content'];
  return Array.isArray(content) ? content.filter(isObject) : [];
}

/** The text of a Message's text blocks, joined. */
export function textOf(message: Json): string {
  return blocksOf(message)
    .filter((b) => b['type'] === 'text' && typeof b['text'] === 'string')
    .map((b) => b['text'] as string)
    .join('');
}

/** `error.message` of an error answer, else its body text (for matching wording). */
export function errorMessageOf(obs: Observation): string {
  const body = parseJson(obs.body);
  if (isObject(body)) {
    const err = body['error'];
    if (isObject(err) && typeof err['message'] === 'string') return err['message'];
    if (typeof err === 'string') return err;
    if (typeof body['message'] === 'string') return body['message'];
    if ('detail' in body) return JSON.stringify(body['detail']);
  }
  const streamed = obs.events.find((e) => e.type === 'error');
  if (streamed) {
    const data = parseJson(streamed.data);
    const err = isObject(data) && isObject(data['error']) ? data['error'] : null;
    if (err && typeof err['message'] === 'string') return err['message'];
    return streamed.data;
  }
  return bodyText(obs);
}

/** Is this a 4xx in the Anthropic envelope with the right type for its status? Empty when so. */
export function cleanRejectionProblems(obs: Observation): string[] {
  const status = obs.status ?? 0;
  if (status < 400 || status >= 500) return [`HTTP ${status}, expected a 4xx`];
  return errorEnvelopeProblems(obs);
}

/** Await `promise` at most `ms`; 'timeout' when it takes longer (the promise is left to settle on its own). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  // A late rejection (e.g. the run closed the client) must not become an unhandled rejection.
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** The check cannot run when the target vanished; otherwise the observation is data. */
export function answered(obs: Observation): Observation {
  ensureAnswered(obs);
  return obs;
}

// ─── context-window wording ────────────────────────────────────────────────────

/** Numbers a context-window rejection states, when its wording is known. */
export interface ContextFacts {
  /** The window, in tokens. */
  readonly window?: number;
  /** The prompt's tokens, as the server counted them (absent when it only gave a lower bound). */
  readonly prompt?: number;
  /** The requested output tokens. */
  readonly maxTokens?: number;
  /** Anthropic's "input length and `max_tokens` exceed context limit" form, which Claude Code recovers from by lowering max_tokens. */
  readonly anthropicRetryable: boolean;
  /** Anthropic's "prompt is too long" form, which triggers Claude Code's compaction. */
  readonly anthropicPromptTooLong: boolean;
}

const CONTEXT_WORDING = /context (length|window|limit|size)|prompt is too long|maximum context|max_model_len|too many (input )?tokens|exceeds? the (available )?context/i;

/** True when an error message talks about the context window. */
export function mentionsContext(message: string): boolean {
  return CONTEXT_WORDING.test(message);
}

const num = (m: RegExpExecArray | null, i: number): number | undefined => (m && m[i] !== undefined ? Number(m[i]) : undefined);

/** Read the numbers out of vLLM's, Anthropic's and llama.cpp's context-window errors. */
export function contextFacts(message: string): ContextFacts {
  const retry = /input length and `?max_tokens`? exceed context limit: (\d+) \+ (\d+) > (\d+)/i.exec(message);
  if (retry) return { prompt: num(retry, 1)!, maxTokens: num(retry, 2)!, window: num(retry, 3)!, anthropicRetryable: true, anthropicPromptTooLong: false };
  const tooLong = /prompt is too long: (\d+) tokens > (\d+) maximum/i.exec(message);
  if (tooLong) return { prompt: num(tooLong, 1)!, window: num(tooLong, 2)!, anthropicRetryable: false, anthropicPromptTooLong: true };
  const facts: { window?: number; prompt?: number; maxTokens?: number } = {};
  const vllmWindow = /maximum context length is (\d+)/i.exec(message) ?? /max_model_len(?:=max_total_tokens)?=(\d+)/i.exec(message) ?? /context size \((\d+) tokens\)/i.exec(message);
  if (vllmWindow) facts.window = Number(vllmWindow[1]);
  // vLLM stops counting past the room left and says "at least N": not the prompt's size.
  const prompt = /prompt contains (\d+) input tokens/i.exec(message) ?? /request \((\d+) tokens\) exceeds/i.exec(message);
  if (prompt) facts.prompt = Number(prompt[1]);
  const requested = /requested (\d+) output tokens/i.exec(message) ?? /max_tokens=(\d+)/i.exec(message);
  if (requested) facts.maxTokens = Number(requested[1]);
  return { ...facts, anthropicRetryable: false, anthropicPromptTooLong: false };
}

/** Round up to the next multiple of 1024 (a sensible --max-model-len). */
export function roundUpK(tokens: number): number {
  return Math.ceil(tokens / 1024) * 1024;
}

/** A short quote of an error for details. */
export function quoteError(obs: Observation): string {
  return quote(errorMessageOf(obs), 200);
}
