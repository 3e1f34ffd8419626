/**
 * Streaming beyond the grammar (catalogue S8–S13): keep-alive pings during
 * a silent prefill, an upstream failing mid-stream or before any content,
 * incremental delivery, multibyte text, and stream/non-stream agreement.
 * S8–S10 need a scripted upstream; S11–S13 judge any target.
 */
import { SSE_COMMENT_TYPE } from '../../client/sse-framer.ts';
import type { Observation, SseEvent, Target } from '../../types.ts';
import { defineChecks, outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { exchange } from '../exchanges.ts';
import { isObject, parseObject } from '../json.ts';
import { ERROR_TYPES } from '../protocol.ts';
import { checkStream } from '../stream-checker.ts';
import {
  autoToolExchange,
  emulate,
  isScripted,
  messages,
  notScripted,
  readAnswer,
  send,
  userTurn,
  type Answer,
} from './scripted.ts';
import { bodyText, describeAnswer, ensureAnswered, listSome, parseJson } from './support.ts';

// ─── The slow prefill (S8 here, X2 in passthrough.ts) ────────────────────────

/**
 * The scripted silence before the first token. It stands in for a prefill
 * of minutes on a local model (Claude Code gives up after 300 s without a
 * byte); kept short so the whole run stays fast.
 */
export const SLOW_PREFILL_MS = 3_000;

export function slowPrefill(ctx: CheckContext): Promise<Observation> {
  return send(
    ctx,
    'slow-prefill',
    messages(ctx.target, {
      max_tokens: 32,
      stream: true,
      messages: userTurn(`Say hello in three words. ${emulate({ ttft: SLOW_PREFILL_MS, tokens: 4 })}`),
    }),
  );
}

/** Arrival times (ms after send) that matter for a silent prefill. */
export interface PrefillTimeline {
  readonly headersMs: number | null;
  readonly messageStartMs: number | null;
  readonly firstDeltaMs: number | null;
  /** Pings and SSE comments before the first content delta. */
  readonly keepAlivesMs: readonly number[];
  /** Longest stretch without a byte between the request and the first content delta. */
  readonly longestSilenceMs: number;
}

/** Read the timeline of a streamed answer (pure). */
export function prefillTimeline(obs: Observation): PrefillTimeline {
  const events = obs.events;
  const first = events.find((e) => e.type === 'content_block_delta' || (e.type === null && e.data.includes('content_block_delta')));
  const firstDeltaMs = first?.t_ms ?? null;
  const before = events.filter((e) => firstDeltaMs === null || e.t_ms <= firstDeltaMs);
  const keepAlivesMs = before.filter((e) => e.type === 'ping' || e.type === SSE_COMMENT_TYPE).map((e) => e.t_ms);
  const marks = [0, ...(obs.t_hdr_ms !== null ? [obs.t_hdr_ms] : []), ...before.map((e) => e.t_ms)].sort((a, b) => a - b);
  let longest = 0;
  for (let i = 1; i < marks.length; i++) longest = Math.max(longest, (marks[i] ?? 0) - (marks[i - 1] ?? 0));
  return {
    headersMs: obs.t_hdr_ms,
    messageStartMs: events.find((e) => e.type === 'message_start')?.t_ms ?? null,
    firstDeltaMs,
    keepAlivesMs,
    longestSilenceMs: longest,
  };
}

/** S8's scaled criterion: no silence longer than this share of the prefill. */
const QUIET_SHARE = 0.5;

const secs = (ms: number | null): string => (ms === null ? 'never' : `${(ms / 1000).toFixed(2)} s`);

/** The slow-prefill stream, or why it cannot be judged. */
export async function slowPrefillTimeline(ctx: CheckContext): Promise<{ ok: true; timeline: PrefillTimeline; obs: Observation } | { ok: false; outcome: CheckOutcome }> {
  if (!(await isScripted(ctx))) return { ok: false, outcome: notScripted('a slow prefill') };
  const obs = await slowPrefill(ctx);
  ensureAnswered(obs);
  if (obs.status !== 200 || obs.events.length === 0) {
    return { ok: false, outcome: outcome('fail', `the streamed request with a ${secs(SLOW_PREFILL_MS)} prefill was answered ${describeAnswer(obs)}`, bodyText(obs)) };
  }
  const timeline = prefillTimeline(obs);
  if (timeline.firstDeltaMs === null || timeline.firstDeltaMs < SLOW_PREFILL_MS * 0.8) {
    return { ok: false, outcome: outcome('skip', `the first token came at ${secs(timeline.firstDeltaMs)}, not after the scripted ${secs(SLOW_PREFILL_MS)} prefill: the upstream did not follow ttft=`) };
  }
  return { ok: true, timeline, obs };
}

// ─── S9: failure mid-stream ──────────────────────────────────────────────────

/** The scripted answer that the upstream abandons after a few tokens. */
export const MIDSTREAM_TEXT = 'The quick brown fox jumps over the lazy dog while the gateway keeps streaming every token it receives';
/** Tokens the upstream sends before it drops the connection. */
const MIDSTREAM_TOKENS = 6;

function midstreamSpec(target: Target) {
  return messages(target, {
    max_tokens: 128,
    stream: true,
    // Tokens spaced out, so the gateway has relayed some before the upstream connection drops.
    messages: userTurn(`Repeat this sentence: ${MIDSTREAM_TEXT} ${emulate({ say: MIDSTREAM_TEXT, abort_after: MIDSTREAM_TOKENS, itl: 20 })}`),
  });
}

/** The last event that is not a ping or comment. */
function lastMeaningful(events: readonly SseEvent[]): SseEvent | undefined {
  return events.filter((e) => e.type !== 'ping' && e.type !== SSE_COMMENT_TYPE).at(-1);
}

/** Judge a stream whose upstream failed after a few tokens (pure). */
export function judgeMidstreamFailure(obs: Observation, scriptedText: string): CheckOutcome {
  if (obs.status !== null && obs.status !== 200) {
    const json = parseJson(obs.body);
    return isObject(json) && isObject(json['error'])
      ? outcome('pass', `the gateway held the stream back and answered ${describeAnswer(obs)} when the upstream failed (a clean HTTP error; the SDK retries it)`)
      : outcome('fail', `the upstream failure came back as ${describeAnswer(obs)}, which is not a JSON error`, bodyText(obs));
  }
  const read = readAnswer(obs, 'the stream whose upstream failed mid-way');
  if (!read.ok) return read.outcome;
  const text = read.value.text;
  const last = lastMeaningful(obs.events);
  const errorEvent = obs.events.find((e) => e.type === 'error');
  if (errorEvent) {
    const body = parseObject(errorEvent.data);
    const err = body && isObject(body['error']) ? body['error'] : null;
    if (last !== errorEvent) return outcome('fail', `an error event came mid-stream but "${String(last?.type)}" followed it; event: error must end the stream`, last?.raw ?? errorEvent.raw);
    if (body?.['type'] !== 'error' || !err || !(ERROR_TYPES as readonly string[]).includes(String(err['type'])) || typeof err['message'] !== 'string') {
      return outcome('fail', `the stream ended with an error event that is not {"type":"error","error":{"type":<Anthropic type>,"message"}}: the SDK cannot classify it`, errorEvent.raw);
    }
    return outcome('pass', `after ${quote(text, 60)} the stream ended with event: error (${String(err['type'])}: ${quote(err['message'], 80)})`);
  }
  if (text === scriptedText) return outcome('skip', 'the whole answer arrived: the upstream did not follow abort_after=, so no failure was injected');
  if (text === '' || !scriptedText.startsWith(text)) {
    return outcome('skip', `the answer ${quote(text, 60)} is not the scripted text: no failure was injected upstream`);
  }
  if (obs.error) {
    return outcome(
      'fail',
      `after ${quote(text, 60)} the gateway dropped the connection (${obs.error.kind}) instead of sending event: error; Claude Code reports "Connection closed mid-response" and retries the whole turn`,
      last?.raw ?? '',
    );
  }
  const stopped = obs.events.some((e) => e.type === 'message_stop');
  if (stopped) {
    return outcome(
      'fail',
      `the upstream failed after ${quote(text, 60)} but the gateway closed the stream as complete (stop_reason ${quote(read.value.stopReason)}): Claude Code takes the cut answer for the whole turn`,
      lastMeaningful(obs.events.filter((e) => e.type !== 'message_stop'))?.raw ?? '',
    );
  }
  return outcome('fail', `after ${quote(text, 60)} the stream ended with neither event: error nor message_stop`, last?.raw ?? '');
}

// ─── S10: failure before content ─────────────────────────────────────────────

function precontentSpec(target: Target) {
  return messages(target, {
    max_tokens: 32,
    stream: true,
    messages: userTurn(`Say hello. ${emulate({ fail: 503, message: 'claude-bench upstream unavailable before any token' })}`),
  });
}

/** Judge a streamed request that the upstream refused before any token (pure). */
export function judgePrecontentFailure(obs: Observation): CheckOutcome {
  if (obs.status !== null && obs.status >= 400) {
    const json = parseJson(obs.body);
    if (isObject(json) && isObject(json['error'])) return outcome('pass', `HTTP ${obs.status} with a JSON error body, before any stream (${describeAnswer(obs)})`);
    return outcome('fail', `HTTP ${obs.status}, but the body is not a JSON error: ${quote(bodyText(obs), 100)}`, bodyText(obs));
  }
  if (obs.status !== 200) return outcome('fail', `the refused request got ${describeAnswer(obs)}`, bodyText(obs));
  const errorEvent = obs.events.find((e) => e.type === 'error');
  const hasText = obs.events.some((e) => e.type === 'content_block_delta');
  if (errorEvent && !hasText) {
    return outcome(
      'fail',
      'the upstream refused the request before any token, yet the gateway answered HTTP 200, message_start and then event: error: the SDK and Claude Code cannot see a status to retry on',
      errorEvent.raw,
    );
  }
  if (hasText && !errorEvent) return outcome('skip', 'the request was answered normally: the upstream did not follow fail=');
  if (obs.error) return outcome('fail', `HTTP 200 and then the connection dropped (${obs.error.kind}) without an error body`, bodyText(obs));
  return outcome('fail', 'HTTP 200 with a stream that carries neither content nor an error the client can act on', bodyText(obs));
}

// ─── S11: incremental delivery ───────────────────────────────────────────────

function incrementalSpec(target: Target) {
  return messages(target, {
    max_tokens: 160,
    stream: true,
    messages: userTurn(`Count from 1 to 40, separated by spaces. ${emulate({ tokens: 20, itl: 20 })}`),
  });
}

/** Fraction of the stream's life over which content arrived; below this it came in one lump. */
const LUMP_SPREAD = 0.2;
/** A whole answer faster than this cannot show buffering (an instant upstream looks the same either way). */
const TOO_FAST_MS = 100;

/** Judge whether content deltas arrived spread out over the stream (pure). */
export function judgeIncremental(obs: Observation): CheckOutcome {
  const deltas = obs.events.filter((e) => e.type === 'content_block_delta');
  if (deltas.length < 2) {
    return deltas.length === 1
      ? outcome('fail', 'the whole answer came as one content_block_delta: the gateway collected it before sending (Claude Code shows nothing until the end)', deltas[0]?.raw ?? '')
      : outcome('skip', 'the answer had no content deltas to time');
  }
  const first = deltas[0]?.t_ms ?? 0;
  const last = deltas.at(-1)?.t_ms ?? 0;
  const spread = last - first;
  const life = Math.max(1, last);
  if (last < TOO_FAST_MS) return outcome('skip', `the whole answer took ${Math.round(last)} ms: too fast to tell streaming from buffering`);
  const detail = `${deltas.length} deltas over ${(spread / 1000).toFixed(2)} s, the last ${(last / 1000).toFixed(2)} s after the request`;
  if (spread / life < LUMP_SPREAD) {
    return outcome('fail', `the stream was delivered in one lump: ${detail} (a buffering gateway or proxy; Claude Code sees no progress and its idle timer runs)`, deltas[0]?.raw ?? '');
  }
  return outcome('pass', `tokens arrived as they were made: ${detail}`);
}

// ─── S12: multibyte text ─────────────────────────────────────────────────────

/** CJK, emoji with modifiers and ZWJ, combining marks: characters of 2–4 UTF-8 bytes and surrogate pairs. */
export const UTF8_TEXT = 'Grüße, 世界! 👋🏽 Ça va? 👩‍💻 naïve café — 한국어 テスト ✓ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢';

function utf8Spec(target: Target, stream: boolean) {
  return messages(target, {
    max_tokens: 96,
    ...(stream ? { stream: true } : {}),
    messages: userTurn(`Repeat exactly, with nothing else: ${UTF8_TEXT} ${emulate({ say: UTF8_TEXT })}`),
  });
}

/** What is broken in text Claude Code would show: replacement characters, lone surrogates. */
export function textCorruption(text: string): string | null {
  if (text.includes('\uFFFD')) return `U+FFFD replacement characters (a multibyte character was split and decoded in halves): ${quote(text, 80)}`;
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) return `a lone UTF-16 surrogate (an emoji cut in half): ${quote(text, 80)}`;
  return null;
}

