/**
 * Transport, routing and auth beyond the core (catalogue T2–T4, T6–T12):
 * both auth headers, Claude Code's beta flags and extra headers, HEAD /,
 * stream delivery and its headers, gzip, and large bodies.
 */
import type { Observation, RequestSpec, SseEvent, Target } from '../../types.ts';
import { CC_BETA_FLAGS, ccHeaders } from '../../claude-code/shapes.ts';
import { defineChecks, outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { exchange } from '../exchanges.ts';
import {
  acceptance,
  answered,
  errorMessageOf,
  mentionsContext,
  post,
  send,
  smallBody,
  within,
} from './catalogue-support.ts';
import { bodyText, describeAnswer, errorEnvelopeProblems, listSome, readStream } from './support.ts';

// ─── auth ─────────────────────────────────────────────────────────────────────

async function authOutcome(ctx: CheckContext, auth: RequestSpec['auth'] & string, how: string, why: string): Promise<CheckOutcome> {
  const obs = answered(await send(ctx, `auth-${auth}`, post(smallBody(ctx.target), { auth })));
  if (obs.status === 401 || obs.status === 403) {
    return outcome('fail', `the gateway refused the key sent as ${how} (${describeAnswer(obs)}). ${why}`, bodyText(obs));
  }
  const got = acceptance(obs, `a request with the key as ${how}`, why);
  if (!got.ok) return got.outcome;
  return outcome('pass', `HTTP 200 with the key sent as ${how}`);
}

// ─── stream delivery ──────────────────────────────────────────────────────────

/** Content deltas a stream must carry before a lump can be told from a fast model. */
const LUMP_MIN_DELTAS = 20;
/** Streams shorter than this are too fast to tell buffering from speed. */
const LUMP_MIN_DURATION_MS = 200;

/** A streamed answer long enough to show pacing: ~30 tokens, 10 ms apart on the emulator. */
function pacedStream(target: Pick<Target, 'model'>, headers?: Record<string, string>): RequestSpec {
  return post(
    {
      model: target.model,
      max_tokens: 200,
      stream: true,
      messages: [{ role: 'user', content: 'Count from 1 to 30, one number per line, nothing else. [[emulate tokens=30 itl=10]]' }],
    },
    headers ? { headers } : {},
  );
}

interface Pacing {
  readonly headersMs: number | null;
  readonly startMs: number | null;
  readonly firstDeltaMs: number | null;
  readonly endMs: number | null;
  readonly deltas: number;
  /** Every event arrived within a window too short for a model to generate them. */
  readonly lump: boolean;
  readonly spreadMs: number;
}

function pacing(obs: Observation, events: readonly SseEvent[]): Pacing {
  const deltas = events.filter((e) => e.type === 'content_block_delta');
  const first = events[0]?.t_ms ?? null;
  const last = events.at(-1)?.t_ms ?? null;
  const spreadMs = first !== null && last !== null ? last - first : 0;
  const end = obs.t_end_ms;
  const lump = deltas.length >= LUMP_MIN_DELTAS && end !== null && end >= LUMP_MIN_DURATION_MS && spreadMs <= Math.max(20, 0.05 * end);
  return {
    headersMs: obs.t_hdr_ms,
    startMs: events.find((e) => e.type === 'message_start')?.t_ms ?? null,
    firstDeltaMs: deltas[0]?.t_ms ?? null,
    endMs: end,
    deltas: deltas.length,
    lump,
    spreadMs,
  };
}

const ms = (v: number | null): string => (v === null ? '—' : `${Math.round(v)} ms`);

function timeline(p: Pacing): string {
  return `headers after ${ms(p.headersMs)}, message_start after ${ms(p.startMs)}, first delta after ${ms(p.firstDeltaMs)}, complete after ${ms(p.endMs)} (${p.deltas} deltas)`;
}

// ─── large bodies ─────────────────────────────────────────────────────────────

/**
 * A small request made about `bytes` long by an extra top-level field. Body
 * limits act on bytes before any parsing, so the padding finds them without
 * sending megabytes of prompt to a model (which could be a paid one).
 */
function largeBody(target: Pick<Target, 'model'>, bytes: number): RequestSpec {
  const line = 'claude-bench large body check: this field only adds bytes to the request. ';
  return post({ ...smallBody(target, { max_tokens: 16 }), claude_bench_padding: line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes) });
}

