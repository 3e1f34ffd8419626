/**
 * How `conform` stands up the embedded stack (vLLM emulator behind
 * claude-code-router) for the suites that run Claude Code's own requests.
 *
 * - `embedded`: a correctly configured stack. vLLM with
 *   `--enable-auto-tool-choice --tool-call-parser hermes` and the window
 *   src/stack/emulator.ts gives every embedded stack (131072, Qwen2.5-Coder's
 *   YaRN maximum): Claude Code's first request is ~12k tokens and it asks
 *   max_tokens 32000 for a local model id, more than a 32K window holds.
 * - `embedded-guide`: the deployment guide's configuration, to see what
 *   goes wrong with it: `--max-model-len 8192`, no tool-call flags.
 *
 * With the live-client suite the emulator also gets the script that plays
 * the model's part of its task. Pure.
 */
import { EMBEDDED_MAX_MODEL_LEN } from '../stack/emulator.ts';
import { LIVE_SCRIPT_PATH } from './prompt.ts';

/** The stacks `conform --stack` knows. */
export const EMBEDDED_STACK_NAMES = ['embedded', 'embedded-guide'] as const;
export type EmbeddedStackName = (typeof EMBEDDED_STACK_NAMES)[number];

/** The deployment guide's vLLM `--max-model-len`. */
export const GUIDE_MAX_MODEL_LEN = 8_192;

/** What startEmbeddedStack needs beyond the defaults, and a line for the user. */
export interface EmbeddedStackSettings {
  readonly autoToolChoice: boolean;
  readonly emulatorArgs: readonly string[];
  /** e.g. "vLLM emulator (--max-model-len 8192, no tool-call flags: the guide's configuration) + claude-code-router". */
  readonly description: string;
}

export function isEmbeddedStackName(name: string): name is EmbeddedStackName {
  return (EMBEDDED_STACK_NAMES as readonly string[]).includes(name);
}

/** The settings of stack `name` for a run of `suites`. */
export function embeddedStackSettings(name: EmbeddedStackName, suites: readonly string[]): EmbeddedStackSettings {
  const script = suites.includes('live-client') ? ['--script', LIVE_SCRIPT_PATH] : [];
  if (name === 'embedded-guide') {
    return {
      autoToolChoice: false,
      emulatorArgs: ['--max-model-len', String(GUIDE_MAX_MODEL_LEN), ...script],
      description: `vLLM emulator (--max-model-len ${GUIDE_MAX_MODEL_LEN}, no tool-call flags: the deployment guide's configuration) + claude-code-router`,
    };
  }
  return {
    autoToolChoice: true,
    emulatorArgs: script,
    description: `vLLM emulator (--max-model-len ${EMBEDDED_MAX_MODEL_LEN}, --enable-auto-tool-choice --tool-call-parser hermes) + claude-code-router`,
  };
}
