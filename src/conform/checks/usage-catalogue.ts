/**
 * Token accounting across requests (catalogue G3, G4): prompt-cache counts
 * that add up, and count_tokens agreeing with what a real request reports.
 */
import type { Observation, RequestSpec, Target } from '../../types.ts';
import { defineChecks, outcome, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { WEATHER_TOOL } from '../exchanges.ts';
import { emulate, messages, send, userTurn } from './scripted.ts';
import { describeAnswer, isObject, listSome, parseJson, readMessage, type Json } from './support.ts';

/** Deterministic prose of about `bytes` bytes (a prompt prefix long enough for prefix caches). */
export function proseOf(bytes: number, seed = 0): string {
  const words = ['gateway', 'stream', 'token', 'model', 'cache', 'prefix', 'request', 'answer', 'local', 'server', 'window', 'budget', 'reads', 'keeps', 'sends', 'stable'];
  const out: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const word = words[(i * 7 + seed) % words.length] ?? 'token';
    const piece = i % 12 === 11 ? `${word}. ` : `${word} `;
    out.push(piece);
    length += piece.length;
  }
  return out.join('').slice(0, bytes);
}

/** ~1,500 tokens of system prompt: above the 1,024-token minimum Anthropic caches, a prefix any prefix cache keeps. */
const LONG_SYSTEM = `You are a careful assistant for claude-bench.\n${proseOf(6_000, 3)}`;

function cacheSpec(target: Target): RequestSpec {
  return messages(target, {
    max_tokens: 16,
    system: [{ type: 'text', text: LONG_SYSTEM, cache_control: { type: 'ephemeral' } }],
    messages: userTurn(`Say ok. ${emulate({ tokens: 3 })}`),
  });
}

interface UsageCounts {
  readonly input: number;
  readonly creation: number;
  readonly read: number;
  readonly total: number;
}

/** The counts of a usage object, or what is wrong with them (pure). */
export function usageCounts(usage: unknown): UsageCounts | string {
  if (!isObject(usage)) return 'no usage object';
  const num = (key: string, nullable: boolean): number | string => {
    const v = usage[key];
    if ((v === undefined || v === null) && nullable) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v)) return `usage.${key} is ${quote(v)}`;
    if (v < 0) return `usage.${key} is negative (${v})`;
    return v;
  };
  const input = num('input_tokens', false);
  const creation = num('cache_creation_input_tokens', true);
  const read = num('cache_read_input_tokens', true);
  const bad = [input, creation, read].filter((v): v is string => typeof v === 'string');
  if (bad.length > 0) return bad.join('; ');
  const [i, c, r] = [input, creation, read] as number[];
  return { input: i ?? 0, creation: c ?? 0, read: r ?? 0, total: (i ?? 0) + (c ?? 0) + (r ?? 0) };
}

/** Tolerance between counts of the same prompt. */
const SAME_PROMPT = 0.1;

/** Judge two identical requests' usage (pure). */
export function judgeCacheAccounting(first: unknown, second: unknown): CheckOutcome {
  const a = usageCounts(first);
  const b = usageCounts(second);
  if (typeof a === 'string' || typeof b === 'string') {
    return outcome('fail', `${listSome([typeof a === 'string' ? `first request: ${a}` : '', typeof b === 'string' ? `second request: ${b}` : ''].filter(Boolean))}; Claude Code's context meter reads these counts`);
  }
  const off = Math.abs(b.total - a.total) / Math.max(1, a.total);
  const cached = b.read + b.creation > 0 || a.read + a.creation > 0;
  if (off > SAME_PROMPT) {
    const why = b.read > 0 && b.input >= a.total * (1 - SAME_PROMPT)
      ? `input_tokens ${b.input} still includes the ${b.read} cached tokens (input + cache_read must equal the prompt, ${a.total})`
      : `the same prompt totals ${a.total} then ${b.total} tokens (input + cache_creation + cache_read)`;
    return outcome('fail', `${why}; Claude Code's context meter and auto-compaction would be off`);
  }
  if (!cached) return outcome('pass', `no prompt cache reported; the same prompt counted ${a.input} and ${b.input} input tokens`);
  return outcome('pass', `second request: input ${b.input} + cache_creation ${b.creation} + cache_read ${b.read} = ${b.total} (first: ${a.total}); cached tokens are not counted twice`);
}

