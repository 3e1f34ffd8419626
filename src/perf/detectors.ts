/**
 * Two things that make latency figures lie, detected from what was observed:
 * a bimodal TTFB (two populations — a cache, two backends, a cold path —
 * whose p50 describes neither) and a gateway response cache (an identical
 * request answered at once with identical content: a hit is not model
 * speed). Pure, except `probeResponseCache`, which sends the two requests.
 */
import type { Client } from '../client/index.ts';
import type { Observation } from '../types.ts';
import { extractMarks } from './marks.ts';

export interface BimodalOptions {
  /** Fewer samples cannot show two clusters. Default 10. */
  readonly minSamples?: number;
  /** Each cluster holds at least this share of the samples. Default 0.1. */
  readonly minShare?: number;
  /** Median of the upper cluster over the median of the lower one. Default 3. */
  readonly minRatio?: number;
  /** The gap itself: the first value above it over the last value below it. Default 2. */
  readonly minGap?: number;
}

export interface BimodalFinding {
  readonly flagged: boolean;
  readonly n: number;
  /** The split with the widest gap among those leaving each side minShare (null: too few samples). */
  readonly low: { readonly n: number; readonly median_ms: number } | null;
  readonly high: { readonly n: number; readonly median_ms: number } | null;
  readonly ratio: number | null;
  readonly detail: string;
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Flag two separated clusters in a latency sample (used on TTFB). */
export function detectBimodal(values: readonly number[], options: BimodalOptions = {}, what = 'TTFB'): BimodalFinding {
  const minSamples = options.minSamples ?? 10;
  const minShare = options.minShare ?? 0.1;
  const minRatio = options.minRatio ?? 3;
  const minGap = options.minGap ?? 2;
  const s = values.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  const n = s.length;
  if (n < minSamples) return { flagged: false, n, low: null, high: null, ratio: null, detail: `too few samples (${n}) to judge ${what} modality` };
  const least = Math.max(1, Math.ceil(minShare * n));
  // Ratios, not differences: a 2 ms vs 40 ms split matters as much as 200 ms vs 4 s. A floor keeps 0 ms finite.
  const floor = 0.01;
  let best = -1;
  let bestGap = 0;
  for (let i = least - 1; i <= n - least - 1; i++) {
    const gap = Math.max(s[i + 1] as number, floor) / Math.max(s[i] as number, floor);
    if (gap > bestGap) {
      bestGap = gap;
      best = i;
    }
  }
  if (best < 0) return { flagged: false, n, low: null, high: null, ratio: null, detail: `too few samples (${n}) to judge ${what} modality` };
  const lowS = s.slice(0, best + 1);
  const highS = s.slice(best + 1);
  const low = { n: lowS.length, median_ms: median(lowS) };
  const high = { n: highS.length, median_ms: median(highS) };
  const ratio = Math.max(high.median_ms, floor) / Math.max(low.median_ms, floor);
  const flagged = ratio > minRatio && bestGap >= minGap;
  const r = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const detail = flagged
    ? `bimodal ${what}: ${low.n} requests around ${r(low.median_ms)} ms and ${high.n} around ${r(high.median_ms)} ms (×${ratio.toFixed(1)}); ` +
      'two populations (a cache, two backends, a cold path): the p50 describes neither'
    : `${what} looks unimodal (widest gap ×${bestGap.toFixed(1)})`;
  return { flagged, n, low, high, ratio, detail };
}

/** What the cache detector needs of one response. */
export interface CacheProbe {
  readonly ok: boolean;
  /** Time to the first content (ms), or null. */
  readonly ttft_ms: number | null;
  /** Time to the last content (ms): a prefix-cache hit speeds up prefill only, a response cache the decode too. */
  readonly e2el_ms?: number | null;
  readonly text: string;
}

export interface ResponseCacheOptions {
  /** Second TTFT at most this share of the first. Default 0.2. */
  readonly maxShare?: number;
  /** And at least this much faster (ms): jitter on a fast backend is not a cache. Default 20. */
  readonly minSavedMs?: number;
}

export interface ResponseCacheFinding {
  readonly flagged: boolean;
  readonly first_ttft_ms: number | null;
  readonly second_ttft_ms: number | null;
  readonly identical: boolean;
  readonly detail: string;
}

/** Judge two identical requests sent back to back. */
export function detectResponseCache(first: CacheProbe, second: CacheProbe, options: ResponseCacheOptions = {}): ResponseCacheFinding {
  const maxShare = options.maxShare ?? 0.2;
  const minSaved = options.minSavedMs ?? 20;
  const base = { first_ttft_ms: first.ttft_ms, second_ttft_ms: second.ttft_ms, identical: first.ok && second.ok && first.text !== '' && first.text === second.text };
  if (!first.ok || !second.ok || first.ttft_ms === null || second.ttft_ms === null) {
    return { ...base, flagged: false, detail: 'response-cache probe: a request failed or produced no content; not judged' };
  }
  // The decode must collapse too when both ends are known: a prefix-cache hit (vLLM) shortens prefill only.
  const decodeToo =
    first.e2el_ms === undefined || first.e2el_ms === null || second.e2el_ms === undefined || second.e2el_ms === null || second.e2el_ms <= first.e2el_ms * maxShare;
  const fast = second.ttft_ms <= first.ttft_ms * maxShare && first.ttft_ms - second.ttft_ms >= minSaved && decodeToo;
  const flagged = fast && base.identical;
  const r = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const detail = flagged
    ? `response cache: an identical request was answered in ${r(second.ttft_ms)} ms after ${r(first.ttft_ms)} ms with identical content; ` +
      'its hits must not pass for model speed (disable the cache, e.g. LiteLLM cache: false, or vary prompts)'
    : `no response cache seen (identical request: TTFT ${r(first.ttft_ms)} ms then ${r(second.ttft_ms)} ms, content ${base.identical ? 'identical' : 'different'})`;
  return { ...base, flagged, detail };
}

/** Content text of a response: Messages text deltas, chat delta contents, or a non-streamed body's text. */
export function responseText(o: Observation): string {
  let out = '';
  for (const e of o.events) {
    try {
      const d = JSON.parse(e.data) as { delta?: { text?: unknown }; choices?: Array<{ delta?: { content?: unknown } }> };
      if (typeof d.delta?.text === 'string') out += d.delta.text;
      const c = d.choices?.[0]?.delta?.content;
      if (typeof c === 'string') out += c;
    } catch {
      // [DONE] and pings are not JSON
    }
  }
  if (o.events.length === 0 && o.body !== null) {
    try {
      const b = JSON.parse(o.body) as { content?: Array<{ text?: unknown }>; choices?: Array<{ message?: { content?: unknown } }> };
      for (const c of b.content ?? []) if (typeof c.text === 'string') out += c.text;
      const m = b.choices?.[0]?.message?.content;
      if (typeof m === 'string') out += m;
    } catch {
      return o.body;
    }
  }
  return out;
}

/** The fixed request of the probe: deterministic and long enough to take the backend some time. */
export function cacheProbeBody(model: string): Record<string, unknown> {
  return {
    model,
    max_tokens: 64,
    temperature: 0,
    stream: true,
    messages: [{ role: 'user', content: 'claude-bench response-cache probe: name the planets of the solar system, one per line.' }],
  };
}

/** Send the fixed request twice in a row through the gateway and judge. Each observation goes to `onObservation`. */
export async function probeResponseCache(
  client: Client,
  model: string,
  signal: AbortSignal,
  onObservation?: (o: Observation) => void,
): Promise<ResponseCacheFinding> {
  const once = async (): Promise<CacheProbe> => {
    const o = await client.send({ method: 'POST', path: '/v1/messages', body: cacheProbeBody(model), label: 'perf:cache-probe' }, { signal });
    onObservation?.(o);
    const m = extractMarks(o, 'messages');
    return { ok: o.status === 200 && m.failure === null, ttft_ms: m.t_first_ms, e2el_ms: m.t_last_ms, text: responseText(o) };
  };
  const first = await once();
  const second = await once();
  return detectResponseCache(first, second);
}