const SIZE_WORDING = /too large|entity|payload|body ?limit|size limit|exceeds? .*(bytes|size)/i;

/**
 * A large body must get past every body-size limit: 200, or any answer that
 * is not about its size (the gateway parsed it). `strict` makes a 413 in the
 * right envelope a failure (sizes Claude Code reaches routinely).
 */
function largeBodyOutcome(obs: Observation, label: string, strict: boolean): CheckOutcome {
  if (obs.error) return outcome('fail', `the ${label} request got ${describeAnswer(obs)}; a proxy may have cut the connection at a body-size limit`, bodyText(obs));
  const status = obs.status ?? 0;
  if (status >= 200 && status < 300) return outcome('pass', `a ${label} body was accepted (HTTP ${status})`);
  const message = errorMessageOf(obs);
  if (status !== 413 && mentionsContext(message)) {
    return outcome('pass', `a ${label} body reached the model, which refused it for its context window (HTTP ${status}: ${quote(message, 100)}): no body-size limit in the way`);
  }
  const sizeRefusal = status === 413 || SIZE_WORDING.test(message) || /^\s*</.test(obs.body ?? '');
  if (!sizeRefusal && status >= 400 && status < 500) {
    return outcome('pass', `a ${label} body was parsed and answered HTTP ${status} (${quote(message, 100)}; an unknown padding field carries the bytes): no body-size limit in the way`);
  }
  const fix = 'Raise the body limit to Anthropic\'s 32 MB (nginx: client_max_body_size 32m; Fastify: bodyLimit; Express: json({limit})).';
  if (sizeRefusal) {
    const problems = errorEnvelopeProblems(obs);
    if (problems.length > 0) {
      return outcome('fail', `a ${label} body was refused for its size with ${describeAnswer(obs)}, and not in the Anthropic envelope (${listSome(problems)}): Claude Code shows "API returned an empty or malformed response". ${fix}`, bodyText(obs));
    }
    if (strict) return outcome('fail', `a ${label} body was refused for its size (${describeAnswer(obs)}); Claude Code's requests pass 1 MB in long sessions (file contents, images). ${fix}`, bodyText(obs));
    return outcome('warn', `a ${label} body was refused with 413 request_too_large in the Anthropic envelope; Anthropic accepts up to 32 MB. ${fix}`, bodyText(obs));
  }
  return outcome('fail', `a ${label} body got ${describeAnswer(obs)}`, bodyText(obs));
}

/** The beta flags of T6: Claude Code's eight plus ones it sent in other releases and one from the future. */
export const T6_BETA_FLAGS = [...CC_BETA_FLAGS, 'fine-grained-tool-streaming-2025-05-14', 'foo-2099-01-01'] as const;

/** HEAD / must answer within this. */
export const HEAD_BOUND_MS = 3_000;

