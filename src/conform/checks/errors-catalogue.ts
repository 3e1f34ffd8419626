/**
 * Errors (catalogue E1–E3, E5–E9): the Anthropic envelope on every error
 * path, status and type paired as the SDK expects, malformed JSON, unknown
 * models, the two context-overflow wordings Claude Code parses, upstream
 * errors forwarded with their words, retry-after on 429/529, and oversized
 * bodies. E7 and E8 need a scripted upstream (`fail=`).
 */
import type { Observation, RequestSpec, Target } from '../../types.ts';
import { defineChecks, outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { EXCHANGE_LABELS, exchange } from '../exchanges.ts';
import { ERROR_TYPE_BY_STATUS } from '../protocol.ts';
import { emulate, errorBody, errorText, isScripted, messages, notScripted, send, userTurn } from './scripted.ts';
import { bodyText, describeAnswer, ensureAnswered, errorEnvelopeProblems, listSome, readMessage } from './support.ts';
import { proseOf } from './usage-catalogue.ts';

// ─── Requests ────────────────────────────────────────────────────────────────

/** A body cut off mid-array: not JSON. */
export const MALFORMED_JSON = '{"model": "x", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}';

export const UNKNOWN_MODEL = 'no-such-model-claude-bench';

/**
 * The overflowing prompt: ~720 KB of prose, about 180k tokens at 4 bytes a
 * token. It overflows the context of most local deployments (32k–128k) and
 * stays under 1 MB so a proxy's default body limit is not what answers.
 */
const OVERFLOW_PROMPT_BYTES = 720_000;

/** Bigger than Anthropic's 32 MB request limit. */
export const OVERSIZED_BYTES = 33 * 1024 * 1024;

/** What the upstream says in the scripted failures (E7, E8). */
export const UPSTREAM_FAILURES = [
  { key: 'upstream-400', status: 400, message: 'claude-bench upstream: field top_k is not supported by this model', retryAfter: undefined },
  { key: 'upstream-429', status: 429, message: 'claude-bench upstream: rate limit reached, retry later', retryAfter: 7 },
  { key: 'upstream-500', status: 500, message: 'claude-bench upstream: internal failure in the engine', retryAfter: undefined },
  { key: 'upstream-529', status: 529, message: 'claude-bench upstream: overloaded, retry later', retryAfter: 3 },
] as const;

type UpstreamFailure = (typeof UPSTREAM_FAILURES)[number];

function upstreamFailureSpec(target: Target, f: UpstreamFailure): RequestSpec {
  return messages(target, { max_tokens: 32, messages: userTurn(`Say hello. ${emulate({ fail: f.status, message: f.message, retry_after: f.retryAfter })}`) });
}

function upstreamFailure(ctx: CheckContext, f: UpstreamFailure): Promise<Observation> {
  return send(ctx, f.key, upstreamFailureSpec(ctx.target, f));
}

function malformed(ctx: CheckContext, path = '/v1/messages'): Promise<Observation> {
  return send(ctx, path === '/v1/messages' ? 'bad-json' : 'bad-json-count', { method: 'POST', path, body: MALFORMED_JSON, rawBody: true });
}

function unknownModel(ctx: CheckContext): Promise<Observation> {
  return send(ctx, 'unknown-model', { method: 'POST', path: '/v1/messages', body: { model: UNKNOWN_MODEL, max_tokens: 16, messages: userTurn('Say ok.') } });
}

function overflowPrompt(ctx: CheckContext): Promise<Observation> {
  return send(ctx, 'overflow-prompt', messages(ctx.target, { max_tokens: 16, messages: userTurn(`Summarise this text.\n${proseOf(OVERFLOW_PROMPT_BYTES, 1)}`) }));
}

/** The context window an error message states, if any (pure). */
export function statedContextWindow(message: string): number | null {
  const patterns = [
    /tokens? > (\d+) maximum/i,
    /exceed context limit: \d+ \+ \d+ > (\d+)/i,
    /maximum context length is (\d+)/i,
    /max_model_len=(?:max_total_tokens=)?(\d+)/i,
    /context (?:window|length|size)(?: of| is)? (\d+)/i,
    /n_ctx(?:_slot)?\s*[=:]?\s*(\d+)/i,
  ];
  for (const p of patterns) {
    const m = p.exec(message);
    const n = m ? Number(m[1]) : NaN;
    if (Number.isInteger(n) && n > 0) return n;
  }
  return null;
}

/** max_tokens for the second overflow: the stated window (input + it must overflow), else far beyond any window. */
async function overflowMaxTokens(ctx: CheckContext): Promise<number> {
  const prompt = await overflowPrompt(ctx);
  const stated = prompt.status !== null && prompt.status >= 400 ? statedContextWindow(errorText(prompt)) : null;
  return stated !== null && stated <= 10_000_000 ? stated : 1_000_000;
}

async function overflowMax(ctx: CheckContext): Promise<Observation> {
  const maxTokens = await overflowMaxTokens(ctx);
  return send(ctx, 'overflow-max', messages(ctx.target, { max_tokens: maxTokens, messages: userTurn(`Say ok. ${emulate({ tokens: 3 })}`) }));
}

function oversizedSpec(target: Target): RequestSpec {
  // Valid JSON whose size is mostly whitespace: a size limit sees 33 MB, a model sees a tiny prompt.
  const small = JSON.stringify({ model: target.model, max_tokens: 16, messages: userTurn(`Say ok. ${emulate({ tokens: 2 })}`) });
  return { method: 'POST', path: '/v1/messages', body: `${small.slice(0, -1)}${' '.repeat(OVERSIZED_BYTES)}}`, rawBody: true };
}

// ─── Judges ──────────────────────────────────────────────────────────────────

/** Claude Code's two overflow detectors (case-insensitive substrings, numbers parsed). */
export const PROMPT_TOO_LONG = /prompt is too long:\s*\d+ tokens > \d+ maximum/i;
export const EXCEEDS_CONTEXT = /input length and `max_tokens` exceed context limit:\s*\d+ \+ \d+ > \d+/i;

/** Judge the answer to a prompt larger than the context (pure). */
export function judgePromptTooLong(obs: Observation): CheckOutcome {
  if (obs.status === 200) return outcome('skip', 'the ~180k-token prompt fit in the context window, so no overflow could be provoked');
  const text = errorText(obs);
  if (PROMPT_TOO_LONG.test(text)) return outcome('pass', `"prompt is too long: N tokens > M maximum" (${quote(text, 90)}): Claude Code compacts the conversation`);
  if (EXCEEDS_CONTEXT.test(text)) {
    return outcome('warn', `the overflowing prompt got the max_tokens wording (${quote(text, 90)}); Claude Code lowers max_tokens instead of compacting, which cannot help`);
  }
  return outcome(
    'fail',
    `a prompt over the context window got ${describeAnswer(obs)}; Claude Code only recognises "prompt is too long: N tokens > M maximum", so it never auto-compacts and the session is stuck on this error`,
    bodyText(obs),
  );
}

/** Judge the answer to input + max_tokens over the context (pure). */
export function judgeExceedsContext(obs: Observation, maxTokens: number): CheckOutcome {
  if (obs.status === 200) return outcome('pass', `max_tokens=${maxTokens} beyond the window was clamped and answered`);
  const text = errorText(obs);
  if (EXCEEDS_CONTEXT.test(text)) return outcome('pass', `"input length and \`max_tokens\` exceed context limit: X + Y > Z" (${quote(text, 90)}): Claude Code retries with a smaller max_tokens`);
  if (PROMPT_TOO_LONG.test(text)) return outcome('warn', `input + max_tokens over the window got the prompt-too-long wording (${quote(text, 90)}); Claude Code compacts instead of lowering max_tokens`);
  return outcome(
    'fail',
    `max_tokens=${maxTokens} (input + max_tokens over the window) got ${describeAnswer(obs)}; Claude Code lowers max_tokens only on "input length and \`max_tokens\` exceed context limit: X + Y > Z"`,
    bodyText(obs),
  );
}

/** The worse of several outcomes; skips count only when all skipped. */
export function worst(results: readonly CheckOutcome[]): CheckOutcome {
  const rank = { fail: 3, warn: 2, pass: 1, skip: 0 } as const;
  const sorted = [...results].sort((a, b) => rank[b.status] - rank[a.status]);
  const top = sorted[0] ?? outcome('skip', 'nothing to judge');
  const details = results.filter((r) => r.status !== 'skip' || top.status === 'skip').map((r) => r.detail);
  return { ...top, detail: details.join('; ') };
}

/** Stack traces and HTML in an error body: what users should never see (pure). */
export function leakProblems(obs: Observation): string[] {
  const text = bodyText(obs);
  const problems: string[] = [];
  if (/\n\s+at [^\n]+\(?[^\n]*:\d+:\d+\)?|Traceback \(most recent call last\)/.test(text.replace(/\\n/g, '\n'))) problems.push('a stack trace is in the body');
  if (/^\s*<(!doctype|html)/i.test(text)) problems.push('the body is an HTML page');
  return problems;
}

interface ErrorAnswer {
  readonly what: string;
  readonly obs: Observation;
}

/** Every error answer the E checks provoke (those that came back as errors). */
async function errorAnswers(ctx: CheckContext): Promise<ErrorAnswer[]> {
  const all: ErrorAnswer[] = [
    { what: 'malformed JSON', obs: await malformed(ctx) },
    { what: 'malformed JSON to count_tokens', obs: await malformed(ctx, '/v1/messages/count_tokens') },
    { what: EXCHANGE_LABELS['bad-request'], obs: await exchange(ctx, 'bad-request') },
    { what: EXCHANGE_LABELS['wrong-key'], obs: await exchange(ctx, 'wrong-key') },
    { what: 'an unknown model', obs: await unknownModel(ctx) },
    { what: 'a prompt over the context window', obs: await overflowPrompt(ctx) },
    { what: 'max_tokens over the context window', obs: await overflowMax(ctx) },
    { what: 'a body over 32 MB', obs: await send(ctx, 'oversized', oversizedSpec(ctx.target)) },
  ];
  if (await isScripted(ctx)) {
    for (const f of UPSTREAM_FAILURES) all.push({ what: `an upstream ${f.status}`, obs: await upstreamFailure(ctx, f) });
  }
  for (const a of all) ensureAnswered(a.obs);
  // count_tokens may be absent altogether (a 404 there is C1's business, still an error body to judge).
  return all.filter((a) => a.obs.status !== null && a.obs.status >= 400);
}

/** error.type values acceptable for a status (the table of conformance.md §1.6, with its allowances). */
export function acceptableTypes(status: number): readonly string[] {
  const exact = ERROR_TYPE_BY_STATUS[status];
  if (status === 503) return ['overloaded_error', 'api_error'];
  if (exact) return [exact];
  if (status >= 400 && status < 500) return ['invalid_request_error'];
  return ['api_error'];
}

/** Judge an upstream failure as forwarded (pure). */
export function judgeForwarded(obs: Observation, f: { status: number; message: string }): CheckOutcome {
  if (obs.status === 200) return outcome('skip', `the upstream's fail=${f.status} was not applied (HTTP 200)`);
  const text = errorText(obs);
  const statusOk = obs.status === f.status || (f.status === 529 && obs.status === 503);
  if (!statusOk) {
    return outcome('fail', `the upstream answered ${f.status} but the client got ${describeAnswer(obs)}; Claude Code decides whether to retry from the status`, bodyText(obs));
  }
  if (!text.includes(f.message)) {
    return outcome(
      'fail',
      `HTTP ${String(obs.status)}, but the upstream's words ${quote(f.message)} are gone (got ${quote(text, 100)}); Claude Code's recovery matches on the upstream wording`,
      bodyText(obs),
    );
  }
  if (text !== f.message || obs.status !== f.status) {
    return outcome('warn', `HTTP ${String(obs.status)} with the upstream's words kept but wrapped: ${quote(text, 110)}; forward upstream error bodies unmodified`, bodyText(obs));
  }
  return outcome('pass', `HTTP ${f.status} with the upstream's message verbatim`);
}

export const ERRORS_CATALOGUE_CHECKS = defineChecks({
  E1: {
    title: 'Every error path answers the Anthropic JSON envelope (no OpenAI shape, HTML or stack traces)',
    area: 'errors',
    severity: 'degraded',
    refs: ['vllm-project/vllm#57997', 'BerriAI/litellm#39037', 'ggml-org/llama.cpp#17968'],
    async run(ctx) {
      const answers = await errorAnswers(ctx);
      if (answers.length === 0) return outcome('skip', 'no request provoked an error answer');
      const problems: string[] = [];
      let evidence = '';
      for (const a of answers) {
        // A known error.type paired with the wrong status is E2's finding, not a broken envelope.
        const found = [...errorEnvelopeProblems(a.obs).filter((p) => !p.startsWith('error.type "')), ...leakProblems(a.obs)];
        if (found.length === 0) continue;
        problems.push(`${a.what} (HTTP ${String(a.obs.status)}): ${found.join(', ')}`);
        evidence ||= bodyText(a.obs);
      }
      if (problems.length > 0) return outcome('fail', `${problems.length} of ${answers.length} error answers are not clean Anthropic errors: ${listSome(problems, 2)}`, evidence);
      return outcome('pass', `${answers.length} error answers, all {"type":"error","error":{"type","message"}} JSON without traces`);
    },
  },
  E2: {
    title: 'HTTP status and error.type are paired as the API pairs them',
    area: 'errors',
    severity: 'degraded',
    refs: ['vllm-project/vllm#57997', 'vllm-project/vllm#43380'],
    async run(ctx) {
      const answers = await errorAnswers(ctx);
      if (answers.length === 0) return outcome('skip', 'no request provoked an error answer');
      const problems: string[] = [];
      let evidence = '';
      for (const a of answers) {
        const status = a.obs.status ?? 0;
        const type = errorBody(a.obs)?.type;
        const ok = acceptableTypes(status);
        if (typeof type === 'string' && ok.includes(type)) continue;
        problems.push(`${a.what}: HTTP ${status} with error.type ${quote(type)} (expected ${ok.map((t) => `"${t}"`).join(' or ')})`);
        evidence ||= bodyText(a.obs);
      }
      if (problems.length > 0) return outcome('fail', `${listSome(problems, 3)}; the SDK and Claude Code classify and retry by these`, evidence);
      return outcome('pass', `${answers.length} error answers, each error.type matching its status (${[...new Set(answers.map((a) => a.obs.status))].join(', ')})`);
    },
  },
  E3: {
    title: 'Malformed JSON → 400 invalid_request_error (not 500 or 422)',
    area: 'errors',
    severity: 'degraded',
    refs: ['vllm-project/vllm#43380'],
    async run(ctx) {
      const obs = await malformed(ctx);
      ensureAnswered(obs);
      if (obs.status === 200) return outcome('fail', 'a body that is not JSON was accepted with HTTP 200', bodyText(obs));
      if (obs.status !== 400) {
        return outcome('fail', `a body that is not JSON got ${describeAnswer(obs)}; it is a client error, 400 (a 5xx makes Claude Code retry a request that can never succeed)`, bodyText(obs));
      }
      const type = errorBody(obs)?.type;
      if (type !== 'invalid_request_error') return outcome('fail', `HTTP 400, but error.type is ${quote(type)}, not "invalid_request_error"`, bodyText(obs));
      return outcome('pass', 'HTTP 400 invalid_request_error');
    },
  },
  E5: {
    title: 'Unknown model → 404 not_found_error (or the gateway maps every id)',
    area: 'errors',
    severity: 'degraded',
    refs: ['ggml-org/llama.cpp#17968'],
    async run(ctx) {
      const obs = await unknownModel(ctx);
      ensureAnswered(obs);
      if (obs.status === 200) {
        const read = readMessage(obs, 'the request for an unknown model');
        return read.ok
          ? outcome('skip', `the gateway answered model ${quote(UNKNOWN_MODEL)} with a model of its own: it maps every id, so there is nothing to reject`)
          : read.outcome;
      }
      const type = errorBody(obs)?.type;
      if (obs.status === 404 && type === 'not_found_error') return outcome('pass', `HTTP 404 not_found_error for ${quote(UNKNOWN_MODEL)}`);
      return outcome('fail', `an unknown model got ${describeAnswer(obs)}; the API answers 404 not_found_error, which Claude Code reports as a model problem`, bodyText(obs));
    },
  },
  E6: {
    title: "Context overflow answered in the two wordings Claude Code parses",
    area: 'errors',
    severity: 'blocker',
    refs: ['Menci/Floway#166', 'musistudio/claude-code-router#1799', 'pleaseai/shunt#9'],
    async run(ctx) {
      const prompt = await overflowPrompt(ctx);
      ensureAnswered(prompt);
      const maxTokens = await overflowMaxTokens(ctx);
      const max = await overflowMax(ctx);
      ensureAnswered(max);
      return worst([judgePromptTooLong(prompt), judgeExceedsContext(max, maxTokens)]);
    },
  },
  E7: {
    title: 'Upstream errors reach the client with their status and words',
    area: 'errors',
    severity: 'degraded',
    refs: ['musistudio/claude-code-router#1799'],
    async run(ctx) {
      if (!(await isScripted(ctx))) return notScripted('an upstream error');
      const results: CheckOutcome[] = [];
      for (const f of UPSTREAM_FAILURES) {
        const obs = await upstreamFailure(ctx, f);
        ensureAnswered(obs);
        const r = judgeForwarded(obs, f);
        results.push({ ...r, detail: `upstream ${f.status}: ${r.detail}` });
      }
      return worst(results);
    },
  },
  E8: {
    title: '429 and 529 carry retry-after (x-should-retry not false)',
    area: 'errors',
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      if (!(await isScripted(ctx))) return notScripted('an upstream 429/529');
      const problems: string[] = [];
      const seen: string[] = [];
      let evidence = '';
      for (const f of UPSTREAM_FAILURES.filter((u) => u.retryAfter !== undefined)) {
        const obs = await upstreamFailure(ctx, f);
        ensureAnswered(obs);
        if (obs.status === 200) return outcome('skip', `the upstream's fail=${f.status} was not applied`);
        const retryAfter = obs.headers['retry-after'] ?? obs.headers['retry-after-ms'];
        const shouldRetry = obs.headers['x-should-retry'];
        const status = obs.status ?? 0;
        if (status !== 429 && status !== 529 && status !== 503) {
          problems.push(`the upstream's ${f.status} came back as HTTP ${status}`);
        } else if (retryAfter === undefined) {
          problems.push(`HTTP ${status} without retry-after (the upstream sent retry-after: ${f.retryAfter})`);
        } else if (shouldRetry === 'false') {
          problems.push(`HTTP ${status} with x-should-retry: false`);
        } else {
          seen.push(`${status} retry-after ${retryAfter}`);
          continue;
        }
        evidence ||= JSON.stringify(obs.headers);
      }
      if (problems.length > 0) return outcome('fail', `${listSome(problems)}; without it Claude Code backs off blindly and retries too soon or too late`, evidence);
      return outcome('pass', seen.join('; '));
    },
  },
  E9: {
    title: 'A body over 32 MB → 413 request_too_large in the JSON envelope',
    area: 'errors',
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      const obs = await send(ctx, 'oversized', oversizedSpec(ctx.target));
      if (obs.error?.kind === 'aborted') ensureAnswered(obs);
      if (obs.status === null) {
        return outcome('fail', `a ${Math.round(OVERSIZED_BYTES / 1048576)} MB body got no answer (${obs.error?.kind ?? 'none'}: ${obs.error?.message ?? ''}): Claude Code shows a network error, not "request too large"`);
      }
      if (obs.status >= 200 && obs.status < 300) return outcome('skip', `a ${Math.round(OVERSIZED_BYTES / 1048576)} MB body was accepted: the gateway's limit is above Anthropic's 32 MB`);
      if (obs.status !== 413) {
        return outcome('fail', `a ${Math.round(OVERSIZED_BYTES / 1048576)} MB body got ${describeAnswer(obs)}; a size refusal is HTTP 413 request_too_large`, bodyText(obs));
      }
      const problems = [...errorEnvelopeProblems(obs), ...leakProblems(obs)];
      if (problems.length > 0) return outcome('fail', `HTTP 413, but ${listSome(problems)} (Claude Code shows "API returned an empty or malformed response")`, bodyText(obs));
      return outcome('pass', 'HTTP 413 with {"type":"error","error":{"type":"request_too_large",…}}');
    },
  },
});