/** The body count_tokens and a real request share: system, a tool, a user turn. */
function countedBody(target: Target): Json {
  return {
    model: target.model,
    system: `You answer questions about the weather.\n${proseOf(2_400, 5)}`,
    tools: [WEATHER_TOOL],
    messages: userTurn(`Is it raining in Paris? Answer yes or no. ${emulate({ tokens: 2 })}`),
  };
}

/** count_tokens is optional for Claude Code: these statuses mean "not offered" (it estimates locally). */
const NOT_OFFERED = new Set([404, 405, 501]);

/** Judge count_tokens against the usage a real request reported (pure). */
export function judgeCountTokens(count: Observation, real: Observation, emulated: boolean): CheckOutcome {
  if (count.status !== null && NOT_OFFERED.has(count.status)) {
    return outcome('skip', `count_tokens answered HTTP ${count.status}: not offered, so Claude Code estimates locally (C1 judges the endpoint)`);
  }
  const body = parseJson(count.body);
  const counted = isObject(body) ? body['input_tokens'] : undefined;
  if (count.status !== 200 || typeof counted !== 'number') return outcome('skip', `count_tokens gave no count (${describeAnswer(count)}); C1 judges the endpoint`);
  const read = readMessage(real, 'the request count_tokens is compared with');
  if (!read.ok) return read.outcome;
  const used = usageCounts(read.value['usage']);
  if (typeof used === 'string') return outcome('fail', `the real request's usage is unusable: ${used}`, real.body ?? '');
  const off = Math.abs(counted - used.total) / Math.max(1, used.total);
  const where = emulated ? ' (EMULATED backend: its token counts are an approximation)' : '';
  if (off > SAME_PROMPT) {
    return outcome(
      'fail',
      `count_tokens says ${counted} but the same body used ${used.total} input tokens (${Math.round(off * 100)} % apart, more than 10 %); Claude Code's /context and compaction timing will be off${where}`,
      count.body ?? '',
    );
  }
  return outcome('pass', `count_tokens ${counted} vs ${used.total} used (${Math.round(off * 100)} % apart)${where}`);
}

export const USAGE_CATALOGUE_CHECKS = defineChecks({
  G3: {
    title: 'Prompt-cache counts add up: input excludes cached tokens, nothing negative',
    area: 'usage',
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      const first = readMessage(await send(ctx, 'cache-1', cacheSpec(ctx.target)), 'the first request with a long system prompt');
      if (!first.ok) return first.outcome;
      const secondObs = await send(ctx, 'cache-2', cacheSpec(ctx.target));
      const second = readMessage(secondObs, 'the same request again');
      if (!second.ok) return second.outcome;
      const verdict = judgeCacheAccounting(first.value['usage'], second.value['usage']);
      return verdict.status === 'fail' ? { ...verdict, evidence: secondObs.body ?? '' } : verdict;
    },
  },
  G4: {
    title: 'count_tokens agrees with the input tokens a request uses (±10 %)',
    area: 'usage',
    severity: 'degraded',
    refs: ['router-for-me/CLIProxyAPI#679'],
    async run(ctx) {
      const body = countedBody(ctx.target);
      const count = await send(ctx, 'count-compare', { method: 'POST', path: '/v1/messages/count_tokens', body });
      const real = await send(ctx, 'count-compare-real', { method: 'POST', path: '/v1/messages', body: { ...body, max_tokens: 16 } });
      return judgeCountTokens(count, real, ctx.target.emulated);
    },
  },
});
