import path from 'node:path';
import { createClient, openObservationLog, type Client, type ObservationLog } from '../client/index.ts';
import { runChecks } from '../conform/engine.ts';
import { loadReplayChecks } from '../conform/replay/index.ts';
import { resolveChecks } from '../conform/suites.ts';
import { EXIT } from '../errors.ts';
import { renderConformance } from '../report/console.ts';
import { writeReports } from '../report/write.ts';
import { redactUrl } from '../results/redact.ts';
import { summarizeVerdicts } from '../results/summarize.ts';
import { writeRunResult } from '../results/write.ts';
import { buildRunResult } from '../results/build.ts';
import { CHECKS } from '../conform/checks/index.ts';
import { loadStackSpec } from '../stack/spec.ts';
import type { Target, Verdict } from '../types.ts';
import type { ConformCliOptions } from './commands/conform.ts';
import { preflight } from './preflight.ts';
import { resolveTargetFromOptions, ROUTE_CHECK_IDS, type ResolvedTarget } from './resolve-target.ts';
import { interruptController, prepareOutDir } from './run-session.ts';

/**
 * Bound on each conform response kept in memory. The run keeps every
 * observation its verdicts cite, and a probe's honest reply is kilobytes; at
 * the client's 64 MB default an endless stream held over a dozen requests
 * grows past a gigabyte.
 */
const CONFORM_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** What Claude Code sends by default; a gateway must map whatever model arrives. */
export const DEFAULT_MODEL = 'claude-opus-5-5';

/**
 * `claude-bench conform`: stand up (or reach) the target, run the suites,
 * write results.json + requests.jsonl, print the table. Returns the exit code.
 */
export async function runConform(opts: ConformCliOptions): Promise<number> {
  // Replayed fixtures run in addition to the selected suites.
  const checks = [...resolveChecks(opts.suite), ...(opts.fixtures !== undefined ? loadReplayChecks(opts.fixtures) : [])];
  // A bad stack name or spec is a usage error before anything is created.
  if (opts.target === undefined) loadStackSpec(opts.stack ?? 'embedded');
  const outDir = await prepareOutDir(opts.out);
  const startedAt = new Date();
  const interrupt = interruptController();
  const secrets: string[] = [];
  let resolved: ResolvedTarget | undefined;
  let log: ObservationLog | undefined;
  let client: Client | undefined;
  const verdicts: Verdict[] = [];
  try {
    resolved = await resolveTargetFromOptions(opts, { outDir, signal: interrupt.signal, suites: opts.suite });
    const target: Target = resolved.target;
    secrets.push(...resolved.secrets);
    // A proxy in the path gets judged too: does the stream still trickle, does a large body pass?
    if (resolved.proxied) for (const id of ROUTE_CHECK_IDS) if (!checks.some((c) => c.id === id)) checks.push(CHECKS[id]);

    log = await openObservationLog(path.join(outDir, 'requests.jsonl'), { secrets });
    const openLog = log;
    client = createClient({
      baseUrl: target.baseUrl,
      apiKey: target.apiKey,
      timeoutMs: opts.timeout * 1000,
      maxBodyBytes: CONFORM_MAX_BODY_BYTES,
      onObservation: (o) => openLog.append(o),
      ...resolved.client,
    });
    if (target.kind === 'external') await preflight(client, target, Math.min(opts.timeout * 1000, 60_000));

    process.stderr.write(`claude-bench: running ${checks.length} checks against ${redactUrl(target.baseUrl)}…\n`);
    await runChecks({ target, client, checks, signal: interrupt.signal, onVerdict: (v) => verdicts.push(v) });

    const partial = interrupt.interrupted();
    const exitCode = partial ? EXIT.interrupted : conformExitCode(verdicts, opts.strict === true);
    const result = buildRunResult(
      target,
      { command: 'conform', conformance: { suites: [...opts.suite], checks: [...verdicts], summary: summarizeVerdicts(verdicts) } },
      startedAt,
      partial,
      exitCode,
    );
    await writeRunResult(outDir, result, secrets);
    // report.html inlines the requests behind failing checks: let requests.jsonl reach the disk first.
    await openLog.flush();
    await writeReports(outDir, result, { secrets });
    if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(renderConformance(result, { color: process.stdout.isTTY === true, width: process.stdout.columns ?? 120 }));
    process.stderr.write(`claude-bench: wrote ${path.join(outDir, 'results.json')}, requests.jsonl, report.html and junit.xml\n`);
    return exitCode;
  } finally {
    interrupt.dispose();
    client?.close();
    await log?.close();
    await resolved?.stop();
  }
}

/** 1 when a blocker failed or a check could not run (or any failure with --strict). */
export function conformExitCode(verdicts: readonly Verdict[], strict: boolean): number {
  const bad = verdicts.some(
    (v) => v.status === 'error' || (v.status === 'fail' && (strict || v.severity === 'blocker')),
  );
  return bad ? EXIT.failed : EXIT.ok;
}

