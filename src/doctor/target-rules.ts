/**
 * A running target's behaviour, judged for the guide's mistakes: the guide
 * suite's probes (D1 healthy, D4 window, D5 tool calls as Claude Code asks,
 * D6 one-lump streams) and, behind a proxy, T12 (a 1.5 MB body), run by
 * the conformance engine and turned into findings.
 */
import type { Client } from '../client/index.ts';
import { CHECKS, type CheckId } from '../conform/checks/index.ts';
import { runChecks } from '../conform/engine.ts';
import type { Target, Verdict } from '../types.ts';
import type { Finding } from './types.ts';

/** The checks doctor runs against a target, and what to do when each fails. */
export const TARGET_PROBES = {
  D1: 'start the backend and the gateway and check their health URLs; the model must answer a small request through the gateway',
  D4: 'raise the backend window (vLLM --max-model-len 65536, llama-server -c, OLLAMA_CONTEXT_LENGTH) and set CLAUDE_CODE_MAX_OUTPUT_TOKENS=16384 for Claude Code',
  D5: 'start vLLM with --enable-auto-tool-choice --tool-call-parser hermes (Qwen2.5-Coder); llama-server with --jinja',
  D6: 'a proxy holds the stream: nginx proxy_buffering off; mitmproxy flow.response.stream = True in a responseheaders hook',
  T12: 'raise the proxy body limit: nginx client_max_body_size 32m',
} as const;

/** Turn the probes' verdicts into findings (fail and error; a warn is a degraded finding). */
export function verdictFindings(verdicts: readonly Verdict[]): Finding[] {
  return verdicts.flatMap((v): Finding[] => {
    if (v.status === 'pass' || v.status === 'skip') return [];
    const fix = (TARGET_PROBES as Record<string, string>)[v.id] ?? 'see the check detail';
    return [
      {
        id: `target-${v.id}`,
        source: 'target',
        severity: v.status === 'warn' ? 'cosmetic' : v.severity,
        where: `${v.id}: ${v.title}`,
        found: v.status === 'error' ? `could not check: ${v.detail}` : v.detail,
        fix,
        ...(v.refs ? { refs: v.refs } : {}),
      },
    ];
  });
}

/** Run the probes (T12 only when a proxy is in the path) and return their findings. */
export async function targetFindings(target: Target, client: Client, proxied: boolean, signal?: AbortSignal): Promise<Finding[]> {
  const ids: CheckId[] = ['D1', 'D4', 'D5', 'D6', ...(proxied ? (['T12'] as const) : [])];
  const verdicts: Verdict[] = [];
  await runChecks({ target, client, checks: ids.map((id) => CHECKS[id]), ...(signal ? { signal } : {}), onVerdict: (v) => verdicts.push(v) });
  return verdictFindings(verdicts);
}
