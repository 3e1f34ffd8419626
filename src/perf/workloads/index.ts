/**
 * `--workload` names → workloads:
 *   claude-code            synthetic Claude Code sessions (default)
 *   synthetic[:IN:OUT]     one-step prompts of IN input and OUT output tokens (default 1000:200)
 *   replay[:DIR]           recorded sessions (default fixtures/sessions)
 *   profile                the workload the --profile was calibrated on (prompt, output, think time, spread)
 */
import path from 'node:path';
import { BenchError } from '../../errors.ts';
import type { Profile } from '../../profiles/types.ts';
import { claudeCodeWorkload } from './claude-code.ts';
import { loadRecordedSessions, replayWorkload } from './replay.ts';
import { syntheticWorkload } from './synthetic.ts';
import type { Workload } from './types.ts';

export type { SessionPlan, SessionStep, Workload, WorkloadRequest } from './types.ts';

export interface WorkloadContext {
  readonly model: string;
  /** Where `replay` looks by default. */
  readonly fixturesDir?: string;
  /** Target is the emulator: replay appends directives so answers are as long as recorded. */
  readonly emulated?: boolean;
  readonly seed?: number;
  /** The --profile, for the `profile` workload. */
  readonly profile?: Pick<Profile, 'id' | 'emulator'>;
}

export const DEFAULT_WORKLOAD = 'claude-code';

/** Resolve a `--workload` value. Throws BAD_USAGE for an unknown name or bad sizes. */
export async function resolveWorkload(spec: string, ctx: WorkloadContext): Promise<Workload> {
  const [name, ...rest] = spec.split(':');
  const seed = ctx.seed ?? 1;
  switch (name) {
    case 'claude-code':
      if (rest.length > 0) throw usage(spec);
      return claudeCodeWorkload({ model: ctx.model, seed });
    case 'synthetic': {
      const [inp = '1000', out = '200'] = rest;
      const inputTokens = Number(inp);
      const outputTokens = Number(out);
      if (rest.length > 2 || !Number.isInteger(inputTokens) || !Number.isInteger(outputTokens) || inputTokens < 1 || outputTokens < 1) {
        throw usage(spec);
      }
      return syntheticWorkload({ model: ctx.model, inputTokens, outputTokens, seed });
    }
    case 'profile': {
      if (ctx.profile === undefined) {
        throw new BenchError('BAD_USAGE', "workload 'profile' needs --profile", { hint: 'e.g. --profile e5-2680 --workload profile' });
      }
      const w = ctx.profile.emulator.calibration.workload;
      return syntheticWorkload({
        model: ctx.model,
        inputTokens: w.prompt_tokens,
        outputTokens: w.output_tokens,
        thinkMs: w.think_ms,
        spread: w.spread,
        seed: w.seed,
        name: `profile:${ctx.profile.id}`,
      });
    }
    case 'replay': {
      const dir = rest.length > 0 ? rest.join(':') : (ctx.fixturesDir ?? path.resolve('fixtures', 'sessions'));
      const sessions = await loadRecordedSessions(dir);
      return replayWorkload(sessions, { model: ctx.model, directives: ctx.emulated === true });
    }
    default:
      throw usage(spec);
  }
}

function usage(spec: string): BenchError {
  return new BenchError('BAD_USAGE', `unknown workload '${spec}'`, {
    hint: 'use claude-code, synthetic[:IN:OUT] (tokens, e.g. synthetic:1000:200), replay[:DIR], or profile',
  });
}

/** Rough prompt size of a workload's main requests (≈ 4 bytes a token), from its first sessions. */
export interface PromptEstimate {
  /** Median prompt tokens of main requests. */
  readonly tokens: number;
  /** Median tokens a perfect prefix cache could not serve. */
  readonly uncached_tokens: number;
  /** Largest prompt + max_tokens seen (what a context window must hold). */
  readonly max_context_tokens: number;
}

export function estimatePrompt(workload: Workload, sessions = 3): PromptEstimate {
  const tokens: number[] = [];
  const uncached: number[] = [];
  let maxContext = 0;
  for (let i = 0; i < sessions; i++) {
    for (const step of workload.session(i).steps) {
      const body = step.main.body;
      const t = Math.ceil(Buffer.byteLength(JSON.stringify({ s: body['system'], t: body['tools'], m: body['messages'] })) / 4);
      tokens.push(t);
      uncached.push(Math.round(t * (1 - (step.main.theoretical_cached_share ?? 0))));
      const max = typeof body['max_tokens'] === 'number' ? body['max_tokens'] : 0;
      maxContext = Math.max(maxContext, t + max);
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? 0 : (s[Math.floor((s.length - 1) / 2)] as number);
  };
  return { tokens: median(tokens), uncached_tokens: median(uncached), max_context_tokens: maxContext };
}
