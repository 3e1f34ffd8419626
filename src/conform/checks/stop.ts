/** Stop reasons (catalogue P). */
import { defineChecks, outcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { EXCHANGE_LABELS, exchange, MESSAGE_EXCHANGES, STREAM_EXCHANGES, TINY_MAX_TOKENS } from '../exchanges.ts';
import { accumulateStream } from '../stream-accumulator.ts';
import { stopReasonProblem } from './response.ts';
import { ensureAnswered, isObject, listSome, readMessage, readStream } from './support.ts';

export const STOP_CHECKS = defineChecks({
  P1: {
    title: 'Natural stop reports end_turn (streamed and not)',
    area: 'stop',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const plain = readMessage(await exchange(ctx, 'plain'), EXCHANGE_LABELS.plain);
      if (!plain.ok) return plain.outcome;
      const stream = readStream(await exchange(ctx, 'stream-text'), EXCHANGE_LABELS['stream-text']);
      if (!stream.ok) return stream.outcome;
      const streamed = accumulateStream(stream.value).message;
      if (streamed === null) {
        return outcome('fail', `${EXCHANGE_LABELS['stream-text']} has no message_start a client could read, so no stop_reason (see S1/S2)`, stream.value[0]?.raw ?? '');
      }
      const lastDelta = stream.value.filter((e) => e.data.includes('"message_delta"')).at(-1);
      const seen: [string, unknown, string][] = [
        [EXCHANGE_LABELS.plain, plain.value['stop_reason'], JSON.stringify(plain.value)],
        [EXCHANGE_LABELS['stream-text'], streamed.stop_reason, lastDelta?.raw ?? stream.value.at(-1)?.raw ?? ''],
      ];
      const wrong = seen.filter(([, reason]) => reason !== 'end_turn' && reason !== 'max_tokens');
      if (wrong.length > 0) {
        const [label, reason, evidence] = wrong[0] as [string, unknown, string];
        return outcome('fail', `${label}: stop_reason ${quote(reason ?? null)} where the model stopped on its own; expected "end_turn"`, evidence);
      }
      const cut = seen.filter(([, reason]) => reason === 'max_tokens');
      if (cut.length > 0) {
        return outcome('warn', `${cut.map(([l]) => l).join(' and ')} hit max_tokens before the model finished, so end_turn could not be observed`);
      }
      return outcome('pass', 'end_turn on both the plain and the streamed answer');
    },
  },
  P2: {
    title: 'A tiny max_tokens stops with max_tokens',
    area: 'stop',
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      const obs = await exchange(ctx, 'tiny-max');
      const read = readMessage(obs, EXCHANGE_LABELS['tiny-max']);
      if (!read.ok) return read.outcome;
      const reason = read.value['stop_reason'];
      const usage = isObject(read.value['usage']) ? read.value['usage'] : {};
      const out = usage['output_tokens'];
      if (typeof out === 'number' && out > TINY_MAX_TOKENS) {
        return outcome('fail', `the gateway ignored max_tokens=${TINY_MAX_TOKENS}: ${out} output tokens, stop_reason ${quote(reason)}`, obs.body ?? '');
      }
      if (reason !== 'max_tokens') {
        return outcome('fail', `stop_reason ${quote(reason)} for an answer cut at max_tokens=${TINY_MAX_TOKENS}; expected "max_tokens" (Claude Code uses it to continue or report truncation)`, obs.body ?? '');
      }
      return outcome('pass', `stop_reason "max_tokens" with ${quote(out)} output tokens`);
    },
  },
  P5: {
    title: 'Every stop_reason is an Anthropic value (never stop/length/tool_calls)',
    area: 'stop',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const problems: { text: string; evidence: string }[] = [];
      let seen = 0;
      for (const name of MESSAGE_EXCHANGES) {
        const obs = await exchange(ctx, name);
        ensureAnswered(obs);
        const read = readMessage(obs, EXCHANGE_LABELS[name]);
        // Failed requests are other checks' findings; only answers carry a stop_reason.
        if (!read.ok || !('stop_reason' in read.value) || read.value['stop_reason'] === null) continue;
        seen += 1;
        const problem = stopReasonProblem(read.value['stop_reason']);
        if (problem) problems.push({ text: `${EXCHANGE_LABELS[name]}: ${problem}`, evidence: obs.body ?? '' });
      }
      for (const name of STREAM_EXCHANGES) {
        const obs = await exchange(ctx, name);
        ensureAnswered(obs);
        const read = readStream(obs, EXCHANGE_LABELS[name]);
        if (!read.ok) continue;
        const reason = accumulateStream(read.value).message?.stop_reason;
        if (reason === null || reason === undefined) continue;
        seen += 1;
        const problem = stopReasonProblem(reason);
        if (problem) {
          const frame = read.value.find((e) => e.data.includes('"message_delta"'));
          problems.push({ text: `${EXCHANGE_LABELS[name]}: ${problem}`, evidence: frame?.raw ?? '' });
        }
      }
      if (problems.length > 0) return outcome('fail', listSome(problems.map((p) => p.text)), problems[0]?.evidence);
      if (seen === 0) return outcome('skip', 'no answer carried a stop_reason (see the other checks for why)');
      return outcome('pass', `${seen} answers, every stop_reason an Anthropic value`);
    },
  },
});
