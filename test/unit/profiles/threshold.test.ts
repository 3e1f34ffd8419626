import { describe, expect, it } from 'vitest';
import { formatThreshold, meetsThreshold, parseThreshold } from '../../../src/profiles/threshold.ts';

describe('parseThreshold (k6 style)', () => {
  it.each([
    ['p(95)<=4000', { stat: 'p', percentile: 95, op: '<=', value: 4000 }],
    ['p(99.9) < 30000', { stat: 'p', percentile: 99.9, op: '<', value: 30000 }],
    ['med>=8', { stat: 'p', percentile: 50, op: '>=', value: 8 }],
    ['rate<0.01', { stat: 'rate', op: '<', value: 0.01 }],
    ['value>=3', { stat: 'value', op: '>=', value: 3 }],
    ['avg==1e3', { stat: 'avg', op: '==', value: 1000 }],
  ])('%s', (text, parsed) => {
    expect(parseThreshold(text)).toEqual(parsed);
  });

  it.each(['p95<4000', 'p(101)<1', 'ttft<4000', 'p(95)=<4000', 'p(95)<', ''])('rejects %j with a message', (text) => {
    expect(typeof parseThreshold(text)).toBe('string');
  });
});

describe('meetsThreshold / formatThreshold', () => {
  it('applies the operator; NaN never meets', () => {
    const t = parseThreshold('p(95)<=4000');
    if (typeof t === 'string') throw new Error(t);
    expect(meetsThreshold(t, 4000)).toBe(true);
    expect(meetsThreshold(t, 4000.1)).toBe(false);
    expect(meetsThreshold(t, Number.NaN)).toBe(false);
    expect(formatThreshold(t)).toBe('p(95)<=4000');
    const u = parseThreshold('value > 3');
    if (typeof u === 'string') throw new Error(u);
    expect(meetsThreshold(u, 3)).toBe(false);
    expect(formatThreshold(u)).toBe('value>3');
  });
});
