/**
 * Threshold expressions in k6's style, parsed once at load time: a malformed
 * expression is a config error (exit 2) before anything is compared.
 *
 *   expression := statistic op bound
 *   statistic  := "p(" N ")" | "med" | "avg" | "value" | "rate"
 *   op         := "<" | "<=" | ">" | ">="
 *   bound      := ("+" | "-") number ["%"]   change from the baseline: "+10%" of it, or "+50" in the unit
 *              |  number ["%"]               a fixed limit on the current run (k6), "%" only for rates
 *
 * Examples: ttft_ms: ['p(95)<+10%'], output_tokens_per_s: ['p(50)>-10%'],
 * error_rate: ['rate<+0.01'], e2el_ms: ['p(99)<30000'].
 */
import { BenchError } from '../errors.ts';
import type { GateConfig, GateMetric, GateStatistic, NoiseOptions, ThresholdExpression, Thresholds } from './types.ts';

/** Each metric: which side is better and which statistics make sense for it. */
export const GATE_METRICS: Readonly<Record<GateMetric, { readonly label: string; readonly better: 'lower' | 'higher'; readonly statistics: readonly GateStatistic['kind'][] }>> = {
  ttft_ms: { label: 'TTFT', better: 'lower', statistics: ['percentile', 'mean'] },
  tpot_ms: { label: 'TPOT', better: 'lower', statistics: ['percentile', 'mean'] },
  e2el_ms: { label: 'E2EL', better: 'lower', statistics: ['percentile', 'mean'] },
  output_tokens_per_s: { label: 'tok/s per stream', better: 'higher', statistics: ['percentile', 'mean'] },
  throughput_tokens_per_s: { label: 'tok/s total', better: 'higher', statistics: ['value'] },
  error_rate: { label: 'error rate', better: 'lower', statistics: ['rate'] },
};

/**
 * Defaults: tolerances wide enough for run-to-run variation on a shared CI
 * machine, tight enough to catch a 30 % slowdown. Every one is further
 * guarded by the noise test.
 */
export const DEFAULT_THRESHOLD_SOURCES: Readonly<Record<GateMetric, readonly string[]>> = {
  ttft_ms: ['p(50)<+10%', 'p(95)<+15%'],
  tpot_ms: ['p(50)<+10%'],
  e2el_ms: ['p(99)<+20%'],
  output_tokens_per_s: ['p(50)>-10%'],
  throughput_tokens_per_s: ['value>-10%'],
  error_rate: ['rate<+0.01'],
};

export const DEFAULT_NOISE: NoiseOptions = { confidence: 0.95, resamples: 2000, seed: 20_240_611, minSamples: 5 };

const EXPRESSION = /^(p\(\s*(\d+(?:\.\d+)?)\s*\)|med|avg|value|rate)\s*(<=|<|>=|>)\s*([+-])?\s*(\d+(?:\.\d+)?)\s*(%)?$/;

function isMetric(name: string): name is GateMetric {
  return Object.hasOwn(GATE_METRICS, name);
}

/** Short name of a compared statistic for tables: "TTFT p95", "tok/s total", "error rate". */
export function describeStatistic(metric: GateMetric, statistic: string): string {
  const label = GATE_METRICS[metric].label;
  return statistic === 'aggregate' || statistic === 'rate' ? label : `${label} ${statistic}`;
}

/** Parse one expression for `metric`. Throws BenchError BAD_CONFIG naming the expression and what was expected. */
export function parseExpression(metric: GateMetric, source: string): ThresholdExpression {
  const m = EXPRESSION.exec(source.trim());
  const where = `threshold ${metric}: '${source}'`;
  if (!m) {
    throw new BenchError('BAD_CONFIG', `${where} is not an expression like 'p(95)<+10%'`, {
      hint: "statistic p(N)|med|avg|value|rate, then < <= > >=, then a change from the baseline (+10%, -5%, +50) or a fixed limit (4000)",
    });
  }
  const [, statText = '', pText, op = '<', sign, amountText = '0', pct] = m;
  let statistic: GateStatistic;
  if (statText.startsWith('p(')) {
    const p = Number(pText);
    if (!(p > 0 && p < 100)) throw new BenchError('BAD_CONFIG', `${where}: the percentile must be between 0 and 100 (exclusive), got ${String(pText)}`);
    statistic = { kind: 'percentile', p };
  } else if (statText === 'med') statistic = { kind: 'percentile', p: 50 };
  else if (statText === 'avg') statistic = { kind: 'mean' };
  else if (statText === 'value') statistic = { kind: 'value' };
  else statistic = { kind: 'rate' };

  const allowed = GATE_METRICS[metric].statistics;
  if (!allowed.includes(statistic.kind)) {
    const names = allowed.map((k) => (k === 'percentile' ? 'p(N)/med' : k === 'mean' ? 'avg' : k)).join(', ');
    throw new BenchError('BAD_CONFIG', `${where}: ${statText} does not apply to ${metric} (use ${names})`);
  }
  const amount = Number(amountText) * (sign === '-' ? -1 : 1);
  const percent = pct === '%';
  const mode = sign === undefined ? 'absolute' : 'relative';
  if (mode === 'absolute' && percent && statistic.kind !== 'rate') {
    throw new BenchError('BAD_CONFIG', `${where}: a percentage needs a sign to mean a change from the baseline ('+10%'); a fixed limit is in the metric's unit`);
  }
  return {
    source: source.trim(),
    statistic,
    op: op as ThresholdExpression['op'],
    mode,
    // A fixed rate limit written as a percentage ("rate<5%") is the fraction 0.05.
    amount: mode === 'absolute' && percent ? amount / 100 : amount,
    percent: mode === 'relative' && percent,
  };
}

