/**
 * k6-style thresholds, the form a profile's targets take:
 *
 *   expression := stat op number
 *   stat       := "p(" N ")" | "avg" | "med" | "min" | "max" | "rate" | "value" | "count"
 *   op         := "<" | "<=" | ">" | ">=" | "=="
 *
 * e.g. `p(95)<=4000` (95th percentile at most 4000), `rate<0.01`,
 * `value>=3`. `med` is `p(50)`. Spaces are allowed around the parts. Pure.
 */
import type { Threshold } from './types.ts';

const PATTERN = /^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|avg|med|min|max|rate|value|count)\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;

/** Parse an expression; a string describing what is wrong when it does not parse. */
export function parseThreshold(expression: string): Threshold | string {
  const m = PATTERN.exec(expression);
  if (!m) return `"${expression}" is not a threshold (expected e.g. "p(95)<=4000", "rate<0.01", "value>=3")`;
  const [, statText = '', pText, op = '<', valueText = ''] = m;
  const value = Number(valueText);
  if (pText !== undefined) {
    const percentile = Number(pText);
    if (percentile < 0 || percentile > 100) return `"${expression}": percentile must be 0–100`;
    return { stat: 'p', percentile, op: op as Threshold['op'], value };
  }
  const stat = statText.toLowerCase() as Exclude<Threshold['stat'], 'p'>;
  if (stat === 'med') return { stat: 'p', percentile: 50, op: op as Threshold['op'], value };
  return { stat, op: op as Threshold['op'], value };
}

/** Does `measured` meet the threshold? */
export function meetsThreshold(threshold: Threshold, measured: number): boolean {
  if (!Number.isFinite(measured)) return false;
  switch (threshold.op) {
    case '<':
      return measured < threshold.value;
    case '<=':
      return measured <= threshold.value;
    case '>':
      return measured > threshold.value;
    case '>=':
      return measured >= threshold.value;
    case '==':
      return measured === threshold.value;
  }
}

/** The expression back as text, normalised (`p(95)<=4000`). */
export function formatThreshold(threshold: Threshold): string {
  const stat = threshold.stat === 'p' ? `p(${threshold.percentile ?? 50})` : threshold.stat;
  return `${stat}${threshold.op}${threshold.value}`;
}
