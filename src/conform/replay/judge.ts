/**
 * Judge a replayed request's answer the way Claude Code would take it. Pure.
 * A recorded Claude Code request must be accepted (2xx); a streamed answer
 * must pass the Claude-Code-strict stream checker; every tool call must name
 * an offered tool and carry an input valid against that tool's schema.
 */
import type { Fixture } from '../../record/format.ts';
import type { Observation } from '../../types.ts';
import type { CheckOutcome } from '../check.ts';
import { bodyText, describeAnswer, ensureAnswered, parseJson } from '../checks/support.ts';
import { messageShapeProblems } from '../checks/response.ts';
import { quote } from '../evidence.ts';
import { isObject } from '../json.ts';
import { accumulateStream } from '../stream-accumulator.ts';
import { replayKind } from './request.ts';
import { checkToolCalls, offeredTools, type ToolCall } from './tool-schemas.ts';

function fail(detail: string, evidence?: string): CheckOutcome {
  return evidence === undefined || evidence === '' ? { status: 'fail', detail } : { status: 'fail', detail, evidence };
}

/** "(the recording was answered HTTP 400 too)" when the recorded upstream refused it as well. */
function recordedNote(fixture: Fixture): string {
  const status = fixture.response?.status;
  if (status === undefined || status === null || (status >= 200 && status < 300)) return '';
  return ` (the recorded upstream answered HTTP ${status} too)`;
}

interface Answer {
  readonly calls: readonly ToolCall[];
  readonly summary: string;
}

/** A streamed answer: the strict checker's verdict and the tool calls it ends up with. */
function readStreamed(obs: Observation): Answer | CheckOutcome {
  if (obs.events.length === 0) {
    const type = obs.headers['content-type'] ?? 'no Content-Type';
    return fail(`the request asked for a stream (stream:true) but was answered HTTP ${String(obs.status)} with ${type}, not text/event-stream`, bodyText(obs));
  }
  const acc = accumulateStream(obs.events);
  const first = acc.violations[0];
  if (first) {
    const more = acc.violations.length > 1 ? ` (and ${acc.violations.length - 1} more violations)` : '';
    return fail(`the answer stream breaks the grammar Claude Code relies on [${first.rule} ${first.code}]: ${first.message}${more}`, first.evidence);
  }
  if (obs.error) return fail(`the answer stream broke off (${obs.error.kind}: ${obs.error.message})`, bodyText(obs));
  const reason = acc.message?.stop_reason;
  return {
    calls: acc.toolCalls.map((t) => ({ name: t.name, input: t.input })),
    summary: `a well-formed stream of ${obs.events.length} events, stop_reason ${quote(reason)}`,
  };
}

/** A JSON answer: the Message envelope and its tool_use blocks. */
function readMessageAnswer(obs: Observation): Answer | CheckOutcome {
  if (obs.error) return fail(`the answer broke off (${obs.error.kind}: ${obs.error.message})`, bodyText(obs));
  const body = parseJson(obs.body);
  if (!isObject(body)) return fail(`the answer is HTTP ${String(obs.status)} but not a JSON Message`, bodyText(obs));
  const problems = messageShapeProblems(body);
  if (problems.length > 0) return fail(`the answer is not an Anthropic Message: ${problems.join('; ')}`, bodyText(obs));
  const content = Array.isArray(body['content']) ? body['content'].filter(isObject) : [];
  return {
    calls: content.filter((b) => b['type'] === 'tool_use').map((b) => ({ name: b['name'], input: b['input'] })),
    summary: `a Message, stop_reason ${quote(body['stop_reason'])}`,
  };
}

/**
 * The outcome for one replayed fixture. Throws when the target gave no
 * answer at all (connection refused, run aborted): the engine records that
 * as an error, not a measured failure.
 */
export function judgeReplay(fixture: Fixture, obs: Observation): CheckOutcome {
  ensureAnswered(obs);
  const kind = replayKind(fixture);
  if (obs.status === null || obs.status < 200 || obs.status >= 300) {
    return fail(`Claude Code's recorded request was not accepted: ${describeAnswer(obs)}${recordedNote(fixture)}`, bodyText(obs));
  }
  if (kind === 'count_tokens') {
    const body = parseJson(obs.body);
    const tokens = isObject(body) ? body['input_tokens'] : undefined;
    if (typeof tokens !== 'number' || !Number.isInteger(tokens) || tokens < 0) {
      return fail(`count_tokens answered HTTP ${String(obs.status)} without an integer input_tokens`, bodyText(obs));
    }
    return { status: 'pass', detail: `accepted (HTTP ${String(obs.status)}), input_tokens ${tokens}` };
  }
  if (kind !== 'messages') return { status: 'pass', detail: `accepted (HTTP ${String(obs.status)})` };

  const streamed = isObject(fixture.body) && fixture.body['stream'] === true;
  const answer = streamed ? readStreamed(obs) : readMessageAnswer(obs);
  if ('status' in answer) return answer;
  const tools = offeredTools(fixture.body);
  const report = checkToolCalls(answer.calls, tools);
  if (report.problems.length > 0) {
    const more = report.problems.length > 1 ? ` (and ${report.problems.length - 1} more)` : '';
    return fail(`accepted, but ${report.problems[0] ?? ''}${more}`, JSON.stringify(answer.calls));
  }
  const calls =
    answer.calls.length === 0
      ? 'no tool calls'
      : `${answer.calls.length} tool call${answer.calls.length > 1 ? 's' : ''}${report.valid.length > 0 ? ` valid against the offered schemas (${report.valid.join(', ')})` : ''}` +
        `${report.unchecked.length > 0 ? `; not schema-checked: ${report.unchecked.join(', ')}` : ''}`;
  return { status: 'pass', detail: `accepted (HTTP ${String(obs.status)}): ${answer.summary}, ${calls}` };
}
