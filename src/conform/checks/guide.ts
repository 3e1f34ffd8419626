/**
 * The deployment guide's checklist and its mistakes as checks (suite
 * `guide`, design.md "What the guide's own stack gets wrong"):
 *
 *   D1 backend and gateway healthy          D4 window fits Claude Code's first request + max_tokens
 *   D2 Claude Code's env points at the gateway  D5 tool calls work the way Claude Code asks (auto)
 *   D3 every response within 30 s           D6 the stream arrives progressively, not in one lump
 *
 * Requests are Claude-Code-shaped where it matters (src/claude-code/shapes.ts) and steer
 * the emulator with `[[emulate …]]` directives a real model ignores.
 * `guideCheckSpecs()` takes the environment and the latency bound as
 * options so tests can judge other values; GUIDE_CHECKS uses the real ones.
 */
import { contentDeltas, createClient } from '../../client/index.ts';
import { claudeCodeMaxTokens } from '../../live/live-task.ts';
import { assessClaudeEnv } from '../../live/claude-env.ts';
import { looksLikeTextToolCall } from '../../live/judge.ts';
import { redactSecrets } from '../../secrets.ts';
import type { Observation, RequestSpec, Target } from '../../types.ts';
import { CC_OBSERVED_SIZES, ccRequestSpec } from '../../claude-code/shapes.ts';
import { defineChecks, outcome, type CheckContext, type CheckOutcome, type CheckSpec } from '../check.ts';
import { WEATHER_TOOL } from '../exchanges.ts';
import { accumulateStream } from '../stream-accumulator.ts';
import { bodyText, describeAnswer, isObject, parseJson, type Json } from './support.ts';

/** The guide asks that a response arrive within 30 s. */
export const GUIDE_LATENCY_LIMIT_MS = 30_000;
/** max_tokens of the "does the prompt alone fit" probe. */
export const SMALL_MAX_TOKENS = 1024;
/** Content deltas closer together than this (or 5 % of the response time) count as one lump. */
export const LUMP_SPREAD_MS = 20;
/** Below this response time nothing can be told about buffering. */
export const LUMP_MIN_E2EL_MS = 100;
/** Fewest content deltas the lump judgement needs. */
export const LUMP_MIN_DELTAS = 5;
/** Health paths tried on the gateway: vLLM/CCR/llama.cpp, LiteLLM's unauthenticated one, k8s style. */
export const GATEWAY_HEALTH_PATHS = ['/health', '/health/liveliness', '/healthz'] as const;

const TOOL_QUESTION = 'What is the weather in Paris right now? Use the get_weather tool. [[emulate tool=get_weather]]';

/** The guide suite's requests by exchange key (max_tokens of the Claude Code request comes from the env). */
export const GUIDE_EXCHANGES = {
  /** The smallest useful request: proves the backend answers behind the gateway. */
  'guide-minimal': (t: Target): RequestSpec => ({
    method: 'POST',
    path: '/v1/messages',
    body: { model: t.model, max_tokens: 16, messages: [{ role: 'user', content: 'Reply with the word ok. [[emulate tokens=3]]' }] },
  }),
  /** Claude Code's first request as it sends it: ~49 KB, twelve tools, no tool_choice (so "auto"), max_tokens M. */
  'guide-cc-first': (t: Target, maxTokens: number): RequestSpec => ccRequestSpec(t, { maxTokens }),
  /** The same with tool_choice none: what is left when tool choice is out of the way is the window. */
  'guide-cc-first-no-tool-choice': (t: Target, maxTokens: number): RequestSpec => withBody(ccRequestSpec(t, { maxTokens }), { tool_choice: { type: 'none' } }),
  /** The same with a small max_tokens: does the prompt alone fit? */
  'guide-cc-prompt-only': (t: Target): RequestSpec => withBody(ccRequestSpec(t, { maxTokens: SMALL_MAX_TOKENS }), { tool_choice: { type: 'none' } }),
  /** A tool offered without tool_choice, streamed: how Claude Code asks for tools. */
  'guide-tool-auto': (t: Target): RequestSpec => ({
    method: 'POST',
    path: '/v1/messages',
    body: { model: t.model, max_tokens: 256, stream: true, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: TOOL_QUESTION }] },
  }),
  /** The same call forced by name (vLLM serves it without the auto-tool flags). */
  'guide-tool-forced': (t: Target): RequestSpec => ({
    method: 'POST',
    path: '/v1/messages',
    body: {
      model: t.model,
      max_tokens: 256,
      stream: true,
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'tool', name: WEATHER_TOOL.name },
      messages: [{ role: 'user', content: TOOL_QUESTION }],
    },
  }),
  /** A streamed answer of ~40 tokens, long enough to see whether it trickles or lands at once. */
  'guide-stream-long': (t: Target): RequestSpec => ({
    method: 'POST',
    path: '/v1/messages',
    body: {
      model: t.model,
      max_tokens: 256,
      stream: true,
      messages: [{ role: 'user', content: 'Count from 1 to 40, one number per line. [[emulate tokens=40 itl=15]]' }],
    },
  }),
} as const;

