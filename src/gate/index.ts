/** The regression gate: compare a run against a baseline. Imports only the results types. */
export { evaluateGate, defaultGateConfig } from './evaluate.ts';
export { compareFingerprints } from './fingerprint.ts';
export { classifyChange, compareConformance } from './conformance.ts';
export { compareMetric, comparePerf } from './perf.ts';
export {
  applyThresholdFlags,
  DEFAULT_NOISE,
  DEFAULT_THRESHOLD_SOURCES,
  defaultThresholds,
  describeStatistic,
  GATE_METRICS,
  parseExpression,
  parseGateConfig,
  parseThresholds,
} from './thresholds.ts';
export type * from './types.ts';
