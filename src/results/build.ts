import { RESULT_SCHEMA_VERSION, type ConformanceResult, type PerfResult, type RunResult, type Target } from '../types.ts';
import { TOOL_VERSION } from '../version.ts';
import { collectEnvironment } from './environment.ts';
import { redactUrl } from './redact.ts';

/** What a command measured, for `buildRunResult`. */
export type RunBody =
  | { readonly command: 'conform'; readonly conformance: ConformanceResult }
  | { readonly command: 'perf'; readonly perf: PerfResult };

/** Stamp a command's findings with tool, time, target and machine: the RunResult every stage reads. */
export function buildRunResult(target: Target, body: RunBody, startedAt: Date, partial: boolean, exitCode: number): RunResult {
  return {
    schema_version: RESULT_SCHEMA_VERSION,
    tool: { name: 'claude-bench', version: TOOL_VERSION },
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
    ...body,
    exit_code: exitCode,
  };
}
