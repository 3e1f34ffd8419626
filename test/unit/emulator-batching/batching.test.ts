import { describe, expect, it } from 'vitest';
import { BatchScheduler, stepDurationMs, type BatchingModel, type FinishedRecord } from '../../../src/emulator/batching.ts';
import { FakeClock } from '../../support/fake-clock.ts';

/** Round numbers so every expected time below is hand-computable: 1 ms per prefill token, 10 ms steps, +50%/extra seq. */
const MODEL: BatchingModel = {
  maxNumSeqs: 2,
  maxNumBatchedTokens: 1000,
  prefillTokensPerS: 1000,
  decodeStepMs: 10,
  decodeStepGrowth: 0.5,
  requestOverheadMs: 5,
  prefixBlockTokens: 10,
  prefixCacheBlocks: 100,
  kvCacheTokens: 10_000,
};

interface Probe {
  tokens: Array<{ index: number; last: boolean; at: number; now: number }>;
}

function setup(model: Partial<BatchingModel> = {}, timeScale = 1) {
  const clock = new FakeClock();
  const finished: FinishedRecord[] = [];
  const scheduler = new BatchScheduler({ ...MODEL, ...model }, { clock, timeScale, onFinished: (r) => finished.push(r) });
  const submit = (promptTokens: number, outputTokens: number, blockHashes: string[] = []) => {
    const probe: Probe = { tokens: [] };
    const ticket = scheduler.submit(
      { promptTokens, outputTokens, blockHashes },
      { onToken: (index, last, at) => probe.tokens.push({ index, last, at, now: clock.now() }) },
    );
    return { probe, ticket };
  };
  return { clock, scheduler, finished, submit };
}

const hashes = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const firstAt = (p: Probe): number => p.tokens[0]?.at ?? Number.NaN;

describe('stepDurationMs', () => {
  it('is decodeStepMs × (1 + α·(seqs − 1)) plus uncached prefill tokens at the prefill rate', () => {
    expect(stepDurationMs(MODEL, 1, 0)).toBe(10);
    expect(stepDurationMs(MODEL, 2, 0)).toBe(15);
    expect(stepDurationMs(MODEL, 5, 0)).toBe(30);
    expect(stepDurationMs(MODEL, 1, 250)).toBe(260);
    expect(stepDurationMs(MODEL, 0, 0)).toBe(0);
  });
});

