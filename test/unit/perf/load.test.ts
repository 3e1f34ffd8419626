import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { arrivalOffsets, runLoad, type Dispatch } from '../../../src/perf/load.ts';
import { measure } from '../../../src/perf/metrics.ts';
import { syntheticWorkload } from '../../../src/perf/workloads/synthetic.ts';
import { claudeCodeWorkload } from '../../../src/perf/workloads/claude-code.ts';
import type { Observation } from '../../../src/types.ts';
import { msgDelta, obs, text } from './observations.ts';

const workload = syntheticWorkload({ model: 'm', inputTokens: 20, outputTokens: 3 });

/** A fake target: answers after `ms` (or never, if ms is Infinity) unless aborted. */
function fakeDispatch(ms: number, log: string[] = []): Dispatch {
  return (req, signal) => {
    const t0 = performance.timeOrigin + performance.now();
    const started = performance.now();
    log.push(req.kind);
    return new Promise<Observation>((resolve) => {
      const finish = (aborted: boolean): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const end = performance.now() - started;
        resolve(
          aborted
            ? obs({ id: `r${log.length}`, t0, end, hdr: null, status: null, error: { kind: 'aborted', message: 'cancelled' } })
            : obs({ id: `r${log.length}`, t0, end, events: [['content_block_delta', text('a'), end / 2], ['content_block_delta', text('b'), end], ['message_delta', msgDelta(2), end]] }),
        );
      };
      const onAbort = (): void => finish(true);
      const timer = Number.isFinite(ms) ? setTimeout(() => finish(false), ms) : setTimeout(() => undefined, 2 ** 30);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };
}

describe('runLoad: bounded closed loop', () => {
  it('stops at the request count, users in parallel, warm-up kept apart', async () => {
    const result = await runLoad(
      { mode: 'closed', users: 3, maxRequests: 10, durationMs: 20_000 },
      { workload, dispatch: fakeDispatch(5) },
    );
    expect(result.stopped_by).toBe('requests');
    expect(result.issued).toBe(10);
    expect(result.requests).toHaveLength(10);
    expect(result.warmup).toHaveLength(3);
    expect(new Set(result.requests.map((r) => r.user))).toEqual(new Set([0, 1, 2]));
    expect(result.requests.every((r) => measure(r).outcome === 'ok')).toBe(true);
  });

  it('stops at the time limit', async () => {
    const started = Date.now();
    const result = await runLoad(
      { mode: 'closed', users: 2, maxRequests: 1_000_000, durationMs: 150, warmupRequests: 0 },
      { workload, dispatch: fakeDispatch(10) },
    );
    expect(result.stopped_by).toBe('duration');
    expect(result.requests.length).toBeGreaterThan(0);
    // 2 users × 150 ms / 10 ms each, plus the two in flight at the deadline: never more.
    expect(result.issued).toBeLessThanOrEqual(32);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('cancels requests still in flight after the drain time, and counts them as cancelled', async () => {
    const result = await runLoad(
      { mode: 'closed', users: 2, maxRequests: 100, durationMs: 50, drainMs: 50, warmupRequests: 0 },
      { workload, dispatch: fakeDispatch(Infinity) },
    );
    expect(result.stopped_by).toBe('duration');
    expect(result.requests).toHaveLength(2);
    expect(result.requests.every((r) => measure(r).outcome === 'cancelled')).toBe(true);
  });

  it('stops at once on the shared interrupt signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 60);
    const result = await runLoad(
      { mode: 'closed', users: 2, maxRequests: 1_000, durationMs: 60_000, warmupRequests: 0 },
      { workload, dispatch: fakeDispatch(Infinity), signal: controller.signal },
    );
    expect(result.stopped_by).toBe('interrupted');
    expect(result.requests.every((r) => measure(r).outcome === 'cancelled')).toBe(true);
  });

  it('runs multi-step sessions with their side requests, within the budget', async () => {
    const log: string[] = [];
    const cc = claudeCodeWorkload({ model: 'm', toolTimeMs: [0, 0], thinkTimeMs: 0 });
    const result = await runLoad({ mode: 'closed', users: 1, maxRequests: 5, durationMs: 20_000, warmupRequests: 0 }, { workload: cc, dispatch: fakeDispatch(2, log) });
    expect(result.issued).toBe(5);
    expect(log.filter((k) => k === 'side').length).toBeGreaterThanOrEqual(1);
    expect(result.requests[0]?.session_id).toBe('cc-1-0');
    expect(result.requests.map((r) => r.turn)).toContain(1);
  });
});

describe('runLoad: open loop', () => {
  it('keeps the scheduled time, so queueing behind a full client shows', async () => {
    const result = await runLoad(
      { mode: 'constant', rateRps: 200, maxInFlight: 1, maxRequests: 6, durationMs: 20_000, warmupRequests: 0 },
      { workload, dispatch: fakeDispatch(25) },
    );
    expect(result.requests).toHaveLength(6);
    const queues = result.requests.map((r) => measure(r).queue_ms ?? -1);
    // Arrivals every 5 ms, service 25 ms, one at a time: the last one waited about 5 × 25 − 5 × 5 = 100 ms.
    expect(Math.max(...queues)).toBeGreaterThan(50);
    expect(queues.every((q) => q >= 0)).toBe(true);
  });

  it('spaces arrivals evenly (constant) or exponentially (poisson, seeded)', () => {
    expect(arrivalOffsets('constant', 4, 3)).toEqual([0, 250, 500]);
    const a = arrivalOffsets('poisson', 10, 2000, 7);
    expect(a).toEqual(arrivalOffsets('poisson', 10, 2000, 7));
    const gaps = a.slice(1).map((t, i) => t - (a[i] as number));
    expect(gaps.every((g) => g >= 0)).toBe(true);
    const meanGap = gaps.reduce((x, y) => x + y, 0) / gaps.length;
    expect(meanGap).toBeGreaterThan(80);
    expect(meanGap).toBeLessThan(120);
  });
});

describe('runLoad: degenerate workloads', () => {
  it('stops instead of spinning when sessions send nothing', async () => {
    const empty = { ...workload, session: (i: number) => ({ id: `e${i}`, steps: [] }) };
    const result = await runLoad({ mode: 'closed', users: 2, maxRequests: 10, durationMs: 5_000, warmupRequests: 0 }, { workload: empty, dispatch: fakeDispatch(1) });
    expect(result).toMatchObject({ stopped_by: 'complete', issued: 0 });
  });
});
