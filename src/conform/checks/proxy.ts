/**
 * Reverse-proxy layer (catalogue Y, run when `--via` puts nginx or
 * mitmproxy in front): does the stream still arrive event by event (Y1),
 * and does a large request get through (Y3)? Not in a suite file: the
 * conform run adds them when a route is in the path.
 */
import { contentDeltas } from '../../client/index.ts';
import type { Observation } from '../../types.ts';
import { defineChecks, outcome } from '../check.ts';
import { describeAnswer, ensureAnswered, readStream } from './support.ts';

/** Tunables of the one-lump judgement (TCP may coalesce a few deltas; a fast stream may fit in one read). */
export interface LumpOptions {
  /** Fewer content deltas cannot show a lump. Default 10. */
  readonly minDeltas?: number;
  /** Shorter responses are not judged. Default 100 ms. */
  readonly minE2elMs?: number;
  /** Spread of the deltas (last − first) at or below this share of E2EL is one lump. Default 0.05. */
  readonly maxSpreadShare?: number;
}

/** What the lump judgement saw in one stream. */
export interface LumpReading {
  readonly judged: boolean;
  readonly lump: boolean;
  readonly deltas: number;
  /** Distinct arrival times among the deltas (deltas of one read share a time). */
  readonly arrivals: number;
  readonly ttft_ms: number | null;
  readonly e2el_ms: number | null;
}

/**
 * Was the stream delivered in one lump (TTFT ≈ E2EL)? Pure: reads the
 * arrival time of each non-empty content delta.
 */
export function judgeLump(obs: Observation, options: LumpOptions = {}): LumpReading {
  const times = contentDeltas(obs)
    .filter((d) => d.text !== '')
    .map((d) => d.t_ms);
  const first = times[0] ?? null;
  const last = times[times.length - 1] ?? null;
  const arrivals = new Set(times).size;
  const base = { deltas: times.length, arrivals, ttft_ms: first, e2el_ms: last };
  if (first === null || last === null || times.length < (options.minDeltas ?? 10) || last < (options.minE2elMs ?? 100)) {
    return { judged: false, lump: false, ...base };
  }
  const spread = (last - first) / last;
  return { judged: true, lump: arrivals <= 2 || spread <= (options.maxSpreadShare ?? 0.05), ...base };
}

/** 5 MB of text: far above nginx's 1 MB default, far below Anthropic's 32 MB limit. */
export const LARGE_BODY_BYTES = 5 * 1024 * 1024;

const ms = (v: number | null): string => (v === null ? '—' : `${v.toFixed(0)} ms`);

export const PROXY_CHECKS = defineChecks({
  Y1: {
    title: 'The stream crosses the proxy event by event (not in one lump)',
    area: 'transport',
    severity: 'degraded',
    refs: ['ggml-org/llama.cpp#20872', 'alibaba/OpenSandbox#898'],
    async run(ctx) {
      const obs = await ctx.exchange('route-stream', {
        method: 'POST',
        path: '/v1/messages?beta=true',
        body: {
          model: ctx.target.model,
          max_tokens: 400,
          stream: true,
          messages: [{ role: 'user', content: 'Count from 1 to 40, one number per line. [[emulate tokens=40 itl=15]]' }],
        },
      });
      ensureAnswered(obs);
      const stream = readStream(obs, 'a 40-line streamed answer');
      if (!stream.ok) return stream.outcome;
      const r = judgeLump(obs);
      const figures = `${r.deltas} deltas in ${r.arrivals} read(s), TTFT ${ms(r.ttft_ms)}, E2EL ${ms(r.e2el_ms)}`;
      if (!r.judged) return outcome('skip', `stream too short or too fast to judge (${figures})`);
      if (r.lump) {
        return outcome(
          'fail',
          `the stream arrived in one lump (${figures}): the proxy holds the SSE body until the end, so Claude Code sees nothing until the answer is complete and TTFT equals the whole response time — nginx: proxy_buffering off; mitmproxy: set flow.response.stream = True in a responseheaders hook`,
        );
      }
      return outcome('pass', `streamed incrementally (${figures})`);
    },
  },
  Y3: {
    title: 'A 5 MB request gets through the proxy (no 413 from a 1 MB body limit)',
    area: 'transport',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const obs = await ctx.exchange('route-large-body', {
        method: 'POST',
        path: '/v1/messages',
        body: {
          model: ctx.target.model,
          max_tokens: 16,
          messages: [{ role: 'user', content: `Reply with OK. ${'lorem ipsum '.repeat(Math.ceil(LARGE_BODY_BYTES / 12))}` }],
        },
      });
      ensureAnswered(obs);
      const html = (obs.headers['content-type'] ?? '').includes('text/html');
      if (obs.status === 413) {
        return outcome(
          'fail',
          `the proxy refused a 5 MB body with 413${html ? ' and an HTML page Claude Code cannot read' : ''}: a long Claude Code conversation is blocked — nginx: client_max_body_size 32m`,
          obs.body ?? '',
        );
      }
      // Any answer from the gateway (a context-length 400 included) shows the body crossed the proxy.
      return outcome('pass', `the body crossed the proxy (${describeAnswer(obs)})`);
    },
  },
});