/** Parse a `{metric: [expressions]}` table; unknown metrics and non-string entries are config errors. */
export function parseThresholds(table: unknown, source = 'thresholds'): Thresholds {
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new BenchError('BAD_CONFIG', `${source}: expected an object like {"ttft_ms": ["p(95)<+10%"]}`);
  }
  const out: Partial<Record<GateMetric, ThresholdExpression[]>> = {};
  for (const [metric, list] of Object.entries(table)) {
    if (!isMetric(metric)) {
      throw new BenchError('BAD_CONFIG', `${source}: unknown metric '${metric}'`, { hint: `known metrics: ${Object.keys(GATE_METRICS).join(', ')}` });
    }
    if (!Array.isArray(list) || list.some((e) => typeof e !== 'string')) {
      throw new BenchError('BAD_CONFIG', `${source}.${metric}: expected an array of expression strings, e.g. ["p(95)<+10%"]`);
    }
    out[metric] = (list as string[]).map((e) => parseExpression(metric, e));
  }
  return out;
}

/** The default thresholds, parsed. */
export function defaultThresholds(): Thresholds {
  return parseThresholds(DEFAULT_THRESHOLD_SOURCES, 'default thresholds');
}

function noiseFrom(value: unknown, source: string): NoiseOptions {
  if (value === undefined) return DEFAULT_NOISE;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BenchError('BAD_CONFIG', `${source}.noise: expected an object like {"confidence": 0.95, "resamples": 2000, "seed": 1}`);
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!['confidence', 'resamples', 'seed', 'min_samples'].includes(key)) {
      throw new BenchError('BAD_CONFIG', `${source}.noise: unknown key '${key}' (known: confidence, resamples, seed, min_samples)`);
    }
  }
  const num = (key: string, fallback: number, ok: (n: number) => boolean, expected: string): number => {
    const raw = v[key];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'number' || !ok(raw)) throw new BenchError('BAD_CONFIG', `${source}.noise.${key}: expected ${expected}, got ${JSON.stringify(raw)}`);
    return raw;
  };
  return {
    confidence: num('confidence', DEFAULT_NOISE.confidence, (n) => n > 0.5 && n < 1, 'a number between 0.5 and 1'),
    resamples: num('resamples', DEFAULT_NOISE.resamples, (n) => Number.isInteger(n) && n >= 100 && n <= 100_000, 'an integer 100–100000'),
    seed: num('seed', DEFAULT_NOISE.seed, (n) => Number.isInteger(n), 'an integer'),
    minSamples: num('min_samples', DEFAULT_NOISE.minSamples, (n) => Number.isInteger(n) && n >= 2, 'an integer ≥ 2'),
  };
}

/**
 * A gate config file: `{"thresholds": {metric: [expr…]}, "noise": {…}}`.
 * Metrics listed replace the default list for that metric (an empty list
 * turns the metric off); metrics not listed keep their defaults.
 */
export function parseGateConfig(value: unknown, source = 'gate config'): GateConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BenchError('BAD_CONFIG', `${source}: expected an object with "thresholds" and optionally "noise"`);
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (key !== 'thresholds' && key !== 'noise' && key !== '$comment') {
      throw new BenchError('BAD_CONFIG', `${source}: unknown key '${key}' (known: thresholds, noise)`);
    }
  }
  const given = v['thresholds'] === undefined ? {} : parseThresholds(v['thresholds'], `${source}.thresholds`);
  return { thresholds: { ...defaultThresholds(), ...given }, noise: noiseFrom(v['noise'], source) };
}

/**
 * Apply `--threshold METRIC:EXPR` flags over a config: every metric named in
 * the flags gets exactly the flags' expressions.
 */
export function applyThresholdFlags(config: GateConfig, flags: readonly string[]): GateConfig {
  if (flags.length === 0) return config;
  const table: Record<string, string[]> = {};
  for (const flag of flags) {
    const colon = flag.indexOf(':');
    if (colon <= 0) throw new BenchError('BAD_USAGE', `--threshold '${flag}': expected METRIC:EXPRESSION, e.g. ttft_ms:p(95)<+10%`);
    const metric = flag.slice(0, colon).trim();
    (table[metric] ??= []).push(flag.slice(colon + 1));
  }
  return { ...config, thresholds: { ...config.thresholds, ...parseThresholds(table, '--threshold') } };
}
