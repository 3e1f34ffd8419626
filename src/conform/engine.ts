/**
 * Runs checks against a target and maps their outcomes to Verdicts. A check
 * that throws becomes an `error` verdict; nothing stops the suite except the
 * abort signal (then checks not yet finished are left out: partial results
 * hold only what was measured).
 */
import { performance } from 'node:perf_hooks';
import type { Client } from '../client/index.ts';
import type { Observation, RequestSpec, Target, Verdict } from '../types.ts';
import type { Check, CheckContext, CheckOutcome } from './check.ts';
import { truncateEvidence } from './evidence.ts';

export interface RunChecksOptions {
  readonly target: Target;
  readonly client: Client;
  readonly checks: readonly Check[];
  /** How many checks run at once (default 1: requests to a local model queue anyway). */
  readonly concurrency?: number;
  /** Stops starting checks; checks cut short are not reported. */
  readonly signal?: AbortSignal;
  /** Called as each verdict is ready (completion order). */
  readonly onVerdict?: (verdict: Verdict) => void;
  /** Timeout for requests checks send outside the client (default 300 s, as Claude Code's idle timeout). */
  readonly timeoutMs?: number;
}

/** Shared, memoized requests of one run: each key is sent once. */
export interface ExchangeCache {
  exchange(key: string, spec: RequestSpec): Promise<Observation>;
}

/** One cache per run; `send` is the client's. */
export function createExchangeCache(send: (spec: RequestSpec) => Promise<Observation>): ExchangeCache {
  const entries = new Map<string, { readonly spec: string; readonly observation: Promise<Observation> }>();
  return {
    exchange(key, spec) {
      const fingerprint = JSON.stringify(spec);
      const known = entries.get(key);
      if (known) {
        if (known.spec !== fingerprint) {
          return Promise.reject(new Error(`exchange '${key}' was requested with two different request specs`));
        }
        return known.observation;
      }
      const observation = send({ ...spec, label: spec.label ?? key });
      entries.set(key, { spec: fingerprint, observation });
      return observation;
    },
  };
}

/** Map a check and what it produced to the public Verdict shape. */
export function toVerdict(check: Check, result: CheckOutcome | { readonly error: string }, requestIds: readonly string[], durationMs: number): Verdict {
  const base = {
    id: check.id,
    title: check.title,
    area: check.area,
    severity: check.severity,
    duration_ms: Math.round(durationMs * 10) / 10,
    ...(check.refs.length > 0 ? { refs: [...check.refs] } : {}),
  };
  if ('error' in result) {
    return {
      ...base,
      status: 'error',
      detail: `the check could not run: ${result.error}`,
      ...(requestIds.length > 0 ? { request_ids: [...requestIds] } : {}),
    };
  }
  const ids = [...new Set([...requestIds, ...(result.request_ids ?? [])])];
  return {
    ...base,
    status: result.status,
    detail: result.detail,
    ...(result.evidence !== undefined && result.evidence !== '' ? { evidence: truncateEvidence(result.evidence) } : {}),
    ...(ids.length > 0 ? { request_ids: ids } : {}),
  };
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
  return String(err);
}

/** Run `checks`, returning verdicts in the order of `checks` (interrupted ones left out). */
export async function runChecks(options: RunChecksOptions): Promise<Verdict[]> {
  const { target, client, checks, signal, onVerdict } = options;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, checks.length || 1));
  const cache = createExchangeCache((spec) => client.send(spec, signal ? { signal } : {}));
  const results: (Verdict | undefined)[] = new Array<Verdict | undefined>(checks.length);

  const runOne = async (check: Check): Promise<Verdict | undefined> => {
    const requestIds: string[] = [];
    const ctx: CheckContext = {
      target,
      client,
      signal,
      async exchange(key, spec) {
        const observation = await cache.exchange(key, spec);
        if (!requestIds.includes(observation.request_id)) requestIds.push(observation.request_id);
        return observation;
      },
      timeoutMs,
    };
    const started = performance.now();
    let result: CheckOutcome | { readonly error: string };
    try {
      result = await check.run(ctx);
    } catch (err) {
      result = { error: errorMessage(err) };
    }
    if (signal?.aborted) return undefined;
    return toVerdict(check, result, requestIds, performance.now() - started);
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < checks.length && !signal?.aborted) {
      const at = next++;
      const check = checks[at];
      if (check === undefined) continue;
      const verdict = await runOne(check);
      if (verdict === undefined) continue;
      results[at] = verdict;
      onVerdict?.(verdict);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return results.filter((v): v is Verdict => v !== undefined);
}