export const TRANSPORT_CATALOGUE_CHECKS = defineChecks({
  T2: {
    title: 'Key as Authorization: Bearer accepted',
    area: 'auth',
    severity: 'blocker',
    refs: [],
    run: (ctx) =>
      authOutcome(ctx, 'bearer', 'Authorization: Bearer', 'Claude Code sends Bearer when ANTHROPIC_AUTH_TOKEN is set: accept the key in Authorization: Bearer as well as in x-api-key.'),
  },
  T3: {
    title: 'Key as x-api-key accepted',
    area: 'auth',
    severity: 'blocker',
    refs: ['vllm-project/vllm#51572', 'unslothai/unsloth#8663'],
    run: (ctx) =>
      authOutcome(
        ctx,
        'x-api-key',
        'x-api-key',
        'Claude Code sends x-api-key when ANTHROPIC_API_KEY is set (and for model discovery): accept it, or have users set ANTHROPIC_AUTH_TOKEN instead (vLLM --api-key only checks Bearer).',
      ),
  },
  T4: {
    title: 'Same key in both x-api-key and Bearer accepted',
    area: 'auth',
    severity: 'degraded',
    refs: [],
    run: (ctx) =>
      authOutcome(ctx, 'both', 'both x-api-key and Authorization: Bearer', 'An apiKeyHelper key is sent in both headers on every inference request: accept the pair when the values agree.'),
  },
  T6: {
    title: 'anthropic-beta with Claude Code\'s flags and unknown ones accepted',
    area: 'transport',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const spec = post(smallBody(ctx.target), { path: '/v1/messages?beta=true', headers: { 'anthropic-beta': T6_BETA_FLAGS.join(',') } });
      const got = acceptance(
        answered(await send(ctx, 'beta-flags', spec)),
        `a request with anthropic-beta: ${quote(T6_BETA_FLAGS.join(','), 80)}`,
        'Forward or ignore anthropic-beta values; never allowlist them: the set changes with every Claude Code release.',
      );
      if (!got.ok) return got.outcome;
      return outcome('pass', `HTTP 200 with ${T6_BETA_FLAGS.length} anthropic-beta values, one of them unknown`);
    },
  },
  T7: {
    title: 'Claude Code\'s extra request headers accepted',
    area: 'transport',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const headers: Record<string, string> = { ...ccHeaders(), 'x-claude-code-agent-id': 'agent-1', 'x-claude-code-parent-agent-id': 'agent-0', 'x-custom-header': 'claude-bench' };
      delete headers['anthropic-beta'];
      const got = acceptance(
        answered(await send(ctx, 'cc-headers', post(smallBody(ctx.target), { path: '/v1/messages?beta=true', headers }))),
        'a request with Claude Code\'s headers (x-claude-code-*, x-stainless-*, anthropic-dangerous-direct-browser-access, x-app, a custom one)',
        'Ignore headers you do not use.',
      );
      if (!got.ok) return got.outcome;
      return outcome('pass', `HTTP 200 with ${Object.keys(headers).length} Claude Code headers`);
    },
  },
  T8: {
    title: 'HEAD / answers quickly',
    area: 'transport',
    severity: 'cosmetic',
    refs: [],
    async run(ctx) {
      const result = await within(send(ctx, 'head-root', { method: 'HEAD', path: '/', auth: 'none' }), HEAD_BOUND_MS);
      if (result === 'timeout') {
        return outcome('fail', `HEAD / got no answer within ${HEAD_BOUND_MS / 1000} s; Claude Code's connectivity probe waits on it (any quick status, even 404, is fine)`);
      }
      const obs = answered(result);
      if (obs.error) return outcome('fail', `HEAD / got ${describeAnswer(obs)}`);
      return outcome('pass', `HEAD / answered HTTP ${String(obs.status)} after ${ms(obs.t_end_ms)}`);
    },
  },
  T9: {
    title: 'Streams are delivered as generated, not in one lump',
    area: 'transport',
    severity: 'degraded',
    refs: ['ggml-org/llama.cpp#20872', 'alibaba/OpenSandbox#898'],
    async run(ctx) {
      const obs = answered(await send(ctx, 'paced-stream', pacedStream(ctx.target)));
      const read = readStream(obs, 'a streamed answer of ~30 tokens');
      if (!read.ok) return read.outcome;
      const p = pacing(obs, read.value);
      if (p.lump) {
        const heldHeaders = p.headersMs !== null && p.endMs !== null && p.headersMs >= 0.9 * p.endMs;
        return outcome(
          'fail',
          `${heldHeaders ? 'headers and all events' : 'all events'} arrived together after ${ms(p.endMs)} (${p.deltas} deltas within ${ms(p.spreadMs)}): something buffers the stream, so Claude Code sees nothing until the answer is complete and its idle watchdog may fire. Turn buffering off (nginx: proxy_buffering off, or send X-Accel-Buffering: no; mitmproxy: stream responses)`,
          read.value.slice(0, 3).map((e) => e.raw).join('\n'),
        );
      }
      if (p.deltas < LUMP_MIN_DELTAS) return outcome('skip', `only ${p.deltas} deltas came back, too few to tell buffering from a fast model (${timeline(p)})`);
      return outcome('pass', timeline(p));
    },
  },
  T10a: {
    title: 'Responses carry a request-id header',
    area: 'transport',
    severity: 'cosmetic',
    refs: [],
    async run(ctx) {
      const plain = answered(await exchange(ctx, 'plain'));
      const stream = answered(await send(ctx, 'paced-stream', pacedStream(ctx.target)));
      const missing = [
        ['the JSON answer', plain],
        ['the streamed answer', stream],
      ].filter(([, obs]) => !(obs as Observation).headers['request-id']).map(([what]) => what as string);
      if (missing.length > 0) {
        return outcome('fail', `no request-id header on ${missing.join(' or ')}; the API sends one on every response, and users quote it when reporting problems`, JSON.stringify((missing[0] === 'the JSON answer' ? plain : stream).headers));
      }
      return outcome('pass', `request-id ${quote(plain.headers['request-id'], 50)} (JSON) and ${quote(stream.headers['request-id'], 50)} (stream)`);
    },
  },
  T10b: {
    title: 'SSE responses tell proxies not to buffer (Cache-Control: no-cache, X-Accel-Buffering: no)',
    area: 'transport',
    severity: 'degraded',
    refs: ['ggml-org/llama.cpp#20872'],
    async run(ctx) {
      const obs = answered(await send(ctx, 'paced-stream', pacedStream(ctx.target)));
      const read = readStream(obs, 'a streamed answer');
      if (!read.ok) return read.outcome;
      const cache = obs.headers['cache-control'] ?? '';
      const accel = obs.headers['x-accel-buffering'] ?? '';
      const evidence = JSON.stringify(obs.headers);
      if (!/no-cache|no-store/i.test(cache)) {
        return outcome('fail', `the SSE response has Cache-Control ${quote(cache || 'missing')}; send Cache-Control: no-cache so caches and proxies pass events through`, evidence);
      }
      if (accel.toLowerCase() !== 'no') {
        return outcome('warn', `no X-Accel-Buffering: no header: behind nginx with its default proxy_buffering on, the stream reaches Claude Code in lumps. Send the header, or set proxy_buffering off in front of this gateway`, evidence);
      }
      return outcome('pass', `Cache-Control ${quote(cache)}, X-Accel-Buffering: no`);
    },
  },
  T11: {
    title: 'A stream asked for with Accept-Encoding: gzip still arrives incrementally',
    area: 'transport',
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      const obs = answered(await send(ctx, 'paced-stream-gzip', pacedStream(ctx.target, { 'accept-encoding': 'gzip, deflate, br' })));
      const encoding = obs.headers['content-encoding'] ?? 'identity';
      const read = readStream(obs, `a streamed answer with Accept-Encoding: gzip (Content-Encoding ${encoding})`);
      if (!read.ok) return read.outcome;
      const p = pacing(obs, read.value);
      if (p.lump) {
        return outcome(
          'fail',
          `the ${encoding}-compressed stream arrived in one lump after ${ms(p.endMs)} (${p.deltas} deltas within ${ms(p.spreadMs)}): the compressor is not flushed per event. Do not compress text/event-stream (nginx: gzip off for it), or flush after every event`,
          `content-encoding: ${encoding}`,
        );
      }
      if (encoding === 'identity') return outcome('pass', `served uncompressed; ${timeline(p)}`);
      if (p.deltas < LUMP_MIN_DELTAS) return outcome('skip', `compressed (${encoding}) but only ${p.deltas} deltas came back, too few to judge flushing`);
      return outcome('pass', `compressed (${encoding}) and flushed per event; ${timeline(p)}`);
    },
  },
  T12: {
    title: 'A 1.5 MB request body is not refused for its size',
    area: 'transport',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const obs = answered(await send(ctx, 'body-1.5mb', largeBody(ctx.target, 1_500_000)));
      return largeBodyOutcome(obs, '1.5 MB', true);
    },
  },
  T12b: {
    title: 'A 5 MB request body is accepted or refused with 413 request_too_large JSON',
    area: 'transport',
    severity: 'cosmetic',
    refs: [],
    async run(ctx) {
      const obs = answered(await send(ctx, 'body-5mb', largeBody(ctx.target, 5_000_000)));
      return largeBodyOutcome(obs, '5 MB', false);
    },
  },
});
