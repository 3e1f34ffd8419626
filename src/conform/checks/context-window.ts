/**
 * Is the context window large enough for Claude Code's real first request?
 * A request built like Claude Code's (src/claude-code/shapes.ts: ~7 KB of system
 * blocks, 12 tools with ~31 KB of schemas, a ~9 KB role:"system" message,
 * max_tokens 32000, streamed) must be accepted. When it is not, the same
 * prompt with max_tokens 1 tells whether the prompt itself or the prompt
 * plus max_tokens overflows; its usage and the error's numbers size the fix.
 */
import type { Observation } from '../../types.ts';
import { CC_MAX_TOKENS_DEFAULT_MODEL, CC_MAX_TOKENS_UNKNOWN_MODEL, CC_OBSERVED_SIZES, ccRequestSpec } from '../../claude-code/shapes.ts';
import { defineChecks, outcome, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { answered, contextFacts, errorMessageOf, mentionsContext, roundUpK, send, type ContextFacts } from './catalogue-support.ts';
import { bodyText, describeAnswer, isCount, isObject, parseJson } from './support.ts';

/** Claude Code keeps about this much head-room when it lowers max_tokens itself. */
const HEADROOM = 1000;
/** Below this many output tokens a session cannot write a file of any size. */
const USEFUL_OUTPUT = 4096;

/** Accepted: HTTP 200 with a stream that carries message_start and no error event. */
function acceptedStream(obs: Observation): boolean {
  if (obs.status !== 200 || obs.error) return false;
  const types = obs.events.map((e) => e.type);
  return types.includes('message_start') && !types.includes('error');
}

const KB = (bytes: number): string => `${Math.round(bytes / 1000)} KB`;

/** The first-request shape in a few words. */
export const CC_FIRST_REQUEST_WORDS = `Claude Code's first request (${KB(CC_OBSERVED_SIZES.firstRequestBytes)}: system ${KB(CC_OBSERVED_SIZES.systemBytes)}, 12 tools ${KB(CC_OBSERVED_SIZES.toolsBytes)}, a ${KB(CC_OBSERVED_SIZES.environmentChars)} role:"system" message)`;

/** What the max_tokens=1 probe of the same prompt showed. */
export interface PromptProbe {
  /** The prompt alone fits the window. */
  readonly fits: boolean;
  /** Its input tokens as the backend counted them (usage), when it fits. */
  readonly tokens?: number;
}

/**
 * Word the verdict for a rejected first request: which of prompt size and
 * max_tokens the window cannot hold, and the fix. Pure.
 */
export function diagnoseFirstRequest(message: string, facts: ContextFacts, probe: PromptProbe, maxTokens: number): { status: 'fail' | 'warn'; detail: string } {
  const window = facts.window;
  const prompt = probe.tokens ?? facts.prompt;
  if (facts.anthropicRetryable && prompt !== undefined && window !== undefined && window - prompt - HEADROOM >= USEFUL_OUTPUT) {
    return {
      status: 'warn',
      detail:
        `refused with Anthropic's wording (${prompt} + ${maxTokens} > ${window}), so Claude Code retries with max_tokens ≈ ${window - prompt - HEADROOM}: ` +
        `it works, at the cost of a failed request per turn. Set CLAUDE_CODE_MAX_OUTPUT_TOKENS=${window - prompt - HEADROOM} or lower, or give the model a larger window`,
    };
  }
  const said = `The backend said: ${quote(message, 160)}`;
  const need = prompt !== undefined ? roundUpK(prompt + maxTokens) : undefined;
  const raise = need !== undefined ? `raise vLLM --max-model-len to at least ${need}` : `raise vLLM --max-model-len (or the backend's context size) to hold the prompt plus ${maxTokens}`;
  const windowWords = window !== undefined ? ` (${window} tokens)` : '';
  if (probe.fits) {
    const room = window !== undefined && prompt !== undefined ? window - prompt - HEADROOM : undefined;
    const promptWords = prompt !== undefined ? ` (${prompt} tokens)` : '';
    if (room !== undefined && room < USEFUL_OUTPUT) {
      return {
        status: 'fail',
        detail: `the context window${windowWords} holds ${CC_FIRST_REQUEST_WORDS}${promptWords} with only ~${Math.max(0, room)} tokens to spare: too little for Claude Code to write code. Fix: ${raise}. ${said}`,
      };
    }
    const cap = room !== undefined ? `set CLAUDE_CODE_MAX_OUTPUT_TOKENS=${room} (or lower)` : `set CLAUDE_CODE_MAX_OUTPUT_TOKENS (e.g. ${USEFUL_OUTPUT})`;
    return {
      status: 'fail',
      detail:
        `the context window${windowWords} holds ${CC_FIRST_REQUEST_WORDS}${promptWords} but not max_tokens ${maxTokens} on top, so every Claude Code session fails on its first request. ` +
        `Fix: ${cap} in Claude Code's environment, or ${raise}. ${said}`,
    };
  }
  if (!mentionsContext(message) && !facts.anthropicPromptTooLong) {
    return { status: 'fail', detail: `${CC_FIRST_REQUEST_WORDS} was refused, also with max_tokens 1, for a reason other than the context window: ${quote(message, 200)} (the R checks name the field)` };
  }
  return {
    status: 'fail',
    detail:
      `the context window${windowWords} cannot hold even ${CC_FIRST_REQUEST_WORDS}${facts.prompt !== undefined ? ` (${facts.prompt} tokens)` : ''}, whatever max_tokens is: ` +
      `every Claude Code session fails at once. Fix: ${raise}; a window under ~16k tokens is too small for Claude Code. ${said}`,
  };
}

/** Read the max_tokens=1 probe: did it fit, and how many input tokens did the backend count? */
export function readProbe(obs: Observation): PromptProbe {
  if (obs.status !== 200 || obs.error) return { fits: false };
  const body = parseJson(obs.body);
  const usage = isObject(body) && isObject(body['usage']) ? body['usage'] : null;
  if (!usage) return { fits: true };
  const parts = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'].map((k) => usage[k]).filter(isCount);
  const total = parts.reduce((a, b) => a + b, 0);
  return total > 0 ? { fits: true, tokens: total } : { fits: true };
}

export const CONTEXT_WINDOW_CHECKS = defineChecks({
  CTX1: {
    title: "Context window large enough for Claude Code's real first request (max_tokens 32000)",
    area: 'context',
    severity: 'blocker',
    refs: ['musistudio/claude-code-router#1799', 'Menci/Floway#166'],
    async run(ctx): Promise<CheckOutcome> {
      const maxTokens = CC_MAX_TOKENS_UNKNOWN_MODEL;
      const obs = answered(await send(ctx, 'cc-first-request', ccRequestSpec(ctx.target, { maxTokens })));
      const defaultIdNote = ctx.target.model.startsWith('claude-')
        ? ` (without ANTHROPIC_MODEL, Claude Code sends its default id with max_tokens ${CC_MAX_TOKENS_DEFAULT_MODEL}: see R15)`
        : '';
      if (acceptedStream(obs)) {
        return outcome('pass', `${CC_FIRST_REQUEST_WORDS} with max_tokens ${maxTokens} was accepted and streamed${defaultIdNote}`);
      }
      if (obs.error && obs.status === null) return outcome('fail', `${CC_FIRST_REQUEST_WORDS} got ${describeAnswer(obs)}`, bodyText(obs));
      const message = errorMessageOf(obs);
      // The same prompt with max_tokens 1, not streamed: does the prompt alone fit, and how big is it?
      const probe = answered(await send(ctx, 'cc-first-request-probe', ccRequestSpec(ctx.target, { maxTokens: 1, stream: false })));
      const verdict = diagnoseFirstRequest(message, contextFacts(message), readProbe(probe), maxTokens);
      return outcome(verdict.status, `${verdict.detail}${defaultIdNote}`, bodyText(obs));
    },
  },
});