function withBody(spec: RequestSpec, extra: Json): RequestSpec {
  return { ...spec, body: { ...(spec.body as Json), ...extra } };
}

/** Answered 200 without a transport error. */
function answered(obs: Observation): boolean {
  return obs.error === null && obs.status === 200;
}

/** Content blocks of an answer, streamed or not (empty when there are none). */
export function answerBlocks(obs: Observation): Json[] {
  if (obs.events.length > 0) return [...(accumulateStream(obs.events).message?.content ?? [])];
  const body = parseJson(obs.body);
  const content = isObject(body) ? body['content'] : undefined;
  return Array.isArray(content) ? content.filter(isObject) : [];
}

function textOf(blocks: readonly Json[]): string {
  return blocks
    .filter((b) => b['type'] === 'text' && typeof b['text'] === 'string')
    .map((b) => b['text'] as string)
    .join('');
}

/** End-to-end latency: last content delta of a stream, else the end of the response. */
export function e2elMs(obs: Observation): number | null {
  const deltas = contentDeltas(obs).filter((d) => d.text !== '');
  const last = deltas[deltas.length - 1];
  return last !== undefined ? last.t_ms : obs.t_end_ms;
}

// ─── Pure judgements (exported for tests) ────────────────────────────────────

/** D3: the slowest of the answered requests against `limitMs`. */
export function judgeLatency(observations: readonly Observation[], limitMs: number): CheckOutcome {
  const timedOut = observations.filter((o) => o.error?.kind === 'timeout');
  if (timedOut.length > 0) {
    return outcome('fail', `${timedOut.length} request(s) got no answer before the idle timeout (${timedOut.map((o) => o.label).join(', ')}); the guide wants every response within ${limitMs / 1000} s`);
  }
  const timed = observations.filter(answered).flatMap((o) => {
    const ms = e2elMs(o);
    return ms === null ? [] : [{ o, ms }];
  });
  if (timed.length === 0) return outcome('skip', 'no request of this suite was answered, so there is no response time to judge (see D1, D4, D5)');
  const slowest = timed.reduce((a, b) => (b.ms > a.ms ? b : a));
  const first = contentDeltas(slowest.o).find((d) => d.text !== '');
  const ttft = first ? `, TTFT ${Math.round(first.t_ms)} ms` : '';
  const what = `slowest response: ${slowest.o.label} in ${Math.round(slowest.ms)} ms${ttft} (${timed.length} responses)`;
  if (slowest.ms > limitMs) {
    return outcome(
      'fail',
      `${what}, over the guide's ${limitMs / 1000} s; Claude Code's ~12k-token first request is the heaviest: a faster backend, a smaller model or prefix caching is needed`,
    );
  }
  return outcome('pass', `${what}, within ${limitMs / 1000} s`);
}

