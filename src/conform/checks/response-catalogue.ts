/** Non-streaming response shape beyond the core (catalogue N4, N6, N7). */
import { defineChecks, outcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { EXCHANGE_LABELS, exchange, WEATHER_TOOL } from '../exchanges.ts';
import { accumulateStream } from '../stream-accumulator.ts';
import { acceptance, answered, blocksOf, post, send } from './catalogue-support.ts';
import { ensureAnswered, listSome, readMessage, readStream, type Json } from './support.ts';

/** Top-level keys of a Message (SDK `Message`, plus the beta context_management). */
export const MESSAGE_KEYS = ['id', 'type', 'role', 'content', 'model', 'stop_reason', 'stop_sequence', 'stop_details', 'container', 'usage', 'context_management'] as const;

/** Keys of other APIs' responses that would confuse a client reading a Message. */
const FOREIGN_KEYS = ['choices', 'object', 'created', 'system_fingerprint', 'timings', 'prompt_filter_results', 'x_groq'];

const ORDER_RANK: Readonly<Record<string, number>> = { thinking: 0, redacted_thinking: 0, text: 1, tool_use: 2, server_tool_use: 2 };

/** Where a Message's block order breaks thinking → text → tool_use, or null. */
export function blockOrderProblem(blocks: readonly Json[]): string | null {
  let seenNonThinking: string | null = null;
  for (const [i, b] of blocks.entries()) {
    const type = String(b['type']);
    if ((type === 'thinking' || type === 'redacted_thinking') && seenNonThinking !== null) {
      return `a ${type} block at index ${i} comes after a ${seenNonThinking} block; thinking must come first (Claude Code keeps thinking with the turn it precedes)`;
    }
    if (ORDER_RANK[type] !== 0) seenNonThinking ??= type;
  }
  return null;
}

/** Text blocks with empty or whitespace-only text. */
function emptyTextBlocks(blocks: readonly Json[]): number {
  return blocks.filter((b) => b['type'] === 'text' && (typeof b['text'] !== 'string' || b['text'].trim() === '')).length;
}

export const RESPONSE_CATALOGUE_CHECKS = defineChecks({
  N4: {
    title: 'With thinking on, blocks come in the order thinking → text → tool_use',
    area: 'response',
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      const body = {
        model: ctx.target.model,
        max_tokens: 512,
        thinking: { type: 'adaptive' },
        tools: [WEATHER_TOOL],
        messages: [{ role: 'user', content: 'Think briefly, then get the weather in Paris with the get_weather tool. [[emulate tool=get_weather]]' }],
      };
      const got = acceptance(answered(await send(ctx, 'thinking-order', post(body))), 'a request with thinking {type:"adaptive"} and a tool', 'Accept thinking (see R6).');
      if (!got.ok) return got.outcome;
      const blocks = blocksOf(got.message);
      const types = blocks.map((b) => String(b['type']));
      const problem = blockOrderProblem(blocks);
      if (problem) return outcome('fail', `${problem}; got [${types.join(', ')}]`, got.obs.body ?? '');
      if (!types.some((t) => t === 'thinking' || t === 'redacted_thinking')) {
        return outcome('skip', `no thinking block came back ([${types.join(', ')}]): the model or gateway does not return reasoning, so the order cannot be judged`);
      }
      return outcome('pass', `blocks in order: [${types.join(', ')}]`);
    },
  },
  N6: {
    title: 'Tool-call answers carry no empty text blocks',
    area: 'response',
    severity: 'degraded',
    refs: ['BerriAI/litellm#22930'],
    async run(ctx) {
      const found: { where: string; evidence: string }[] = [];
      let seen = 0;
      const plainObs = await exchange(ctx, 'tool-plain');
      const plain = readMessage(plainObs, EXCHANGE_LABELS['tool-plain']);
      if (plain.ok) {
        seen += 1;
        if (emptyTextBlocks(blocksOf(plain.value)) > 0) found.push({ where: EXCHANGE_LABELS['tool-plain'], evidence: plainObs.body ?? '' });
      }
      const streamObs = await exchange(ctx, 'tool-stream');
      ensureAnswered(streamObs);
      const stream = readStream(streamObs, EXCHANGE_LABELS['tool-stream']);
      if (stream.ok) {
        const message = accumulateStream(stream.value).message;
        if (message) {
          seen += 1;
          if (emptyTextBlocks(message.content) > 0) {
            const frame = stream.value.find((e) => e.type === 'content_block_start' && e.data.includes('"text"'));
            found.push({ where: EXCHANGE_LABELS['tool-stream'], evidence: frame?.raw ?? '' });
          }
        }
      }
      if (found.length > 0) {
        return outcome(
          'fail',
          `${listSome(found.map((f) => f.where))} carr${found.length > 1 ? 'y' : 'ies'} an empty text block next to the tool_use; Claude Code sends it back in history, where strict backends answer 400 "text content blocks must be non-empty". Drop empty text blocks`,
          found[0]?.evidence,
        );
      }
      if (seen === 0) return outcome('skip', 'neither forced tool call came back (see N5 and U1)');
      return outcome('pass', `no empty text block in ${seen} tool-call answer(s)`);
    },
  },
  N7: {
    title: 'No foreign top-level keys (choices, object, timings…) in a Message',
    area: 'response',
    severity: 'cosmetic',
    refs: [],
    async run(ctx) {
      const obs = await exchange(ctx, 'plain');
      const read = readMessage(obs, EXCHANGE_LABELS.plain);
      if (!read.ok) return read.outcome;
      const keys = Object.keys(read.value);
      const foreign = keys.filter((k) => FOREIGN_KEYS.includes(k));
      const unknown = keys.filter((k) => !(MESSAGE_KEYS as readonly string[]).includes(k) && !FOREIGN_KEYS.includes(k));
      if (foreign.length > 0) {
        return outcome('fail', `the Message carries ${foreign.map((k) => quote(k)).join(', ')}, keys of other APIs' responses; an Anthropic Message has only ${MESSAGE_KEYS.slice(0, 10).join(', ')}`, obs.body ?? '');
      }
      if (unknown.length > 0) return outcome('warn', `the Message carries keys the API does not define: ${unknown.map((k) => quote(k)).join(', ')}`, obs.body ?? '');
      return outcome('pass', `top-level keys: ${keys.join(', ')}`);
    },
  },
});

