/**
 * count_tokens (catalogue C1–C5). Optional for Claude Code (it estimates
 * locally when the endpoint is absent), but when present it must count
 * what Claude Code sends, quickly and never as a constant.
 */
import type { Observation, RequestSpec, Target } from '../../types.ts';
import { CC_COUNT_TOKENS_PATH, ccSystemBlocks, ccSystemMessage, ccTools, ccUserMessage } from '../../claude-code/shapes.ts';
import { defineChecks, outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { answered, post, rate, send } from './catalogue-support.ts';
import { bodyText, describeAnswer, isObject, listSome, parseJson } from './support.ts';

const PROMPT = 'Reply with the single word: ready.';
/** System blocks plus tools are ~38 KB: any tokenizer counts thousands of tokens for them. */
export const MIN_SYSTEM_TOOLS_TOKENS = 2000;
export const BURST = 50;
/** Slowest of the burst beyond which Claude Code's start-up stalls (fail), and beyond which it is noticeable (warn). */
export const BURST_FAIL_MS = 2000;
export const BURST_WARN_MS = 1000;

function count(body: unknown, path = CC_COUNT_TOKENS_PATH): RequestSpec {
  return post(body, { path });
}

/** The CC-shaped body Claude Code counts: system blocks, tools, the user turn; no max_tokens. */
function fullBody(t: Pick<Target, 'model'>): unknown {
  return { model: t.model, system: ccSystemBlocks(), tools: ccTools(), messages: [ccUserMessage(PROMPT)] };
}

function bareBody(t: Pick<Target, 'model'>): unknown {
  return { model: t.model, messages: [ccUserMessage(PROMPT)] };
}

/** Body with a role:"system" message, thinking and output_config, tools with extra fields. */
function richBody(t: Pick<Target, 'model'>): unknown {
  const tools = ccTools().slice(0, 3).map((tool, i) => (i === 0 ? { ...tool, strict: true, eager_input_streaming: true } : tool));
  return {
    model: t.model,
    system: ccSystemBlocks(),
    tools,
    thinking: { type: 'adaptive' },
    output_config: { effort: 'high' },
    messages: [ccUserMessage(PROMPT), ccSystemMessage('string')],
  };
}

type Count = { readonly kind: 'count'; readonly tokens: number; readonly extra: string[] } | { readonly kind: 'absent' } | { readonly kind: 'bad'; readonly detail: string };

/** Read a count_tokens answer. */
export function readCount(obs: Observation): Count {
  const status = obs.status ?? 0;
  if (obs.error) return { kind: 'bad', detail: describeAnswer(obs) };
  if (status === 404 || status === 405 || status === 501) return { kind: 'absent' };
  if (status !== 200) return { kind: 'bad', detail: describeAnswer(obs) };
  const body = parseJson(obs.body);
  if (!isObject(body)) return { kind: 'bad', detail: `HTTP 200 but the body is not a JSON object: ${quote(obs.body, 100)}` };
  const tokens = body['input_tokens'];
  if (typeof tokens !== 'number' || !Number.isInteger(tokens) || tokens < 0) return { kind: 'bad', detail: `HTTP 200 but input_tokens is ${quote(tokens)}, expected an integer` };
  return { kind: 'count', tokens, extra: Object.keys(body).filter((k) => k !== 'input_tokens') };
}

/** The full-body answer (C1's), shared by every C check. */
async function full(ctx: CheckContext): Promise<{ obs: Observation; count: Count }> {
  const obs = answered(await send(ctx, 'count-full', count(fullBody(ctx.target))));
  return { obs, count: readCount(obs) };
}

const ABSENT = 'count_tokens is not implemented (see C1); Claude Code then estimates locally';

export const COUNT_TOKENS_CHECKS = defineChecks({
  C1: {
    title: 'count_tokens?beta=true counts a Claude-Code-shaped body (or is cleanly absent)',
    area: 'count_tokens',
    severity: 'degraded',
    refs: ['BerriAI/litellm#13252', 'BerriAI/litellm#30043', 'envoyproxy/ai-gateway#1360', 'api7/aisix#418'],
    async run(ctx) {
      const { obs, count: c } = await full(ctx);
      if (c.kind === 'absent') {
        // Routing on the full URL is a bug of its own: the plain path works, ?beta=true does not.
        const plain = answered(await send(ctx, 'count-plain-path', count(fullBody(ctx.target), '/v1/messages/count_tokens')));
        if (readCount(plain).kind === 'count') {
          return outcome('fail', `/v1/messages/count_tokens works but ${CC_COUNT_TOKENS_PATH} answers HTTP ${String(obs.status)}: route on the path, not the full URL`, bodyText(obs));
        }
        return outcome('warn', `count_tokens answers HTTP ${String(obs.status)}: not implemented. Claude Code estimates context use locally, so /context and auto-compaction work from estimates`, bodyText(obs));
      }
      if (c.kind === 'bad') return outcome('fail', `count_tokens on a Claude-Code-shaped body got ${c.detail}; answer {"input_tokens": N}, or 404 if you do not count`, bodyText(obs));
      if (c.tokens === 0) return outcome('fail', 'count_tokens answered input_tokens 0 for a ~40 KB body; Claude Code\'s /context then shows an empty context', bodyText(obs));
      return outcome('pass', `input_tokens ${c.tokens}${c.extra.length > 0 ? ` (plus ${c.extra.join(', ')})` : ''}`);
    },
  },
  C2: {
    title: 'count_tokens counts the system prompt and the tools',
    area: 'count_tokens',
    severity: 'degraded',
    refs: ['router-for-me/CLIProxyAPI#679'],
    async run(ctx) {
      const withAll = (await full(ctx)).count;
      if (withAll.kind !== 'count') return outcome('skip', withAll.kind === 'absent' ? ABSENT : `count_tokens does not answer (see C1)`);
      const bareObs = answered(await send(ctx, 'count-bare', count(bareBody(ctx.target))));
      const bare = readCount(bareObs);
      if (bare.kind !== 'count') return outcome('fail', `count_tokens counted the full body but not the same body without system and tools: ${bare.kind === 'bad' ? bare.detail : `HTTP ${String(bareObs.status)}`}`, bodyText(bareObs));
      const added = withAll.tokens - bare.tokens;
      if (added < MIN_SYSTEM_TOOLS_TOKENS) {
        return outcome(
          'fail',
          `adding ~7 KB of system blocks and ~31 KB of tools changes the count by ${added} tokens (${bare.tokens} → ${withAll.tokens}); they are not counted, so Claude Code compacts too late and overflows the window`,
          bodyText(bareObs),
        );
      }
      return outcome('pass', `${bare.tokens} tokens for the user turn alone, ${withAll.tokens} with system and tools (+${added})`);
    },
  },
  C3: {
    title: 'count_tokens accepts role:"system" messages, thinking and extra tool fields',
    area: 'count_tokens',
    severity: 'degraded',
    refs: ['jwadow/kiro-gateway#255'],
    async run(ctx) {
      if ((await full(ctx)).count.kind === 'absent') return outcome('skip', ABSENT);
      const obs = answered(await send(ctx, 'count-rich', count(richBody(ctx.target))));
      const c = readCount(obs);
      if (c.kind === 'count' && c.tokens > 0) return outcome('pass', `input_tokens ${c.tokens}`);
      const what = c.kind === 'count' ? 'input_tokens 0' : c.kind === 'absent' ? `HTTP ${String(obs.status)}` : c.detail;
      return outcome('fail', `count_tokens on a body with a role:"system" message, thinking, output_config and tools with strict/eager_input_streaming got ${what}; count what Claude Code sends, ignoring fields you do not use`, bodyText(obs));
    },
  },
  C4: {
    title: `${BURST} concurrent count_tokens calls all answer quickly`,
    area: 'count_tokens',
    severity: 'degraded',
    refs: ['Wei-Shaw/claude-relay-service#731'],
    async run(ctx): Promise<CheckOutcome> {
      if ((await full(ctx)).count.kind !== 'count') return outcome('skip', 'count_tokens does not count (see C1)');
      const spec = count(bareBody(ctx.target));
      const burst = await Promise.all(Array.from({ length: BURST }, (_, i) => send(ctx, `count-burst#${i + 1}`, spec)));
      burst.forEach(answered);
      const failed = burst.filter((o) => readCount(o).kind !== 'count');
      const slowest = Math.max(...burst.map((o) => o.t_end_ms ?? Infinity));
      if (failed.length > 0) {
        const statuses = [...new Set(failed.map((o) => (o.status === null ? o.error?.kind ?? 'no answer' : `HTTP ${o.status}`)))];
        return outcome('fail', `${rate(failed.length, BURST)} of ${BURST} concurrent count_tokens calls failed (${listSome(statuses)}); the VS Code extension fires ~50 at start-up`, bodyText(failed[0] as Observation));
      }
      if (slowest > BURST_FAIL_MS) {
        return outcome('fail', `the slowest of ${BURST} concurrent count_tokens calls took ${Math.round(slowest)} ms: calls queue one behind another (counting should tokenize, not go through the generation queue)`);
      }
      if (slowest > BURST_WARN_MS) return outcome('warn', `the slowest of ${BURST} concurrent count_tokens calls took ${Math.round(slowest)} ms`);
      return outcome('pass', `${BURST} concurrent calls, slowest ${Math.round(slowest)} ms`);
    },
  },
  C5: {
    title: 'count_tokens never answers a constant 0 or a 5xx for valid input',
    area: 'count_tokens',
    severity: 'degraded',
    refs: ['router-for-me/CLIProxyAPI#4410', 'anthropics/claude-code#84549'],
    async run(ctx) {
      const answers = [
        (await full(ctx)).obs,
        answered(await send(ctx, 'count-bare', count(bareBody(ctx.target)))),
        answered(await send(ctx, 'count-rich', count(richBody(ctx.target)))),
      ];
      const counts = answers.map(readCount);
      if (counts.every((c) => c.kind === 'absent')) return outcome('skip', ABSENT);
      const serverError = answers.find((o) => (o.status ?? 0) >= 500);
      if (serverError) return outcome('fail', `valid count_tokens input got ${describeAnswer(serverError)}; Claude Code treats count_tokens 5xx as an outage`, bodyText(serverError));
      const numbers = counts.flatMap((c) => (c.kind === 'count' ? [c.tokens] : []));
      if (numbers.length > 0 && numbers.every((n) => n === 0)) return outcome('fail', 'count_tokens answers input_tokens 0 for every body; /context and compaction go blind');
      if (numbers.length >= 2 && new Set(numbers).size === 1) return outcome('fail', `count_tokens answers ${numbers[0]} for three bodies of very different sizes: a constant, not a count`);
      return outcome('pass', `counts ${numbers.join(', ')} for three different bodies`);
    },
  },
});
