/** Non-streaming response shape (catalogue N). */
import { defineChecks, outcome, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { EXCHANGE_LABELS, exchange, WEATHER_TOOL } from '../exchanges.ts';
import { isStopReason, OPENAI_FINISH_REASONS } from '../protocol.ts';
import { isCount, isObject, listSome, readMessage, type Json } from './support.ts';

/** What is wrong with a non-streamed Message's envelope fields. */
export function messageShapeProblems(message: Json): string[] {
  const problems: string[] = [];
  if (message['type'] !== 'message') problems.push(`type is ${quote(message['type'])}, expected "message"`);
  if (message['role'] !== 'assistant') problems.push(`role is ${quote(message['role'])}, expected "assistant"`);
  if (typeof message['id'] !== 'string' || message['id'] === '') problems.push('id is missing or empty');
  if (typeof message['model'] !== 'string') problems.push('model is missing');
  const content = message['content'];
  if (!Array.isArray(content)) problems.push(`content is ${quote(content)}, expected an array of blocks`);
  else if (content.some((b) => !isObject(b) || typeof b['type'] !== 'string')) problems.push('content holds an entry without a string "type"');
  if ('choices' in message || 'object' in message) problems.push('OpenAI chat-completion fields (choices/object) instead of an Anthropic Message');
  return problems;
}

/** Describe a stop_reason that is not an Anthropic value. */
export function stopReasonProblem(reason: unknown): string | null {
  if (isStopReason(reason)) return null;
  if (reason === null || reason === undefined) return `stop_reason is ${reason === null ? 'null' : 'missing'}`;
  const meant = typeof reason === 'string' ? OPENAI_FINISH_REASONS[reason] : undefined;
  return meant
    ? `stop_reason ${quote(reason)} is an OpenAI finish_reason; the Anthropic value is "${meant}"`
    : `stop_reason ${quote(reason)} is not one of end_turn, max_tokens, stop_sequence, tool_use, pause_turn, refusal, model_context_window_exceeded`;
}

function usageOutcome(message: Json): CheckOutcome {
  const usage = message['usage'];
  if (!isObject(usage)) {
    return outcome('fail', `the message has no usage object (Claude Code: "undefined is not an object (evaluating '_.input_tokens')")`, JSON.stringify(message));
  }
  const bad: string[] = [];
  for (const key of ['input_tokens', 'output_tokens']) {
    if (!isCount(usage[key])) bad.push(`usage.${key} is ${quote(usage[key])}, expected a non-negative integer`);
  }
  for (const key of ['cache_creation_input_tokens', 'cache_read_input_tokens']) {
    if (key in usage && usage[key] !== null && !isCount(usage[key])) bad.push(`usage.${key} is ${quote(usage[key])}, expected an integer or null`);
  }
  if (bad.length > 0) return outcome('fail', listSome(bad), JSON.stringify(usage));
  const zero = ['input_tokens', 'output_tokens'].filter((k) => usage[k] === 0);
  if (zero.length > 0) {
    return outcome('warn', `usage.${zero.join(' and usage.')} is 0 for a real answer; Claude Code's context meter and auto-compaction rely on these counts`, JSON.stringify(usage));
  }
  return outcome('pass', `usage.input_tokens ${String(usage['input_tokens'])}, usage.output_tokens ${String(usage['output_tokens'])}`);
}

export const RESPONSE_CHECKS = defineChecks({
  N1: {
    title: 'Non-streaming answer is an Anthropic Message',
    area: 'response',
    severity: 'blocker',
    refs: ['ahaostudy/openrouter-proxy#4'],
    async run(ctx) {
      const obs = await exchange(ctx, 'plain');
      const read = readMessage(obs, EXCHANGE_LABELS.plain);
      if (!read.ok) return read.outcome;
      const problems = messageShapeProblems(read.value);
      const contentType = obs.headers['content-type'] ?? '';
      if (!contentType.includes('application/json')) problems.push(`Content-Type is ${quote(contentType || 'missing')}, expected application/json`);
      if (problems.length > 0) return outcome('fail', listSome(problems), obs.body ?? '');
      const id = String(read.value['id']);
      const blocks = (read.value['content'] as unknown[]).length;
      return outcome('pass', `type "message", role "assistant", id ${quote(id)}${id.startsWith('msg_') ? '' : ' (Anthropic ids start with msg_)'}, ${blocks} content block(s)`);
    },
  },
  N2: {
    title: 'Non-streaming stop_reason valid, stop_sequence key present',
    area: 'response',
    severity: 'blocker',
    refs: ['ogx-ai/ogx#5521'],
    async run(ctx) {
      const obs = await exchange(ctx, 'plain');
      const read = readMessage(obs, EXCHANGE_LABELS.plain);
      if (!read.ok) return read.outcome;
      const problems: string[] = [];
      const reasonProblem = stopReasonProblem(read.value['stop_reason']);
      if (reasonProblem) problems.push(reasonProblem);
      if (!('stop_sequence' in read.value)) problems.push('the stop_sequence key is missing (it must be present: null or the matched sequence)');
      if (problems.length > 0) return outcome('fail', listSome(problems), obs.body ?? '');
      return outcome('pass', `stop_reason ${quote(read.value['stop_reason'])}, stop_sequence ${quote(read.value['stop_sequence'])}`);
    },
  },
  N3: {
    title: 'Non-streaming usage has integer token counts',
    area: 'usage',
    severity: 'blocker',
    refs: ['Alishahryar1/free-claude-code#209', 'Alishahryar1/free-claude-code#123'],
    async run(ctx) {
      const read = readMessage(await exchange(ctx, 'plain'), EXCHANGE_LABELS.plain);
      if (!read.ok) return read.outcome;
      return usageOutcome(read.value);
    },
  },
  N5: {
    title: 'Non-streaming forced tool call: tool_use with object input',
    area: 'tools',
    severity: 'blocker',
    refs: ['nielspeter/claude-code-proxy#13'],
    async run(ctx) {
      const obs = await exchange(ctx, 'tool-plain');
      const read = readMessage(obs, EXCHANGE_LABELS['tool-plain']);
      if (!read.ok) return read.outcome;
      const content = Array.isArray(read.value['content']) ? (read.value['content'] as unknown[]) : [];
      const tools = content.filter((b): b is Json => isObject(b) && b['type'] === 'tool_use');
      if (tools.length === 0) {
        return outcome('fail', `no tool_use block although tool_choice forced ${WEATHER_TOOL.name}; the gateway may drop tools or tool_choice`, obs.body ?? '');
      }
      const problems: string[] = [];
      for (const block of tools) {
        const input = block['input'];
        if (typeof input === 'string') problems.push(`tool_use.input is a JSON string (${quote(input)}), not an object`);
        else if (!isObject(input)) problems.push(`tool_use.input is ${quote(input)}, expected an object`);
        if (typeof block['id'] !== 'string' || block['id'] === '') problems.push('tool_use.id is missing or empty');
        if (typeof block['name'] !== 'string' || block['name'] === '') problems.push('tool_use.name is missing or empty');
      }
      if (problems.length > 0) return outcome('fail', listSome(problems), obs.body ?? '');
      const first = tools[0] as Json;
      return outcome('pass', `${String(first['name'])} called with ${quote(first['input'])}`);
    },
  },
});