/** D6: were the content deltas spread over the response, or delivered in one lump at the end? */
export function judgeStreamTiming(obs: Observation): CheckOutcome {
  const deltas = contentDeltas(obs).filter((d) => d.text !== '');
  if (deltas.length < LUMP_MIN_DELTAS) {
    return outcome('warn', `only ${deltas.length} content delta(s) arrived, too few to tell streaming from buffering`, bodyText(obs));
  }
  const first = deltas[0]?.t_ms ?? 0;
  const last = deltas[deltas.length - 1]?.t_ms ?? 0;
  const spread = last - first;
  const figures = `${deltas.length} deltas between ${Math.round(first)} and ${Math.round(last)} ms (TTFT ${Math.round(first)} ms, E2EL ${Math.round(last)} ms)`;
  if (spread > Math.max(LUMP_SPREAD_MS, 0.05 * last)) return outcome('pass', `the stream trickled in: ${figures}`);
  if (last < LUMP_MIN_E2EL_MS) return outcome('warn', `the whole answer took ${Math.round(last)} ms, too fast to tell streaming from buffering: ${figures}`);
  return outcome(
    'fail',
    `the stream arrived in one lump: ${figures}, so TTFT ≈ E2EL and Claude Code shows nothing until the end; a proxy buffers it (nginx: proxy_buffering off; mitmproxy: flow.response.stream = True)`,
    obs.events.slice(0, 3).map((e) => e.raw).join('\n'),
  );
}

// ─── The checks ──────────────────────────────────────────────────────────────

/** Options of guideCheckSpecs. */
export interface GuideCheckOptions {
  /** The environment Claude Code would run in (default: this process's). */
  readonly env?: () => NodeJS.ProcessEnv;
  /** Response time bound (default 30 s, the guide's). */
  readonly latencyLimitMs?: number;
}

