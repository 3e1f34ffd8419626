/**
 * The client measures itself while a run goes: event-loop lag
 * (perf_hooks.monitorEventLoopDelay) and process CPU, and from them the CPU
 * spent per SSE event. A lagging loop stamps events late; a saturated core
 * means the client, not the server, limits the figures. Both are reported
 * with every result and turned into a warning when they pass a bound.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export interface SelfMeasurement {
  readonly wall_ms: number;
  readonly cpu_user_ms: number;
  readonly cpu_system_ms: number;
  /** CPU time ÷ wall time: 1 = one core busy the whole run (Node's main thread cannot use more). */
  readonly cpu_share: number;
  readonly event_loop_lag_ms: { readonly mean: number; readonly p50: number; readonly p99: number; readonly max: number };
  readonly sse_events: number;
  /** Process CPU per SSE event received, µs (everything the process did, divided by events). */
  readonly cpu_us_per_event: number | null;
  readonly warnings: readonly string[];
}

export interface SelfBounds {
  /** Event-loop lag p99 above this may shift timestamps. Default 20 ms. */
  readonly lagP99Ms?: number;
  /** CPU share above this means the client may be the bottleneck. Default 0.8. */
  readonly cpuShare?: number;
}

/** Warnings for a measurement (pure). */
export function selfWarnings(m: Pick<SelfMeasurement, 'cpu_share' | 'event_loop_lag_ms'>, bounds: SelfBounds = {}): string[] {
  const lag = bounds.lagP99Ms ?? 20;
  const cpu = bounds.cpuShare ?? 0.8;
  const out: string[] = [];
  if (m.event_loop_lag_ms.p99 > lag) {
    out.push(`client event-loop lag p99 ${m.event_loop_lag_ms.p99.toFixed(1)} ms (> ${lag} ms): event timestamps may be late by that much`);
  }
  if (m.cpu_share > cpu) {
    out.push(`client CPU ${(m.cpu_share * 100).toFixed(0)} % of a core (> ${(cpu * 100).toFixed(0)} %): the client may be the bottleneck; lower the concurrency or run it on another machine`);
  }
  return out;
}

/** Start measuring; `stop(events)` ends it and returns the figures. */
export function startSelfMeasure(bounds: SelfBounds = {}): { stop(sseEvents: number): SelfMeasurement } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let stopped: SelfMeasurement | undefined;
  return {
    stop(sseEvents) {
      if (stopped) return stopped;
      const cpu = process.cpuUsage(cpu0);
      const wall = performance.now() - t0;
      histogram.disable();
      const ms = (ns: number): number => (Number.isFinite(ns) ? ns / 1e6 : 0);
      // The histogram counts the sampling interval itself; subtract it so an idle loop reads ~0.
      const lag = {
        mean: Math.max(0, ms(histogram.mean) - 10),
        p50: Math.max(0, ms(histogram.percentile(50)) - 10),
        p99: Math.max(0, ms(histogram.percentile(99)) - 10),
        max: Math.max(0, ms(histogram.max) - 10),
      };
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const partial = { cpu_share: wall > 0 ? cpuMs / wall : 0, event_loop_lag_ms: lag };
      stopped = {
        wall_ms: wall,
        cpu_user_ms: cpu.user / 1000,
        cpu_system_ms: cpu.system / 1000,
        ...partial,
        sse_events: sseEvents,
        cpu_us_per_event: sseEvents > 0 ? (cpuMs * 1000) / sseEvents : null,
        warnings: selfWarnings(partial, bounds),
      };
      return stopped;
    },
  };
}