// ─── S13: stream and non-stream agree ────────────────────────────────────────

/** The shape a client acts on: block types in order and the stop reason. */
export function answerShape(answer: Answer): string {
  return `[${answer.blocks.map((b) => String(b['type'])).join(', ')}] ${String(answer.stopReason)}`;
}

export const STREAMING_CATALOGUE_CHECKS = defineChecks({
  S8: {
    title: 'Pings keep a silent stream alive during a slow prefill',
    area: 'streaming',
    severity: 'degraded',
    refs: ['tale-project/tale#3387', 'tale-project/tale#3396', 'ollama/ollama#13949'],
    async run(ctx) {
      const read = await slowPrefillTimeline(ctx);
      if (!read.ok) return read.outcome;
      const t = read.timeline;
      const pings = `${t.keepAlivesMs.length} ping/comment event(s)`;
      if (t.longestSilenceMs <= SLOW_PREFILL_MS * QUIET_SHARE) {
        return outcome('pass', `${pings} during the ${secs(SLOW_PREFILL_MS)} prefill; the longest silence was ${secs(t.longestSilenceMs)}`);
      }
      return outcome(
        'warn',
        `${pings} and a ${secs(t.longestSilenceMs)} silence during a ${secs(SLOW_PREFILL_MS)} prefill. ` +
          `Scaled test: the prefill stands for minutes on a long context, and Claude Code abandons a stream after 300 s without a chunk; ` +
          'a gateway that pings every 15–30 s is fine in real use but cannot show it in 3 s, one that never pings is not',
        read.obs.events[0]?.raw ?? '',
      );
    },
  },
  S9: {
    title: 'Upstream failure mid-stream ends with event: error',
    area: 'streaming',
    severity: 'degraded',
    refs: ['vllm-project/vllm#46028'],
    async run(ctx) {
      if (!(await isScripted(ctx))) return notScripted('an upstream failure mid-stream');
      const obs = await send(ctx, 'midstream-abort', midstreamSpec(ctx.target));
      ensureAnswered(obs);
      return judgeMidstreamFailure(obs, MIDSTREAM_TEXT);
    },
  },
  S10: {
    title: 'Upstream failure before any content is an HTTP error, not 200 + event: error',
    area: 'streaming',
    severity: 'degraded',
    refs: ['BerriAI/litellm#38610'],
    async run(ctx) {
      if (!(await isScripted(ctx))) return notScripted('an upstream refusal before any token');
      const obs = await send(ctx, 'precontent-fail', precontentSpec(ctx.target));
      ensureAnswered(obs);
      return judgePrecontentFailure(obs);
    },
  },
  S11: {
    title: 'Streamed tokens arrive incrementally, not in one lump',
    area: 'streaming',
    severity: 'degraded',
    refs: ['ggml-org/llama.cpp#20872', 'alibaba/OpenSandbox#898'],
    async run(ctx) {
      const obs = await send(ctx, 'incremental', incrementalSpec(ctx.target));
      const read = readAnswer(obs, 'the streamed count');
      if (!read.ok) return read.outcome;
      return judgeIncremental(obs);
    },
  },
  S12: {
    title: 'Multibyte UTF-8 text survives streaming intact',
    area: 'streaming',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const streamObs = await send(ctx, 'utf8-stream', utf8Spec(ctx.target, true));
      const stream = readAnswer(streamObs, 'the streamed multibyte text');
      if (!stream.ok) return stream.outcome;
      const broken = checkStream(stream.value.events).find((v) => v.code === 'invalid-json');
      if (broken) return outcome('fail', `a data: line of the multibyte answer is not valid JSON (a character split across frames?): ${broken.message}`, broken.evidence);
      const corrupt = textCorruption(stream.value.text);
      if (corrupt) return outcome('fail', `the streamed text has ${corrupt}`, stream.value.evidence);
      const plain = readAnswer(await send(ctx, 'utf8-plain', utf8Spec(ctx.target, false)), 'the non-streamed multibyte text');
      if (plain.ok) {
        const corruptPlain = textCorruption(plain.value.text);
        if (corruptPlain) return outcome('fail', `the non-streamed text has ${corruptPlain}`, plain.value.evidence);
      }
      if (await isScripted(ctx)) {
        if (stream.value.text !== UTF8_TEXT) {
          return outcome('fail', `the streamed text ${quote(stream.value.text, 90)} differs from what the upstream sent (${quote(UTF8_TEXT, 90)})`, stream.value.evidence);
        }
        if (plain.ok && plain.value.text !== UTF8_TEXT) {
          return outcome('fail', `the non-streamed text ${quote(plain.value.text, 90)} differs from what the upstream sent`, plain.value.evidence);
        }
        return outcome('pass', `CJK, emoji with ZWJ/modifiers and combining text came back byte-exact, streamed and not (${stream.value.events.length} frames)`);
      }
      return outcome('pass', `no broken frames, replacement characters or split surrogates in the model's multibyte answer (${stream.value.events.length} frames)`);
    },
  },
  S13: {
    title: 'Stream and non-stream answers agree (block types, order, stop_reason)',
    area: 'streaming',
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      const scripted = await isScripted(ctx);
      const pairs: { what: string; stream: Observation; plain: Observation; strict: boolean }[] = [
        { what: 'the forced tool call', stream: await exchange(ctx, 'tool-stream'), plain: await exchange(ctx, 'tool-plain'), strict: true },
        { what: 'the multibyte text', stream: await send(ctx, 'utf8-stream', utf8Spec(ctx.target, true)), plain: await send(ctx, 'utf8-plain', utf8Spec(ctx.target, false)), strict: true },
        {
          what: 'the tool call the model chose',
          stream: await autoToolExchange(ctx, 'tool-auto-stream'),
          plain: await autoToolExchange(ctx, 'tool-auto-plain'),
          // A real model may choose differently in two calls; a script may not.
          strict: scripted,
        },
      ];
      const differences: string[] = [];
      let compared = 0;
      let evidence = '';
      for (const pair of pairs) {
        const s = readAnswer(pair.stream, `${pair.what} (streamed)`);
        const p = readAnswer(pair.plain, `${pair.what} (not streamed)`);
        if (!s.ok || !p.ok || !pair.strict) continue;
        compared += 1;
        const a = answerShape(s.value);
        const b = answerShape(p.value);
        if (a !== b) {
          differences.push(`${pair.what}: streamed ${a}, not streamed ${b}`);
          evidence ||= `streamed:\n${s.value.evidence}\n\nnot streamed:\n${p.value.evidence}`;
        }
      }
      if (differences.length > 0) {
        return outcome('fail', `${listSome(differences)}; Claude Code re-sends a failed stream without streaming and must get the same kind of answer`, evidence);
      }
      if (compared === 0) return outcome('skip', 'no pair of answers to compare (see U1, N5 and S12 for why)');
      return outcome('pass', `${compared} stream/non-stream pair(s) with the same block types, order and stop_reason`);
    },
  },
});