describe('BatchScheduler timeline', () => {
  it('one request: overhead, one prefill step, then one token per decode step', () => {
    const { clock, submit, finished } = setup();
    const { probe } = submit(100, 3);
    clock.advanceTo(1_000);
    // ready at 5; prefill step 10 + 100 = 110 → first token at 115; then 125, 135.
    expect(probe.tokens.map((t) => [t.index, t.last, t.at])).toEqual([
      [0, false, 115],
      [1, false, 125],
      [2, true, 135],
    ]);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ promptTokens: 100, cachedTokens: 0, outputTokens: 3, queuedMs: 5, prefillMs: 110, decodeMs: 20, ttftMs: 115, e2eMs: 135, itlMs: [10, 10] });
    expect(clock.timers.size).toBe(0);
  });

  it('prefill cost scales with the uncached prompt tokens', () => {
    const a = setup();
    const small = a.submit(100, 1).probe;
    a.clock.advanceTo(5_000);
    const b = setup();
    const large = b.submit(300, 1).probe;
    b.clock.advanceTo(5_000);
    expect(firstAt(small)).toBe(115);
    expect(firstAt(large)).toBe(315);
    expect(firstAt(large) - firstAt(small)).toBe(200); // 200 more tokens at 1000 tokens/s
  });

  it('a prefix-cache hit shortens the second request with the same prefix', () => {
    const { clock, submit, scheduler } = setup();
    const first = submit(105, 1, hashes('p', 10)).probe;
    clock.advanceTo(1_000);
    const second = submit(105, 1, hashes('p', 10)).probe;
    clock.advanceTo(2_000);
    // First: 5 + 10 + 105 = 120. Second, 10 blocks (100 tokens) cached: 5 + 10 + 5 = 20 after its arrival at 1000.
    expect(firstAt(first)).toBe(120);
    expect(firstAt(second) - 1_000).toBe(20);
    expect(scheduler.prefixCache).toEqual({ queries: 210, hits: 100 });
  });

  it('resetPrefixCache forgets every block but keeps the counters', () => {
    const { clock, submit, scheduler, finished } = setup();
    submit(105, 1, hashes('p', 10));
    clock.advanceTo(1_000);
    scheduler.resetPrefixCache();
    submit(105, 1, hashes('p', 10));
    clock.advanceTo(2_000);
    expect(finished.map((r) => r.cachedTokens)).toEqual([0, 0]);
    expect(scheduler.prefixCache).toEqual({ queries: 210, hits: 0 });
  });

  it('a fully cached prompt still recomputes the block holding its last token', () => {
    const { clock, submit, finished } = setup();
    submit(100, 1, hashes('q', 10));
    clock.advanceTo(1_000);
    submit(100, 1, hashes('q', 10));
    clock.advanceTo(2_000);
    expect(finished.map((r) => r.cachedTokens)).toEqual([0, 90]);
    expect(finished[1]?.ttftMs).toBe(5 + 10 + 10);
  });

  it('a different prefix misses from the first differing block on', () => {
    const { clock, submit, finished } = setup();
    submit(100, 1, hashes('r', 10));
    clock.advanceTo(1_000);
    submit(100, 1, [...hashes('r', 4), ...hashes('other', 6)]);
    clock.advanceTo(2_000);
    expect(finished[1]?.cachedTokens).toBe(40);
  });

  it('respects max-num-seqs: the rest wait, and run when a slot frees', () => {
    const { clock, submit, scheduler } = setup();
    const runs = [submit(100, 5), submit(100, 5), submit(100, 5)].map((r) => r.probe);
    clock.advanceTo(6); // the first step (A and B) started at 5
    expect(scheduler.runningCount).toBe(2);
    expect(scheduler.waitingCount).toBe(1);
    clock.advanceTo(10_000);
    const [a, b, c] = runs as [Probe, Probe, Probe];
    // A and B share every step: prefill 15 + 200 → 220, then steps of 15 ms; both end at 280.
    expect(a.tokens.map((t) => t.at)).toEqual([220, 235, 250, 265, 280]);
    expect(b.tokens.map((t) => t.at)).toEqual([220, 235, 250, 265, 280]);
    // C is admitted only at the step after A and B finish: 280 + 10 + 100 = 390.
    expect(firstAt(c)).toBe(390);
    expect(scheduler.runningCount).toBe(0);
    expect(scheduler.waitingCount).toBe(0);
  });

  it('serves the waiting queue first come, first served', () => {
    const { clock, submit } = setup({ maxNumSeqs: 1 });
    const probes = [submit(50, 2), submit(400, 2), submit(10, 2), submit(200, 2)].map((r) => r.probe);
    clock.advanceTo(100_000);
    const firsts = probes.map(firstAt);
    expect([...firsts].sort((x, y) => x - y)).toEqual(firsts);
    // Each starts right after the previous one's last token.
    probes.slice(1).forEach((p, i) => expect(firstAt(p)).toBeGreaterThan(probes[i]?.tokens.at(-1)?.at ?? Infinity));
  });

  it('decode step time grows with the batch', () => {
    const alone = setup();
    alone.submit(10, 4);
    alone.clock.advanceTo(10_000);
    const together = setup({ maxNumSeqs: 4 });
    for (let i = 0; i < 4; i++) together.submit(10, 4);
    together.clock.advanceTo(10_000);
    expect(alone.finished[0]?.itlMs).toEqual([10, 10, 10]);
    // Four sequences per step: 10 × (1 + 0.5 × 3) = 25 ms.
    for (const r of together.finished) expect(r.itlMs).toEqual([25, 25, 25]);
  });

  it('a prompt longer than the token budget prefills in chunks over several steps', () => {
    const { clock, submit } = setup({ maxNumBatchedTokens: 100 });
    const { probe } = submit(250, 1);
    clock.advanceTo(10_000);
    // 5 + (10 + 100) + (10 + 100) + (10 + 50)
    expect(firstAt(probe)).toBe(285);
  });

  it('another request\'s prefill stalls the decoding ones for that step', () => {
    const { clock, submit, finished } = setup();
    submit(10, 4);
    clock.advanceTo(30); // first token at 25, decoding at 10 ms/step
    submit(100, 1);
    clock.advanceTo(10_000);
    const gaps = finished.find((r) => r.outputTokens === 4)?.itlMs ?? [];
    // A step holding the newcomer's 100-token prefill next to the decode: 15 + 100 = 115 ms.
    expect(gaps).toContain(115);
  });

  it('cancel frees the slot from the next step on', () => {
    const { clock, submit } = setup({ maxNumSeqs: 1 });
    const a = submit(10, 100);
    const b = submit(10, 1).probe;
    clock.advanceTo(30); // a's first token at 25
    a.ticket.cancel();
    a.ticket.cancel();
    clock.advanceTo(10_000);
    expect(a.probe.tokens.length).toBeLessThan(3);
    // b waits for the step in flight (25 → 35), then prefills: 35 + 10 + 10 = 55.
    expect(firstAt(b)).toBe(55);
  });

  it('a request cancelled from its own last-token hook is not reported finished', () => {
    const clock = new FakeClock();
    const finished: FinishedRecord[] = [];
    const scheduler = new BatchScheduler(MODEL, { clock, onFinished: (r) => finished.push(r) });
    const ticket = scheduler.submit({ promptTokens: 10, outputTokens: 2, blockHashes: [] }, { onToken: (_i, last) => last && ticket.cancel() });
    clock.advanceTo(1_000);
    expect(finished).toEqual([]);
    expect(scheduler.runningCount).toBe(0);
  });

  it('time scale: clock durations shrink, records stay in model time', () => {
    const { clock, submit, finished } = setup({}, 0.1);
    const { probe } = submit(100, 3);
    clock.advanceTo(100);
    expect(probe.tokens.map((t) => t.at)).toEqual([11.5, 12.5, 13.5].map((x) => expect.closeTo(x, 9)));
    expect(finished[0]?.ttftMs).toBeCloseTo(115, 9);
    expect(finished[0]?.itlMs.map((g) => Math.round(g * 1e6) / 1e6)).toEqual([10, 10]);
  });

  it('a late timer emits everything due at once and keeps the timeline', () => {
    const { clock, submit } = setup();
    const { probe } = submit(100, 3);
    clock.advanceTo(1_000, 40);
    expect(probe.tokens.map((t) => t.at)).toEqual([115, 125, 135]);
    expect(probe.tokens.every((t) => t.now >= t.at)).toBe(true);
  });

  it('reports KV-cache use of the running sequences', () => {
    const { clock, submit, scheduler } = setup();
    submit(100, 50);
    clock.advanceTo(140); // prefill done at 115, tokens at 115, 125, 135
    expect(scheduler.kvCacheUsage).toBeCloseTo((100 + 3) / 10_000, 9);
  });

  it('close() cancels everything and leaves no timer', () => {
    const { clock, submit, scheduler } = setup();
    const { probe } = submit(100, 10);
    clock.advanceTo(50);
    scheduler.close();
    clock.advanceTo(10_000);
    expect(probe.tokens).toEqual([]);
    expect(clock.timers.size).toBe(0);
    const late = submit(10, 1).probe;
    clock.advanceTo(20_000);
    expect(late.tokens).toEqual([]);
  });

  it('a hook that submits (a closed-loop client) does not start a second engine loop', () => {
    const { clock, scheduler } = setup({ maxNumSeqs: 1 });
    const firsts: number[] = [];
    let sent = 0;
    const send = (): void => {
      sent++;
      scheduler.submit({ promptTokens: 10, outputTokens: 1, blockHashes: [] }, { onToken: (_i, _last, at) => {
        firsts.push(at);
        if (sent < 3) send();
      } });
    };
    send();
    clock.advanceTo(10_000);
    // Each: arrives at the previous token's (late-fired) clock time, +5 overhead, +20 step.
    expect(firsts).toEqual([25, 50, 75]);
  });
});
