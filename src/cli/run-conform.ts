import path from 'node:path';
import { createClient, openObservationLog, type Client, type ObservationLog } from '../client/index.ts';
import { runChecks } from '../conform/engine.ts';
import { loadReplayChecks } from '../conform/replay/index.ts';
import { resolveChecks } from '../conform/suites.ts';
import { BenchError, EXIT } from '../errors.ts';
import { renderConformance } from '../report/console.ts';
import { collectEnvironment } from '../results/environment.ts';
import { redactUrl } from '../results/redact.ts';
import { summarizeVerdicts } from '../results/summarize.ts';
import { writeRunResult } from '../results/write.ts';
import { embeddedStackSettings, EMBEDDED_STACK_NAMES, isEmbeddedStackName } from '../live/stack-settings.ts';
import { startEmbeddedStack, type RunningStack } from '../stack/embedded.ts';
import { RESULT_SCHEMA_VERSION, type RunResult, type Target, type Verdict } from '../types.ts';
import { TOOL_VERSION } from '../version.ts';
import type { ConformCliOptions } from './commands/conform.ts';
import { preflight } from './preflight.ts';
import { interruptController, prepareOutDir, resolveApiKey } from './run-session.ts';

/** What Claude Code sends by default; a gateway must map whatever model arrives. */
export const DEFAULT_MODEL = 'claude-opus-5-5';

/**
 * `claude-bench conform`: stand up (or reach) the target, run the suites,
 * write results.json + requests.jsonl, print the table. Returns the exit code.
 */
export async function runConform(opts: ConformCliOptions): Promise<number> {
  // Replayed fixtures run in addition to the selected suites.
  const checks = [...resolveChecks(opts.suite), ...(opts.fixtures !== undefined ? loadReplayChecks(opts.fixtures) : [])];
  const stackName = opts.stack ?? 'embedded';
  if (opts.target === undefined && !isEmbeddedStackName(stackName)) {
    throw new BenchError('BAD_USAGE', `unknown stack '${stackName}'`, { hint: `known stacks: ${EMBEDDED_STACK_NAMES.join(', ')}; or pass --target URL` });
  }
  const outDir = await prepareOutDir(opts.out);
  const startedAt = new Date();
  const interrupt = interruptController();
  const secrets: string[] = [];
  let stack: RunningStack | undefined;
  let log: ObservationLog | undefined;
  let client: Client | undefined;
  const verdicts: Verdict[] = [];
  try {
    let target: Target;
    if (opts.target !== undefined) {
      const apiKey = resolveApiKey(opts.apiKey);
      secrets.push(apiKey);
      target = {
        baseUrl: opts.target,
        apiKey,
        model: opts.model ?? DEFAULT_MODEL,
        kind: 'external',
        emulated: false,
        description: `external target ${redactUrl(opts.target)}`,
      };
    } else {
      // Claude Code's suites need a window that fits its requests, and live-client the emulator's script (stack-settings.ts).
      const settings = embeddedStackSettings(isEmbeddedStackName(stackName) ? stackName : 'embedded', opts.suite);
      process.stderr.write(`claude-bench: standing up the embedded stack '${stackName}': ${settings.description}…\n`);
      stack = await startEmbeddedStack({
        logDir: path.join(outDir, 'stack-logs'),
        model: opts.model ?? DEFAULT_MODEL,
        signal: interrupt.signal,
        autoToolChoice: settings.autoToolChoice,
        emulatorArgs: settings.emulatorArgs,
      });
      target = stack.target;
      secrets.push(target.apiKey, ...stack.secrets);
    }

    log = await openObservationLog(path.join(outDir, 'requests.jsonl'), { secrets });
    const openLog = log;
    client = createClient({ baseUrl: target.baseUrl, apiKey: target.apiKey, timeoutMs: opts.timeout * 1000, onObservation: (o) => openLog.append(o) });
    if (target.kind === 'external') await preflight(client, target, Math.min(opts.timeout * 1000, 60_000));

    process.stderr.write(`claude-bench: running ${checks.length} checks against ${redactUrl(target.baseUrl)}…\n`);
    await runChecks({ target, client, checks, signal: interrupt.signal, onVerdict: (v) => verdicts.push(v) });

    const partial = interrupt.interrupted();
    const exitCode = partial ? EXIT.interrupted : conformExitCode(verdicts, opts.strict === true);
    const result = buildResult(target, verdicts, opts.suite, startedAt, partial, exitCode);
    await writeRunResult(outDir, result, secrets);
    if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(renderConformance(result, { color: process.stdout.isTTY === true, width: process.stdout.columns ?? 120 }));
    process.stderr.write(`claude-bench: wrote ${path.join(outDir, 'results.json')} and requests.jsonl\n`);
    return exitCode;
  } finally {
    interrupt.dispose();
    client?.close();
    await log?.close();
    await stack?.stop();
  }
}

/** 1 when a blocker failed or a check could not run (or any failure with --strict). */
export function conformExitCode(verdicts: readonly Verdict[], strict: boolean): number {
  const bad = verdicts.some(
    (v) => v.status === 'error' || (v.status === 'fail' && (strict || v.severity === 'blocker')),
  );
  return bad ? EXIT.failed : EXIT.ok;
}

function buildResult(
  target: Target,
  verdicts: readonly Verdict[],
  suites: readonly string[],
  startedAt: Date,
  partial: boolean,
  exitCode: number,
): RunResult {
  return {
    schema_version: RESULT_SCHEMA_VERSION,
    tool: { name: 'claude-bench', version: TOOL_VERSION },
    command: 'conform',
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    partial,
    target: {
      base_url: redactUrl(target.baseUrl),
      model: target.model,
      kind: target.kind,
      emulated: target.emulated,
      description: target.description,
      ...(target.gateway ? { gateway: target.gateway } : {}),
      ...(target.backend ? { backend: target.backend } : {}),
    },
    environment: collectEnvironment(),
    conformance: { suites: [...suites], checks: [...verdicts], summary: summarizeVerdicts(verdicts) },
    exit_code: exitCode,
  };
}
