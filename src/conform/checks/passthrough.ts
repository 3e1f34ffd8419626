/**
 * What a proxy does with the upstream (catalogue X2, X3, X6), observed
 * through a scripted upstream: message_start during a slow prefill, upstream
 * generation cancelled when the client leaves, and what reaches the
 * upstream of the request's headers and fields (the emulator's `echo`).
 * On a real model these report `skip`: nothing upstream can be observed.
 */
import type { Observation, RequestSpec, Target } from '../../types.ts';
import { defineChecks, outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { SLOW_PREFILL_MS, slowPrefillTimeline } from './streaming-catalogue.ts';
import { echoOf, echoSpec, emulate, isScripted, messages, notScripted, pause, readAnswer, send, userTurn, type Echo } from './scripted.ts';
import { describeAnswer, listSome } from './support.ts';

const secs = (ms: number | null): string => (ms === null ? 'never' : `${(ms / 1000).toFixed(2)} s`);

/** message_start must come within this share of the scripted prefill (scaled: a prefill of minutes must not be silent). */
const EARLY_SHARE = 0.5;

// ─── X3 ──────────────────────────────────────────────────────────────────────

/** A stream long enough to abandon: ~3 s of tokens. */
function longStreamSpec(target: Target): RequestSpec {
  return messages(target, { max_tokens: 400, stream: true, messages: userTurn(`Write a long story. ${emulate({ tokens: 150, itl: 20 })}`) });
}

/** When the client gives up on the long stream. */
const ABANDON_AFTER_MS = 400;
/** How often, and how many times, to ask the upstream what is still generating. */
const POLL_EVERY_MS = 200;
const POLLS = 4;

async function activeGenerations(ctx: CheckContext, key: string): Promise<number | null> {
  const read = readAnswer(await send(ctx, key, echoSpec(ctx.target, 'Say ok.')), 'the echo request');
  if (!read.ok) return null;
  return echoOf(read.value)?.activeGenerations ?? null;
}

// ─── X6 ──────────────────────────────────────────────────────────────────────

export const PASSTHROUGH_BETA = 'claude-code-20250219,interleaved-thinking-2025-05-14,claude-bench-probe-2099-01-01';
export const PASSTHROUGH_FIELD = 'claude_bench_unknown_field';
const PASSTHROUGH_VALUE = { probe: 'cb-7Q', nested: [1, 'two'] };
const PASSTHROUGH_STOP = 'CBPASS';

function passthroughSpec(target: Target): RequestSpec {
  return echoSpec(
    target,
    'Say ok.',
    { temperature: 0.25, stop_sequences: [PASSTHROUGH_STOP], metadata: { user_id: 'user_cb_session_1' }, [PASSTHROUGH_FIELD]: PASSTHROUGH_VALUE },
    { path: '/v1/messages?beta=true', headers: { 'anthropic-beta': PASSTHROUGH_BETA, 'x-claude-code-session-id': 'cb-session-0001' } },
  );
}

/** Judge what an Anthropic-format upstream received: the request byte for byte (pure). */
export function anthropicPassthroughProblems(echo: Echo): string[] {
  const problems: string[] = [];
  if (echo.headers['anthropic-beta'] !== PASSTHROUGH_BETA) problems.push(`anthropic-beta reached the upstream as ${quote(echo.headers['anthropic-beta'])}, not verbatim`);
  if (echo.headers['anthropic-version'] === undefined) problems.push('anthropic-version did not reach the upstream');
  if (JSON.stringify(echo.body[PASSTHROUGH_FIELD]) !== JSON.stringify(PASSTHROUGH_VALUE)) problems.push(`the unknown field ${PASSTHROUGH_FIELD} was dropped or changed (${quote(echo.body[PASSTHROUGH_FIELD])})`);
  if (JSON.stringify(echo.body['stop_sequences']) !== JSON.stringify([PASSTHROUGH_STOP])) problems.push('stop_sequences did not reach the upstream');
  return problems;
}

/** Judge what an OpenAI-format upstream received: the request's parameters, translated (pure). */
export function translatedPassthroughProblems(echo: Echo): string[] {
  const problems: string[] = [];
  const b = echo.body;
  const maxTokens = b['max_tokens'] ?? b['max_completion_tokens'];
  if (maxTokens !== 1024) problems.push(`max_tokens arrived as ${quote(maxTokens)}, not 1024`);
  if (b['temperature'] !== 0.25) problems.push(`temperature arrived as ${quote(b['temperature'])}, not 0.25`);
  const stop = b['stop'];
  const stops = typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : [];
  if (!stops.includes(PASSTHROUGH_STOP)) problems.push(`stop_sequences was not translated to stop (got ${quote(stop)}): the model runs past Claude Code's stop sequences`);
  return problems;
}

export const PASSTHROUGH_CHECKS = defineChecks({
  X2: {
    title: 'Slow prefill: headers and message_start before the first token',
    area: 'behaviour',
    severity: 'degraded',
    refs: ['tale-project/tale#3387', 'tale-project/tale#3396', 'anthropics/claude-code#35327'],
    async run(ctx) {
      const read = await slowPrefillTimeline(ctx);
      if (!read.ok) return read.outcome;
      const t = read.timeline;
      const limit = SLOW_PREFILL_MS * EARLY_SHARE;
      const when = `headers at ${secs(t.headersMs)}, message_start at ${secs(t.messageStartMs)}, first token at ${secs(t.firstDeltaMs)}`;
      if (t.headersMs === null || t.headersMs > limit) {
        return outcome('fail', `${when}: the gateway holds the response headers until the model's first token; past ~300 s of prefill Claude Code's fetch gives up and re-sends`, read.obs.events[0]?.raw ?? '');
      }
      if (t.messageStartMs === null || t.messageStartMs > limit) {
        return outcome(
          'fail',
          `${when}: message_start waits for the first token, so the stream is silent for the whole prefill. Scaled test: the ${secs(SLOW_PREFILL_MS)} prefill stands for minutes on a long context, and Claude Code abandons a stream after 300 s without an event (then re-sends it while the first still runs)`,
          read.obs.events.find((e) => e.type === 'message_start')?.raw ?? '',
        );
      }
      return outcome('pass', `${when}: the client sees the stream open while the model prefills`);
    },
  },
  X3: {
    title: 'A client that disconnects cancels the upstream generation',
    area: 'behaviour',
    severity: 'degraded',
    refs: ['tale-project/tale#3396', 'atomantic/PortOS#6188'],
    async run(ctx): Promise<CheckOutcome> {
      if (!(await isScripted(ctx))) return notScripted('the upstream generations in flight');
      const before = await activeGenerations(ctx, 'x3-before');
      if (before === null) return outcome('skip', 'the upstream did not echo what it was generating');
      const giveUp = AbortSignal.timeout(ABANDON_AFTER_MS);
      const abandoned: Observation = await ctx.client.send({ ...longStreamSpec(ctx.target), label: 'cb:x3-abandoned' }, { signal: ctx.signal ? AbortSignal.any([ctx.signal, giveUp]) : giveUp });
      if (ctx.signal?.aborted) return outcome('skip', 'the run was cancelled');
      const ids = [abandoned.request_id];
      if (abandoned.error?.kind !== 'aborted') {
        return { ...outcome('skip', `the long stream ended before the client left (${describeAnswer(abandoned)})`), request_ids: ids };
      }
      let left = before + 1;
      let waited = 0;
      for (let i = 1; i <= POLLS; i++) {
        await pause(POLL_EVERY_MS, ctx.signal);
        waited += POLL_EVERY_MS;
        const now = await activeGenerations(ctx, `x3-after-${i}`);
        if (now === null) return { ...outcome('skip', 'the upstream stopped echoing'), request_ids: ids };
        left = now;
        if (now <= before) return { ...outcome('pass', `the upstream stopped generating within ${secs(waited)} of the client leaving`), request_ids: ids };
      }
      return {
        ...outcome(
          'fail',
          `${left - before} generation(s) still running upstream ${secs(waited)} after the client left: on a single-slot local server Claude Code's retry queues behind the abandoned answer`,
        ),
        request_ids: ids,
      };
    },
  },
  X6: {
    title: 'Request headers and fields reach the upstream (verbatim, or faithfully translated)',
    area: 'behaviour',
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      const read = readAnswer(await send(ctx, 'passthrough-echo', passthroughSpec(ctx.target)), 'the echoed request');
      if (!read.ok) return read.outcome;
      const echo = echoOf(read.value);
      if (!echo) return notScripted('what reaches the upstream');
      const anthropic = echo.path.endsWith('/v1/messages');
      const problems = anthropic ? anthropicPassthroughProblems(echo) : translatedPassthroughProblems(echo);
      const dropped = ['anthropic-beta', 'x-claude-code-session-id'].filter((h) => echo.headers[h] === undefined);
      const translated = `the gateway translates to ${echo.path}${dropped.length > 0 ? ` (${dropped.join(', ')} not forwarded; nothing upstream reads them)` : ''}`;
      if (problems.length > 0) {
        return outcome('fail', `${anthropic ? 'the Anthropic-format upstream' : translated}: ${listSome(problems)}`, JSON.stringify({ path: echo.path, headers: echo.headers, body: echo.body }));
      }
      if (anthropic) return outcome('pass', 'anthropic-beta, anthropic-version, stop_sequences and an unknown field reached the upstream unchanged');
      return outcome('pass', `${translated}; max_tokens, temperature and stop arrive translated (upstream fields: ${Object.keys(echo.body).join(', ')})`);
    },
  },
});
