/** Stop reasons beyond end_turn and max_tokens (catalogue P3, P4). */
import type { RequestSpec, Target } from '../../types.ts';
import { defineChecks, outcome, type CheckContext } from '../check.ts';
import { quote } from '../evidence.ts';
import {
  AUTO_TOOL_EXCHANGES,
  attemptKey,
  autoToolExchange,
  counted,
  emulate,
  judgeRepeatedly,
  messages,
  readAnswer,
  send,
  toolUses,
  uncounted,
  userTurn,
  type Answer,
  type Trial,
} from './scripted.ts';
import { listSome } from './support.ts';
import { TOOL_SHAPES } from './tools-catalogue.ts';

/** The stop sequence of P3, and the text the model is asked to write through it. */
export const STOP_SEQUENCE = 'CBSTOP';
export const STOP_TEXT = `alpha beta gamma ${STOP_SEQUENCE} delta epsilon`;

function stopSpec(target: Target, stream: boolean): RequestSpec {
  return messages(target, {
    max_tokens: 64,
    ...(stream ? { stream: true } : {}),
    stop_sequences: [STOP_SEQUENCE],
    messages: userTurn(`Reply with exactly these words and nothing else: ${STOP_TEXT} ${emulate({ say: STOP_TEXT })}`),
  });
}

/** Judge one answer to the stop-sequence request (pure). */
export function judgeStopSequence(answer: Answer, what: string, scripted: boolean): Trial {
  const { text, stopReason, stopSequence } = answer;
  if (text.includes(STOP_SEQUENCE)) {
    return counted(
      outcome(
        'fail',
        `${what}: the text runs past the stop sequence ${quote(STOP_SEQUENCE)} (${quote(text, 60)}, stop_reason ${quote(stopReason)}): stop_sequences was not applied (Claude Code's classifier relies on it)`,
        answer.evidence,
      ),
    );
  }
  if (stopReason === 'stop_sequence') {
    if (stopSequence !== STOP_SEQUENCE) {
      return counted(outcome('fail', `${what}: stop_reason "stop_sequence" but stop_sequence is ${quote(stopSequence)}, not ${quote(STOP_SEQUENCE)}`, answer.evidence));
    }
    return counted(outcome('pass', `${what}: stopped before ${quote(STOP_SEQUENCE)} with stop_reason "stop_sequence" and the matched sequence`));
  }
  const stoppedThere = text.trimEnd().endsWith('gamma');
  if (scripted || stoppedThere) {
    return counted(
      outcome(
        'fail',
        `${what}: generation stopped at ${quote(STOP_SEQUENCE)} but the answer says stop_reason ${quote(stopReason)}, stop_sequence ${quote(stopSequence)}; expected "stop_sequence" and ${quote(STOP_SEQUENCE)}`,
        answer.evidence,
      ),
    );
  }
  return uncounted(`${what}: the model did not write the stop sequence (${quote(text, 60)})`);
}

/**
 * Every tool-call answer of the catalogue where the model chose the call:
 * the auto pair, parallel calls, text then a call (shared with U3, U5, U6).
 */
async function toolAnswers(ctx: CheckContext): Promise<{ what: string; answer: Answer }[]> {
  const out: { what: string; answer: Answer }[] = [];
  for (const name of Object.keys(AUTO_TOOL_EXCHANGES) as (keyof typeof AUTO_TOOL_EXCHANGES)[]) {
    const read = readAnswer(await autoToolExchange(ctx, name), AUTO_TOOL_EXCHANGES[name]);
    if (read.ok) out.push({ what: AUTO_TOOL_EXCHANGES[name], answer: read.value });
  }
  for (const [key, shape] of Object.entries(TOOL_SHAPES)) {
    const read = readAnswer(await send(ctx, key, shape.spec(ctx.target)), shape.what);
    if (read.ok) out.push({ what: shape.what, answer: read.value });
  }
  return out;
}

export const STOP_CATALOGUE_CHECKS = defineChecks({
  P3: {
    title: 'A stop sequence ends generation with stop_reason stop_sequence and the matched string',
    area: 'stop',
    severity: 'degraded',
    refs: ['exo-explore/exo#2122', 'BerriAI/litellm#33075', 'BerriAI/litellm#37118'],
    run: (ctx) =>
      judgeRepeatedly(ctx, async (attempt, scripted) => {
        const trials: Trial[] = [];
        for (const stream of [false, true]) {
          const what = stream ? 'streamed' : 'not streamed';
          const read = readAnswer(await send(ctx, attemptKey(stream ? 'stop-seq-stream' : 'stop-seq-plain', attempt), stopSpec(ctx.target, stream)), `the ${what} answer with stop_sequences`);
          trials.push(read.ok ? judgeStopSequence(read.value, what, scripted) : counted(read.outcome));
        }
        return trials.find((t) => t.counted && t.outcome.status !== 'pass') ?? trials.find((t) => !t.counted) ?? counted(outcome('pass', trials.map((t) => t.outcome.detail).join('; ')));
      }),
  },
  P4: {
    title: 'Every answer with a tool call (auto, parallel, after text) stops with tool_use, and only those',
    area: 'stop',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const answers = await toolAnswers(ctx);
      const problems: string[] = [];
      let evidence = '';
      let withTools = 0;
      for (const { what, answer } of answers) {
        const calls = toolUses(answer).length;
        if (calls > 0) withTools += 1;
        if (calls > 0 && answer.stopReason !== 'tool_use') problems.push(`${what}: ${calls} tool call(s) but stop_reason ${quote(answer.stopReason)}`);
        else if (calls === 0 && answer.stopReason === 'tool_use') problems.push(`${what}: stop_reason "tool_use" without any tool_use block`);
        else continue;
        evidence ||= answer.events.filter((e) => e.data.includes('"message_delta"')).at(-1)?.raw ?? answer.evidence;
      }
      if (problems.length > 0) return outcome('fail', `${listSome(problems)}; Claude Code runs tools only on stop_reason "tool_use"`, evidence);
      if (answers.length === 0) return outcome('skip', 'every tool-call request failed (U3, U5 and U6 say why)');
      if (withTools === 0) return outcome('skip', 'none of the tool-call requests came back with a tool call (the model chose not to call)');
      return outcome('pass', `${withTools} answer(s) with tool calls, each with stop_reason "tool_use"; ${answers.length - withTools} without, none claiming it`);
    },
  },
});
