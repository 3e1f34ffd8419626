/** Token accounting in streams (catalogue G). */
import type { SseEvent } from '../../types.ts';
import { defineChecks, outcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { EXCHANGE_LABELS, exchange } from '../exchanges.ts';
import { isObject, parseJson, readStream, type Json } from './support.ts';

/** The parsed data of every frame of `type` (by event name). */
function framesOf(events: readonly SseEvent[], type: string): { data: Json; raw: string }[] {
  const out: { data: Json; raw: string }[] = [];
  for (const e of events) {
    if (e.type !== type) continue;
    const data = parseJson(e.data);
    if (isObject(data)) out.push({ data, raw: e.raw });
  }
  return out;
}

export const USAGE_CHECKS = defineChecks({
  G1: {
    title: 'Streamed input_tokens reported (message_start or final message_delta)',
    area: 'usage',
    severity: 'degraded',
    refs: ['lobehub/lobehub#18612', 'getpaseo/paseo#4295', 'BerriAI/litellm#24176'],
    async run(ctx) {
      const read = readStream(await exchange(ctx, 'stream-text'), EXCHANGE_LABELS['stream-text']);
      if (!read.ok) return read.outcome;
      const start = framesOf(read.value, 'message_start')[0];
      const message = start && isObject(start.data['message']) ? start.data['message'] : null;
      const startUsage = message && isObject(message['usage']) ? message['usage'] : null;
      const deltas = framesOf(read.value, 'message_delta');
      const last = deltas.at(-1);
      const deltaUsage = last && isObject(last.data['usage']) ? last.data['usage'] : null;
      const atStart = startUsage?.['input_tokens'];
      const atEnd = deltaUsage?.['input_tokens'];
      if (typeof atStart === 'number' && atStart > 0) return outcome('pass', `message_start usage.input_tokens ${atStart}`);
      if (typeof atEnd === 'number' && atEnd > 0) return outcome('pass', `input_tokens ${atEnd} in the final message_delta (message_start had ${quote(atStart)})`);
      const evidence = start?.raw ?? read.value[0]?.raw ?? '';
      if (atStart === undefined && atEnd === undefined) {
        return outcome('fail', 'no input_tokens anywhere in the stream: Claude Code cannot track context use or decide when to compact', evidence);
      }
      return outcome('fail', `input_tokens is ${quote(atStart)} in message_start and ${quote(atEnd)} in the final message_delta: Claude Code's context meter reads 0 and auto-compaction never triggers`, evidence);
    },
  },
  G2: {
    title: 'Streamed output_tokens > 0 in the final message_delta',
    area: 'usage',
    severity: 'degraded',
    refs: ['earendil-works/pi#6567'],
    async run(ctx) {
      const read = readStream(await exchange(ctx, 'stream-text'), EXCHANGE_LABELS['stream-text']);
      if (!read.ok) return read.outcome;
      const last = framesOf(read.value, 'message_delta').at(-1);
      if (!last) return outcome('fail', 'no message_delta, so no output token count (see S6)', read.value.at(-1)?.raw ?? '');
      const usage = isObject(last.data['usage']) ? last.data['usage'] : null;
      const out = usage?.['output_tokens'];
      if (typeof out !== 'number') return outcome('fail', `the final message_delta has usage.output_tokens ${quote(out)}; it must be a number`, last.raw);
      if (out <= 0) return outcome('fail', `the final message_delta reports ${out} output tokens for a non-empty answer; token speed and cost figures will be wrong`, last.raw);
      return outcome('pass', `final message_delta usage.output_tokens ${out}`);
    },
  },
});