/** The guide checks, parameterised (see the file comment). */
export function guideCheckSpecs(options: GuideCheckOptions = {}) {
  const env = options.env ?? (() => process.env);
  const limitMs = options.latencyLimitMs ?? GUIDE_LATENCY_LIMIT_MS;
  const ccFirst = (ctx: CheckContext) => ctx.exchange('guide-cc-first', GUIDE_EXCHANGES['guide-cc-first'](ctx.target, claudeCodeMaxTokens(env())));
  const minimal = (ctx: CheckContext) => ctx.exchange('guide-minimal', GUIDE_EXCHANGES['guide-minimal'](ctx.target));
  const toolAuto = (ctx: CheckContext) => ctx.exchange('guide-tool-auto', GUIDE_EXCHANGES['guide-tool-auto'](ctx.target));
  const streamLong = (ctx: CheckContext) => ctx.exchange('guide-stream-long', GUIDE_EXCHANGES['guide-stream-long'](ctx.target));

  return {
    D1: {
      title: 'The backend and the gateway are up and a request gets through',
      area: 'guide',
      severity: 'blocker',
      refs: [],
      async run(ctx) {
        const notes: string[] = [];
        if (ctx.target.backendUrl !== undefined) {
          const backend = await probeBackend(ctx.target.backendUrl, Math.min(ctx.timeoutMs, 10_000));
          if (!backend.ok) return outcome('fail', `the backend is not healthy: GET ${ctx.target.backendUrl}/health → ${backend.what}`);
          notes.push(`backend /health ${backend.what}`);
        } else {
          notes.push('backend not probed directly (its URL is not known for an external target)');
        }
        let gatewayHealth: string | undefined;
        const tried: string[] = [];
        for (const path of GATEWAY_HEALTH_PATHS) {
          const obs = await ctx.exchange(`guide-health:${path}`, { method: 'GET', path });
          if (obs.error?.kind === 'connect') return outcome('fail', `the gateway does not answer at ${ctx.target.baseUrl}: ${obs.error.message}`);
          tried.push(`${path} → ${obs.status ?? obs.error?.kind ?? '?'}`);
          if (obs.status !== null && obs.status >= 200 && obs.status < 300) {
            gatewayHealth = path;
            break;
          }
        }
        const probe = await minimal(ctx);
        if (probe.error?.kind === 'connect') return outcome('fail', `the gateway does not answer at ${ctx.target.baseUrl}: ${probe.error.message}`);
        if (!answered(probe)) {
          return outcome('fail', `a minimal request through the gateway fails (${describeAnswer(probe)}): the gateway is up but the backend behind it does not answer`, bodyText(probe));
        }
        const e2e = `a minimal request got through in ${Math.round(probe.t_end_ms ?? 0)} ms`;
        if (gatewayHealth === undefined) {
          return outcome('warn', `no health endpoint answered 2xx (${tried.join(', ')}), so nothing can monitor the gateway; ${e2e}; ${notes.join('; ')}`);
        }
        return outcome('pass', `gateway ${gatewayHealth} 2xx; ${notes.join('; ')}; ${e2e}`);
      },
    },
    D2: {
      title: "Claude Code's environment points at the gateway under test, with a key it accepts",
      area: 'guide',
      severity: 'blocker',
      refs: [],
      async run(ctx) {
        const assessment = assessClaudeEnv(env(), ctx.target);
        if (assessment.kind === 'done') return outcome(assessment.status, assessment.detail);
        const { probe } = assessment;
        const obs = await ctx.exchange(`guide-env-key:${probe.variable}`, {
          ...GUIDE_EXCHANGES['guide-minimal'](ctx.target),
          auth: probe.auth,
          apiKey: probe.key,
        });
        // The user's key is not among the run's secrets: keep it out of what the gateway echoes back.
        const said = redactSecrets(describeAnswer(obs), [probe.key]);
        const body = redactSecrets(bodyText(obs), [probe.key]);
        if (obs.status === 401 || obs.status === 403) {
          return outcome('fail', `ANTHROPIC_BASE_URL points at the gateway, but it refuses the key in ${probe.variable} (${said})`, body);
        }
        if (!answered(obs)) return outcome('warn', `ANTHROPIC_BASE_URL points at the gateway; a request with the key in ${probe.variable} got ${said}`, body);
        if (assessment.note !== '') return outcome('warn', `ANTHROPIC_BASE_URL points at the gateway and it accepts ${probe.variable}, but ${assessment.note}`);
        return outcome('pass', `ANTHROPIC_BASE_URL points at the gateway under test and it accepts the key in ${probe.variable}`);
      },
    },
    D4: {
      title: "The context window holds Claude Code's first request plus its max_tokens",
      area: 'guide',
      severity: 'blocker',
      refs: ['musistudio/claude-code-router#1799'],
      async run(ctx) {
        const maxTokens = claudeCodeMaxTokens(env());
        const size = `~${Math.round(CC_OBSERVED_SIZES.firstRequestBytes / 1000)} KB, twelve tool schemas, about 12k tokens`;
        const first = await ccFirst(ctx);
        if (answered(first)) {
          const usage = accumulateStream(first.events).message?.usage;
          const tokens = usage && typeof usage['input_tokens'] === 'number' && usage['input_tokens'] > 0 ? ` (input_tokens ${usage['input_tokens']})` : '';
          return outcome('pass', `Claude Code's first request (${size}${tokens}) with max_tokens ${maxTokens} was accepted`);
        }
        const noChoice = await ctx.exchange('guide-cc-first-no-tool-choice', GUIDE_EXCHANGES['guide-cc-first-no-tool-choice'](ctx.target, maxTokens));
        if (answered(noChoice)) {
          return outcome('pass', `the window holds Claude Code's first request with max_tokens ${maxTokens}; the request as sent was refused for its tools (${describeAnswer(first)}), see D5`);
        }
        const promptOnly = await ctx.exchange('guide-cc-prompt-only', GUIDE_EXCHANGES['guide-cc-prompt-only'](ctx.target));
        if (answered(promptOnly)) {
          return outcome(
            'fail',
            `the window holds Claude Code's prompt (${size}) but not the prompt plus the max_tokens ${maxTokens} it asks for: ${describeAnswer(noChoice)}. Fix: a larger window (vLLM --max-model-len 65536 holds both), or CLAUDE_CODE_MAX_OUTPUT_TOKENS below the window minus ~12k`,
            bodyText(noChoice),
          );
        }
        const small = await minimal(ctx);
        if (answered(small)) {
          return outcome(
            'fail',
            `the window is too small for Claude Code's prompt itself (${size}), even with max_tokens ${SMALL_MAX_TOKENS}, while a minimal request works: ${describeAnswer(promptOnly)}. Fix: vLLM --max-model-len 65536 (16384 holds the prompt alone, not its max_tokens ${maxTokens})`,
            bodyText(promptOnly),
          );
        }
        return outcome('fail', `every request is refused, even a minimal one (${describeAnswer(small)}), so the window could not be measured; see D1`, bodyText(first));
      },
    },
    D5: {
      title: 'Tool calls come back as tool_use blocks when tools are offered the way Claude Code offers them',
      area: 'guide',
      severity: 'blocker',
      refs: [],
      async run(ctx) {
        const auto = await toolAuto(ctx);
        if (!answered(auto)) {
          const forced = await ctx.exchange('guide-tool-forced', GUIDE_EXCHANGES['guide-tool-forced'](ctx.target));
          if (answered(forced)) {
            return outcome(
              'fail',
              `tools offered without tool_choice (what every Claude Code request does, i.e. "auto") are refused (${describeAnswer(auto)}) while a call forced by name works: start vLLM with --enable-auto-tool-choice --tool-call-parser hermes (Qwen2.5)`,
              bodyText(auto),
            );
          }
          return outcome('fail', `requests offering tools are refused, auto (${describeAnswer(auto)}) and forced (${describeAnswer(forced)}) alike`, bodyText(auto));
        }
        const blocks = answerBlocks(auto);
        const call = blocks.find((b) => b['type'] === 'tool_use');
        if (call) {
          return call['name'] === WEATHER_TOOL.name
            ? outcome('pass', `the model's call came back as a tool_use block for ${WEATHER_TOOL.name}`)
            : outcome('fail', `a tool_use block came back for ${JSON.stringify(call['name'])}, a tool that was not offered`, JSON.stringify(call));
        }
        const text = textOf(blocks);
        if (looksLikeTextToolCall(text, [WEATHER_TOOL.name])) {
          return outcome(
            'fail',
            'the tool call came back as plain text in a text block, not as a tool_use block: Claude Code shows it and runs nothing; the backend needs a tool-call parser that matches the model (vLLM --tool-call-parser hermes for Qwen2.5)',
            text,
          );
        }
        return outcome('warn', `the model answered in text without calling the offered tool (a real model may; rerun to see a pass rate): ${JSON.stringify(text.slice(0, 160))}`, text);
      },
    },
    D6: {
      title: 'Streams arrive as they are generated, not in one lump at the end',
      area: 'guide',
      severity: 'degraded',
      refs: ['ggml-org/llama.cpp#20872', 'alibaba/OpenSandbox#898'],
      async run(ctx) {
        const obs = await streamLong(ctx);
        if (!answered(obs)) return outcome('fail', `the streamed request failed: ${describeAnswer(obs)}`, bodyText(obs));
        return judgeStreamTiming(obs);
      },
    },
    D3: {
      title: `Every response arrives within the guide's ${limitMs >= 1000 ? `${limitMs / 1000} s` : `${limitMs} ms`}`,
      area: 'guide',
      severity: 'degraded',
      refs: [],
      async run(ctx) {
        // The suite's own requests, Claude Code's heaviest among them (already sent when D3 runs last).
        const observations = await Promise.all([minimal(ctx), ccFirst(ctx), toolAuto(ctx), streamLong(ctx)]);
        return judgeLatency(observations, limitMs);
      },
    },
  } satisfies Record<string, CheckSpec>;
}

/** GET <backend>/health with a client of its own (the backend is not the target). */
async function probeBackend(baseUrl: string, timeoutMs: number): Promise<{ ok: boolean; what: string }> {
  const client = createClient({ baseUrl, apiKey: '', timeoutMs });
  try {
    const obs = await client.send({ method: 'GET', path: '/health', auth: 'none', label: 'guide-backend-health' });
    if (obs.error) return { ok: false, what: `${obs.error.kind}: ${obs.error.message}` };
    return { ok: obs.status !== null && obs.status >= 200 && obs.status < 300, what: `HTTP ${String(obs.status)}` };
  } finally {
    client.close();
  }
}

export const GUIDE_CHECKS = defineChecks(guideCheckSpecs());
