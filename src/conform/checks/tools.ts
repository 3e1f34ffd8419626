/** Tool use (catalogue U): forced calls, their input, ids, stop reason, and the tool_result round trip. */
import { Ajv, type ErrorObject } from 'ajv';
import { defineChecks, outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { EXCHANGE_LABELS, exchange, WEATHER_TOOL } from '../exchanges.ts';
import { TOOL_USE_ID_PATTERN } from '../protocol.ts';
import { accumulateStream } from '../stream-accumulator.ts';
import { messageShapeProblems } from './response.ts';
import { AUTO_TOOL_EXCHANGES, autoToolExchange, readAnswer, toolUses } from './scripted.ts';
import { ensureAnswered, isObject, listSome, readMessage, readStream, type Json } from './support.ts';

// Tool schemas come from users' tools in general; unknown keywords must not throw.
const ajv = new Ajv({ strict: false, allErrors: true });
const validateWeatherInput = ajv.compile(WEATHER_TOOL.input_schema);

function schemaErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || 'input'} ${e.message ?? 'is invalid'}`).join('; ');
}

interface ToolUseSeen {
  readonly source: string;
  readonly id: unknown;
  readonly name: unknown;
  readonly stopReason: unknown;
  readonly evidence: string;
}

/**
 * Tool calls the model chose itself (no tool_choice), streamed and not:
 * Claude Code never forces a tool, so this is the stop_reason it depends on.
 * A request that failed outright is returned as the outcome: with tools
 * and no tool_choice it is exactly Claude Code's request (a vLLM without
 * --enable-auto-tool-choice refuses it).
 */
async function autoToolUsesSeen(ctx: CheckContext): Promise<ToolUseSeen[] | CheckOutcome> {
  const seen: ToolUseSeen[] = [];
  for (const name of Object.keys(AUTO_TOOL_EXCHANGES) as (keyof typeof AUTO_TOOL_EXCHANGES)[]) {
    const read = readAnswer(await autoToolExchange(ctx, name), AUTO_TOOL_EXCHANGES[name]);
    if (!read.ok) return { ...read.outcome, detail: `a request with tools and no tool_choice, as Claude Code sends it, failed: ${read.outcome.detail}` };
    const finalFrame = read.value.events.filter((e) => e.data.includes('"message_delta"')).at(-1)?.raw;
    for (const block of toolUses(read.value)) {
      seen.push({ source: AUTO_TOOL_EXCHANGES[name], id: block['id'], name: block['name'], stopReason: read.value.stopReason, evidence: finalFrame ?? read.value.evidence });
    }
  }
  return seen;
}

/** Every tool_use block the two forced-tool answers returned (answers that failed are skipped). */
async function toolUsesSeen(ctx: CheckContext): Promise<ToolUseSeen[]> {
  const seen: ToolUseSeen[] = [];
  const streamObs = await exchange(ctx, 'tool-stream');
  ensureAnswered(streamObs);
  const stream = readStream(streamObs, EXCHANGE_LABELS['tool-stream']);
  if (stream.ok) {
    const acc = accumulateStream(stream.value);
    for (const call of acc.toolCalls) {
      const frame = stream.value.find((e) => e.data.includes('"content_block_start"') && e.data.includes('tool_use'));
      seen.push({ source: EXCHANGE_LABELS['tool-stream'], id: call.id, name: call.name, stopReason: acc.message?.stop_reason, evidence: frame?.raw ?? '' });
    }
  }
  const plainObs = await exchange(ctx, 'tool-plain');
  ensureAnswered(plainObs);
  const plain = readMessage(plainObs, EXCHANGE_LABELS['tool-plain']);
  if (plain.ok && Array.isArray(plain.value['content'])) {
    for (const block of plain.value['content'] as unknown[]) {
      if (isObject(block) && block['type'] === 'tool_use') {
        seen.push({ source: EXCHANGE_LABELS['tool-plain'], id: block['id'], name: block['name'], stopReason: plain.value['stop_reason'], evidence: plainObs.body ?? '' });
      }
    }
  }
  return seen;
}

export const TOOL_CHECKS = defineChecks({
  U1: {
    title: 'Streamed forced tool call: input via input_json_delta, valid against the schema',
    area: 'tools',
    severity: 'blocker',
    refs: ['BerriAI/litellm#25321', 'BerriAI/litellm#29491', 'inflaborg/ccrelay#119', 'ollama/ollama#15390'],
    async run(ctx) {
      const read = readStream(await exchange(ctx, 'tool-stream'), EXCHANGE_LABELS['tool-stream']);
      if (!read.ok) return read.outcome;
      const acc = accumulateStream(read.value);
      const raw = read.value.map((e) => e.raw).join('\n');
      if (acc.message === null) return outcome('fail', 'the stream has no message_start Claude Code could read (see S1/S2)', raw);
      const call = acc.toolCalls.find((c) => c.name === WEATHER_TOOL.name);
      if (!call) {
        const other = acc.toolCalls[0];
        return other
          ? outcome('fail', `tool_choice forced ${WEATHER_TOOL.name} but the stream called ${quote(other.name)}`, raw)
          : outcome('fail', `no tool_use block although tool_choice forced ${WEATHER_TOOL.name}; the gateway may drop tools or tool_choice`, raw);
      }
      const notJson = acc.violations.find((v) => v.code === 'tool-input-not-json');
      if (notJson) return outcome('fail', `${notJson.message}; Claude Code reports "Invalid tool parameters"`, notJson.evidence);
      if (call.deltas === 0 && isObject(call.startInput) && Object.keys(call.startInput).length > 0) {
        return outcome(
          'fail',
          `the arguments ${quote(call.startInput)} came only in content_block_start.input, with no input_json_delta; Claude Code builds the input from the deltas alone and sees {}`,
          read.value[call.startEventIndex]?.raw ?? raw,
        );
      }
      if (!validateWeatherInput(call.input)) {
        return outcome(
          'fail',
          `the streamed input ${quote(call.input)} does not match the tool's input_schema (${schemaErrors(validateWeatherInput.errors)}); Claude Code rejects it as "Invalid tool parameters"`,
          call.json || raw,
        );
      }
      return outcome('pass', `${WEATHER_TOOL.name} called with ${quote(call.input)} in ${call.deltas} input_json_delta fragment(s), valid against its schema`);
    },
  },
  U3: {
    title: 'Tool calls the model chooses (no tool_choice, as Claude Code) stop with tool_use',
    area: 'tools',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const seen = await autoToolUsesSeen(ctx);
      if (!Array.isArray(seen)) return seen;
      if (seen.length === 0) {
        return outcome('skip', 'the model answered the weather question without calling get_weather (streamed and not), so there is no tool call to judge; the forced calls are judged by U3b');
      }
      const wrong = seen.filter((s) => s.stopReason !== 'tool_use');
      const first = wrong[0];
      if (first) {
        return outcome(
          'fail',
          `${first.source}: stop_reason ${quote(first.stopReason ?? null)} on an answer that calls a tool; expected "tool_use" (Claude Code runs the tools only then, else the turn just ends)`,
          first.evidence,
        );
      }
      return outcome('pass', `stop_reason "tool_use" on ${new Set(seen.map((s) => s.source)).size} answer(s) whose tool call the model chose`);
    },
  },
  U3b: {
    title: 'Forced tool_choice calls stop with tool_use',
    area: 'tools',
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      const seen = await toolUsesSeen(ctx);
      if (seen.length === 0) return outcome('skip', 'neither forced tool call came back with a tool_use block (see U1 and N5)');
      const first = seen.find((s) => s.stopReason !== 'tool_use');
      if (first) {
        return outcome(
          'fail',
          `${first.source}: stop_reason ${quote(first.stopReason ?? null)} on a call forced with tool_choice {type:"tool"}; the API answers "tool_use". Claude Code never forces a tool (U3 judges its path), but SDK clients that do will not run the tool`,
          first.evidence,
        );
      }
      return outcome('pass', `stop_reason "tool_use" on ${new Set(seen.map((s) => s.source)).size} forced tool call(s)`);
    },
  },
  U4: {
    title: 'tool_use ids non-empty, unique, matching ^[a-zA-Z0-9_-]+$',
    area: 'tools',
    severity: 'blocker',
    refs: ['BerriAI/litellm#23510', 'theopenco/llmgateway#3389'],
    async run(ctx) {
      const seen = await toolUsesSeen(ctx);
      if (seen.length === 0) return outcome('skip', 'no tool_use block came back (see U1 and N5)');
      const problems: string[] = [];
      let evidence = '';
      for (const s of seen) {
        if (typeof s.id !== 'string' || s.id === '') {
          problems.push(`${s.source}: tool_use id is ${quote(s.id)}`);
        } else if (!TOOL_USE_ID_PATTERN.test(s.id)) {
          problems.push(`${s.source}: tool_use id ${quote(s.id)} does not match ^[a-zA-Z0-9_-]+$ (Anthropic rejects it when Claude Code sends it back)`);
        } else continue;
        evidence ||= s.evidence;
      }
      const ids = seen.map((s) => s.id).filter((id): id is string => typeof id === 'string' && id !== '');
      const dup = ids.find((id, i) => ids.indexOf(id) !== i);
      if (dup !== undefined) {
        problems.push(`tool_use id ${quote(dup)} appears in two answers; ids must be unique ("tool_use ids must be unique")`);
        evidence ||= seen.find((s) => s.id === dup)?.evidence ?? '';
      }
      if (problems.length > 0) return outcome('fail', listSome(problems), evidence);
      return outcome('pass', `${ids.length} tool_use id(s), all distinct and well-formed (${ids.map((id) => quote(id, 40)).join(', ')})`);
    },
  },
  U7: {
    title: 'tool_result round trip accepted',
    area: 'tools',
    severity: 'blocker',
    refs: ['BerriAI/litellm#16711'],
    async run(ctx) {
      const obs = await exchange(ctx, 'tool-result');
      const read = readMessage(obs, EXCHANGE_LABELS['tool-result']);
      if (!read.ok) {
        if (obs.status !== null && obs.status >= 400) {
          return { ...read.outcome, detail: `history with an assistant tool_use and the user's tool_result was rejected: ${read.outcome.detail}` };
        }
        return read.outcome;
      }
      const problems = messageShapeProblems(read.value as Json);
      if (problems.length > 0) return outcome('fail', `accepted, but the answer is not a Message: ${listSome(problems)}`, obs.body ?? '');
      return outcome('pass', `HTTP 200 with a Message (stop_reason ${quote(read.value['stop_reason'])})`);
    },
  },
});
