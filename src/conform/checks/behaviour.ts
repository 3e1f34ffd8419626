/**
 * Claude Code's traffic patterns (catalogue X1, X4, X5, X7): the
 * non-streaming fallback of its real request, concurrent requests, the
 * rotating attribution block, and the burst of requests at start-up.
 */
import { randomBytes } from 'node:crypto';
import type { Observation, RequestSpec, Target } from '../../types.ts';
import { CC_COUNT_TOKENS_PATH, ccRequestBody, ccRequestSpec } from '../../claude-code/shapes.ts';
import { defineChecks, outcome, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { messageShapeProblems } from './response.ts';
import { echoOf, emulate, isScripted, messages, readAnswer, send, userTurn } from './scripted.ts';
import { bodyText, describeAnswer, ensureAnswered, isObject, listSome, parseJson } from './support.ts';
import { proseOf } from './usage-catalogue.ts';

/**
 * max_tokens for the Claude-Code-shaped request: small enough that its
 * ~13k-token prompt fits a 32k window (the context check is elsewhere), so
 * X1 judges only the stream/non-stream pair.
 */
const CC_FALLBACK_MAX_TOKENS = 1024;

/** Judge one answer of the X1 pair: a complete Message either way (pure). */
export function completeAnswer(obs: Observation, what: string): string | null {
  const read = readAnswer(obs, what);
  if (!read.ok) return read.outcome.detail;
  if (read.value.streamed) {
    if (!obs.events.some((e) => e.type === 'message_stop')) return `${what}: the stream never finished (no message_stop)`;
    const bad = read.value.violations.find((v) => v.rule !== 'P5');
    if (bad) return `${what}: ${bad.message}`;
    return null;
  }
  const body = parseJson(obs.body);
  const problems = isObject(body) ? messageShapeProblems(body) : ['not a JSON object'];
  return problems.length > 0 ? `${what}: ${listSome(problems)}` : null;
}

// ─── X4 ──────────────────────────────────────────────────────────────────────

/** What Claude Code runs at once: the main turn, a background "haiku" request, two subagents. */
const CONCURRENT = ['main turn', 'background title request', 'subagent 1', 'subagent 2'] as const;

function concurrentSpec(target: Target, i: number): RequestSpec {
  return messages(target, { max_tokens: 64, stream: true, messages: userTurn(`Write one short sentence about task ${i + 1}. ${emulate({ tokens: 12, itl: 10 })}`) });
}

/** Judge one of the concurrent answers: complete, or a 429/529 with retry-after (pure). */
export function concurrentProblem(obs: Observation, what: string): string | null {
  if ((obs.status === 429 || obs.status === 529) && (obs.headers['retry-after'] !== undefined || obs.headers['retry-after-ms'] !== undefined)) return null;
  if (obs.status === 429 || obs.status === 529) return `${what}: HTTP ${obs.status} without retry-after`;
  return completeAnswer(obs, what);
}

// ─── X5 ──────────────────────────────────────────────────────────────────────

/** The attribution block of Claude Code before v2.1.181: a cch= value new on every request. */
export function billingBlock(): string {
  return `x-anthropic-billing-header: cc_version=2.1.150.a1b; cc_entrypoint=cli; cch=${randomBytes(3).toString('hex').slice(0, 5)};`;
}

const STABLE_SYSTEM = `You are Claude Code, run by claude-bench.\n${proseOf(3_000, 9)}`;

function attributionSpec(target: Target): RequestSpec {
  return messages(target, {
    max_tokens: 1024,
    system: [
      { type: 'text', text: billingBlock() },
      { type: 'text', text: STABLE_SYSTEM, cache_control: { type: 'ephemeral' } },
    ],
    messages: userTurn(`Say ok. ${emulate({ echo: true })}`),
  });
}

/** Where the rotating block ended up in what the upstream received (pure). */
export function billingPlacement(echoBody: Record<string, unknown>): 'absent' | 'before-stable' | 'after-stable' {
  const msgs = Array.isArray(echoBody['messages']) ? (echoBody['messages'] as unknown[]) : [];
  const system = typeof echoBody['system'] === 'string' ? echoBody['system'] : JSON.stringify(echoBody['system'] ?? '');
  const texts = [system, ...msgs.map((m) => (isObject(m) && typeof m['text'] === 'string' ? m['text'] : ''))];
  const all = texts.join('\n');
  const billing = all.indexOf('x-anthropic-billing-header');
  if (billing < 0) return 'absent';
  const stable = all.indexOf('You are Claude Code, run by claude-bench');
  return stable >= 0 && stable < billing ? 'after-stable' : 'before-stable';
}

// ─── X7 ──────────────────────────────────────────────────────────────────────

/** Claude Code's start-up probe: max_tokens 1, "quota", no system. */
function probeSpec(target: Target): RequestSpec {
  return messages(target, { max_tokens: 1, messages: userTurn('quota') });
}

/** A background topic-detection request, as a small model gets it. */
function topicSpec(target: Target): RequestSpec {
  return messages(target, {
    max_tokens: 512,
    system: 'Analyze if this message indicates a new conversation topic. Format your response as a JSON object with two fields: isNewTopic (boolean) and title (string or null).',
    messages: userTurn(`fix the failing test in parser.ts ${emulate({ say: '{"isNewTopic": true, "title": "Fix parser test"}' })}`),
  });
}

function countSpec(target: Target): RequestSpec {
  const { max_tokens: _drop, stream: _stream, ...body } = ccRequestBody({ model: target.model });
  return { method: 'POST', path: CC_COUNT_TOKENS_PATH, body };
}

/** Judge the start-up burst (pure). */
export function startupProblems(probe: Observation, topic: Observation, count: Observation): string[] {
  const problems: string[] = [];
  const p = readAnswer(probe, 'the max_tokens=1 probe');
  if (!p.ok) problems.push(`the max_tokens=1 "quota" probe: ${p.outcome.detail} (Claude Code then thinks the model is unavailable)`);
  else if (p.value.stopReason !== 'max_tokens' && p.value.stopReason !== 'end_turn') problems.push(`the max_tokens=1 probe stopped with ${quote(p.value.stopReason)}`);
  const t = readAnswer(topic, 'the topic-detection request');
  if (!t.ok) problems.push(`the topic-detection request: ${t.outcome.detail}`);
  const countBody = parseJson(count.body);
  const countOk = count.status === 200 && isObject(countBody) && typeof countBody['input_tokens'] === 'number';
  const countAbsent = count.status === 404 || count.status === 405 || count.status === 501;
  if (!countOk && !countAbsent) problems.push(`count_tokens: ${describeAnswer(count)} (neither a count nor a clean "not offered")`);
  return problems;
}

export const BEHAVIOUR_CHECKS = defineChecks({
  X1: {
    title: "Claude Code's request succeeds streamed and again not streamed (its fallback)",
    area: 'behaviour',
    severity: 'blocker',
    refs: ['BerriAI/litellm#13373'],
    async run(ctx) {
      const streamed = await send(ctx, 'cc-stream', ccRequestSpec(ctx.target, { stream: true, maxTokens: CC_FALLBACK_MAX_TOKENS }));
      const plain = await send(ctx, 'cc-plain', ccRequestSpec(ctx.target, { stream: false, maxTokens: CC_FALLBACK_MAX_TOKENS }));
      const problems = [completeAnswer(streamed, 'streamed'), completeAnswer(plain, 'not streamed (the fallback)')].filter((p): p is string => p !== null);
      if (problems.length > 0) {
        return outcome('fail', `Claude Code's first request (max_tokens ${CC_FALLBACK_MAX_TOKENS}) failed: ${listSome(problems)}`, bodyText(streamed.status === 200 ? plain : streamed));
      }
      return outcome('pass', `Claude Code's ~49 KB first request answered both streamed and as the non-streaming fallback`);
    },
  },
  X4: {
    title: 'Four concurrent requests all complete (or get 429/529 with retry-after)',
    area: 'behaviour',
    severity: 'degraded',
    refs: ['anthropics/claude-code#60921'],
    async run(ctx) {
      const all = await Promise.all(CONCURRENT.map((_, i) => send(ctx, `concurrent-${i + 1}`, concurrentSpec(ctx.target, i))));
      all.forEach(ensureAnswered);
      const problems = all.map((obs, i) => concurrentProblem(obs, CONCURRENT[i] ?? `request ${i + 1}`)).filter((p): p is string => p !== null);
      const bad = all.find((o) => o.status !== 200) ?? all.find((o, i) => concurrentProblem(o, String(i)) !== null);
      if (problems.length > 0) return outcome('fail', `${problems.length} of ${all.length} concurrent requests failed: ${listSome(problems)}`, bad ? bodyText(bad) : '');
      const limited = all.filter((o) => o.status !== 200).length;
      return outcome('pass', `${all.length} concurrent streams: ${all.length - limited} complete${limited > 0 ? `, ${limited} refused with retry-after` : ''}`);
    },
  },
  X5: {
    title: "Claude Code's per-request attribution block does not bust the prompt cache",
    area: 'behaviour',
    severity: 'degraded',
    refs: ['ggml-org/llama.cpp#20623', 'ollama/ollama#14918', 'musistudio/claude-code-router#1220', 'anthropics/claude-code#68900'],
    async run(ctx) {
      const first = readAnswer(await send(ctx, 'attribution-1', attributionSpec(ctx.target)), 'the first request with an attribution block');
      if (!first.ok) return first.outcome;
      const secondObs = await send(ctx, 'attribution-2', attributionSpec(ctx.target));
      const second = readAnswer(secondObs, 'the second request, with a new cch=');
      if (!second.ok) return second.outcome;
      const echo = echoOf(second.value);
      if (echo) {
        const where = billingPlacement(echo.body);
        if (where === 'absent') return outcome('pass', 'the gateway strips the x-anthropic-billing-header block: the prompt prefix stays the same from request to request');
        if (where === 'after-stable') return outcome('pass', 'the billing block reaches the model after the stable system prompt, so the prefix cache still matches');
        return outcome(
          'warn',
          'the x-anthropic-billing-header block (cch= changes on every request before Claude Code 2.1.181) reaches the model ahead of the system prompt: every turn re-prefills the whole context. Strip it in the gateway or set CLAUDE_CODE_ATTRIBUTION_HEADER=0',
          second.value.evidence,
        );
      }
      const read = second.value.usage?.['cache_read_input_tokens'];
      if (typeof read === 'number' && read > 0) return outcome('pass', `the second request read ${read} tokens from the prompt cache despite the new cch= value`);
      if (await isScripted(ctx)) return outcome('skip', 'the upstream did not echo what it received');
      return outcome('skip', 'a real model answered: what reached it cannot be seen, and no cache_read_input_tokens was reported');
    },
  },
  X7: {
    title: "Claude Code's start-up burst (max_tokens=1 probe, topic request, count_tokens) all succeed at once",
    area: 'behaviour',
    severity: 'degraded',
    refs: ['BerriAI/litellm#35061', 'Wei-Shaw/sub2api#6838'],
    async run(ctx): Promise<CheckOutcome> {
      const [probe, topic, count] = await Promise.all([
        send(ctx, 'startup-probe', probeSpec(ctx.target)),
        send(ctx, 'startup-topic', topicSpec(ctx.target)),
        send(ctx, 'startup-count', countSpec(ctx.target)),
      ]);
      [probe, topic, count].forEach(ensureAnswered);
      const problems = startupProblems(probe, topic, count);
      if (problems.length > 0) return outcome('fail', listSome(problems), bodyText([probe, topic, count].find((o) => o.status !== 200) ?? probe));
      const counted = count.status === 200 ? 'count_tokens counted' : `count_tokens not offered (HTTP ${String(count.status)}, Claude Code estimates)`;
      return outcome('pass', `probe, topic request and ${counted}, all at once`);
    },
  },
});
