import { describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { applyThresholdFlags, defaultThresholds, parseExpression, parseGateConfig, parseThresholds } from '../../../src/gate/index.ts';

function configError(fn: () => unknown): BenchError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).exitCode).toBe(2);
    return err as BenchError;
  }
  throw new Error('expected a config error');
}

describe('threshold expressions', () => {
  it('parses relative, absolute and rate expressions the k6 way', () => {
    expect(parseExpression('ttft_ms', 'p(95)<+10%')).toEqual({ source: 'p(95)<+10%', statistic: { kind: 'percentile', p: 95 }, op: '<', mode: 'relative', amount: 10, percent: true });
    expect(parseExpression('output_tokens_per_s', 'med >= -5%')).toMatchObject({ statistic: { kind: 'percentile', p: 50 }, op: '>=', amount: -5, percent: true });
    expect(parseExpression('e2el_ms', 'p(99.9)<30000')).toMatchObject({ statistic: { kind: 'percentile', p: 99.9 }, mode: 'absolute', amount: 30000, percent: false });
    expect(parseExpression('tpot_ms', 'avg<+2')).toMatchObject({ statistic: { kind: 'mean' }, mode: 'relative', amount: 2, percent: false });
    expect(parseExpression('error_rate', 'rate<5%')).toMatchObject({ mode: 'absolute', amount: 0.05 });
    expect(parseExpression('error_rate', 'rate<+0.01')).toMatchObject({ mode: 'relative', amount: 0.01 });
    expect(parseExpression('throughput_tokens_per_s', 'value>-10%')).toMatchObject({ statistic: { kind: 'value' }, amount: -10 });
  });

  it('refuses a malformed expression at load time, naming it and the expected form', () => {
    expect(configError(() => parseExpression('ttft_ms', 'p95<10')).message).toBe("threshold ttft_ms: 'p95<10' is not an expression like 'p(95)<+10%'");
    expect(configError(() => parseExpression('ttft_ms', 'p(100)<+1%')).message).toMatch(/percentile must be between 0 and 100/);
    expect(configError(() => parseExpression('ttft_ms', 'rate<0.1')).message).toMatch(/rate does not apply to ttft_ms \(use p\(N\)\/med, avg\)/);
    expect(configError(() => parseExpression('error_rate', 'p(95)<1')).message).toMatch(/does not apply to error_rate/);
    expect(configError(() => parseExpression('ttft_ms', 'p(95)<10%')).message).toMatch(/a percentage needs a sign/);
  });

  it('refuses unknown metrics and wrong shapes', () => {
    expect(configError(() => parseThresholds({ ttft: ['p(95)<+1%'] })).message).toBe("thresholds: unknown metric 'ttft'");
    expect(configError(() => parseThresholds({ ttft_ms: 'p(95)<+1%' })).message).toMatch(/expected an array of expression strings/);
    expect(configError(() => parseGateConfig({ threshold: {} }, 'gate.json')).message).toBe("gate.json: unknown key 'threshold' (known: thresholds, noise)");
    expect(configError(() => parseGateConfig({ noise: { confidence: 2 } }, 'gate.json')).message).toMatch(/gate.json.noise.confidence: expected a number between 0.5 and 1, got 2/);
  });

  it('merges a config file over the defaults per metric; an empty list turns a metric off', () => {
    const config = parseGateConfig({ thresholds: { ttft_ms: ['p(99)<+50%'], error_rate: [] }, noise: { resamples: 500, seed: 7 } });
    expect(config.thresholds.ttft_ms?.map((e) => e.source)).toEqual(['p(99)<+50%']);
    expect(config.thresholds.error_rate).toEqual([]);
    expect(config.thresholds.tpot_ms).toEqual(defaultThresholds().tpot_ms);
    expect(config.noise).toMatchObject({ resamples: 500, seed: 7, confidence: 0.95 });
  });

  it('applies --threshold flags, replacing only the metrics they name', () => {
    const config = applyThresholdFlags(parseGateConfig({}), ['ttft_ms:p(50)<+20%', 'ttft_ms:p(95)<+30%']);
    expect(config.thresholds.ttft_ms?.map((e) => e.source)).toEqual(['p(50)<+20%', 'p(95)<+30%']);
    expect(config.thresholds.e2el_ms).toEqual(defaultThresholds().e2el_ms);
    expect(configError(() => applyThresholdFlags(parseGateConfig({}), ['p(95)<1'])).message).toMatch(/expected METRIC:EXPRESSION/);
  });
});
