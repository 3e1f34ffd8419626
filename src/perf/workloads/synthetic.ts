/**
 * Synthetic prompts of given input and output lengths (vLLM's "random"
 * dataset, over the Messages API). Each request is its own one-step session
 * with a unique prompt, so no two requests share a prefix unless asked to
 * (`sharedPrefixTokens`). Output length: `[[emulate tokens=N]]` on the
 * emulator, bounded by max_tokens = N on a real model.
 */
import { warmupRequest } from './claude-code.ts';
import { fillerText, hashSeed, prng } from './text.ts';
import type { Workload } from './types.ts';

export interface SyntheticOptions {
  readonly model: string;
  /** Prompt length in tokens (≈ 4 bytes each). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Tokens at the start of every prompt that are identical across requests (a shared system prompt). Default 0. */
  readonly sharedPrefixTokens?: number;
  /** Model-time ms a user waits before each request (closed loop). Default 0. */
  readonly thinkMs?: number;
  /** Relative spread of input, output and think: each drawn uniformly in ±spread (seeded). Default 0. */
  readonly spread?: number;
  readonly seed?: number;
  /** Name shown in results (default `synthetic:IN:OUT`). */
  readonly name?: string;
}

const BYTES_PER_TOKEN = 4;

/** The `synthetic` workload: `synthetic:IN:OUT` on the command line. */
export function syntheticWorkload(options: SyntheticOptions): Workload {
  const seed = options.seed ?? 1;
  const shared = Math.max(0, Math.min(options.sharedPrefixTokens ?? 0, options.inputTokens));
  const sharedText = fillerText(shared * BYTES_PER_TOKEN, hashSeed(`shared-${seed}`));
  const name = options.name ?? `synthetic:${options.inputTokens}:${options.outputTokens}`;
  const spread = Math.max(0, Math.min(0.9, options.spread ?? 0));
  const think = options.thinkMs ?? 0;
  return {
    name,
    kind: 'synthetic',
    describe: () => ({
      name,
      kind: 'synthetic',
      input_tokens: options.inputTokens,
      output_tokens: options.outputTokens,
      shared_prefix_tokens: shared,
      think_ms: think,
      spread,
      seed,
    }),
    session(index) {
      const r = prng(hashSeed(`synthetic-spread-${seed}-${index}`));
      const vary = (v: number): number => (spread === 0 ? v : v * (1 + spread * (2 * r() - 1)));
      const inputTokens = Math.max(1, Math.round(vary(options.inputTokens)));
      const outputTokens = Math.max(1, Math.round(vary(options.outputTokens)));
      const directive = ` [[emulate tokens=${outputTokens}]]`;
      const uniqueBytes = Math.max(8, inputTokens * BYTES_PER_TOKEN - sharedText.length - directive.length);
      const text = `${sharedText}${fillerText(uniqueBytes, hashSeed(`synthetic-${seed}-${index}`))}${directive}`;
      return {
        id: `syn-${seed}-${index}`,
        steps: [
          {
            delay_ms: Math.max(0, vary(think)),
            main: {
              path: '/v1/messages',
              kind: 'main',
              body: { model: options.model, max_tokens: outputTokens, stream: true, messages: [{ role: 'user', content: text }] },
              theoretical_cached_share: text.length > 0 ? sharedText.length / text.length : 0,
              expected_output_tokens: outputTokens,
            },
          },
        ],
      };
    },
    warmup: (index) => warmupRequest(options.model, name, index),
  };
}
