/**
 * Thinking (catalogue K1–K6). The checks are structural: block order,
 * delta types, signatures, reasoning kept out of the text, histories with
 * thinking accepted. A scripted upstream (the emulator's `think=`) reasons
 * on request, so a missing thinking block there is a gateway that drops
 * reasoning; a real model may simply not reason, which is not judged.
 */
import type { RequestSpec, Target } from '../../types.ts';
import { defineChecks, outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { parseObject } from '../json.ts';
import { WEATHER_TOOL } from '../exchanges.ts';
import { messageShapeProblems } from './response.ts';
import {
  attemptKey,
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
import { isObject, listSome, readMessage, type Json } from './support.ts';

/** What the scripted upstream reasons; a marker no gateway should show as text. */
export const REASONING_TEXT = 'The user asks for 17 times 23. 17 times 20 is 340, plus 17 times 3 is 51, so 391. cb-reasoning-7Q';
export const REASONED_ANSWER = '391';

const THINKING_ON = { type: 'enabled', budget_tokens: 1024 } as const;

function thinkSpec(target: Target, options: { stream: boolean; thinking: boolean }): RequestSpec {
  return messages(target, {
    max_tokens: 2048,
    ...(options.stream ? { stream: true } : {}),
    ...(options.thinking ? { thinking: THINKING_ON } : {}),
    messages: userTurn(`What is 17 times 23? Think it through, then answer with the number only. ${emulate({ think: REASONING_TEXT, say: REASONED_ANSWER })}`),
  });
}

function thinkToolSpec(target: Target): RequestSpec {
  return messages(target, {
    max_tokens: 2048,
    stream: true,
    thinking: THINKING_ON,
    tools: [WEATHER_TOOL],
    messages: userTurn(
      `Think about which tool fits, say one sentence, then call get_weather for Paris. ${emulate({
        think: 'The weather tool answers this. cb-reasoning-7Q',
        say: 'Let me look that up.',
        tool: WEATHER_TOOL.name,
        args: '{"city":"Paris"}',
      })}`,
    ),
  });
}

const thinkingBlocks = (answer: Answer): Json[] => answer.blocks.filter((b) => b['type'] === 'thinking' || b['type'] === 'redacted_thinking');

/** Tags reasoning leaks as when a gateway pastes it into the text. */
const REASONING_TAGS = /<\/?(think|thinking|reasoning|reasoning_content)>/i;

/** What K1 requires of an answer that has thinking blocks (pure). Empty when fine. */
export function thinkingShapeProblems(answer: Answer): string[] {
  const problems: string[] = [];
  const types = answer.blocks.map((b) => String(b['type']));
  const lastThinking = Math.max(types.lastIndexOf('thinking'), types.lastIndexOf('redacted_thinking'));
  const firstOther = types.findIndex((t) => t !== 'thinking' && t !== 'redacted_thinking');
  if (firstOther >= 0 && lastThinking > firstOther) problems.push(`blocks come as [${types.join(', ')}]; thinking must come first`);
  for (const block of answer.blocks) {
    if (block['type'] !== 'thinking') continue;
    if (typeof block['thinking'] !== 'string' || block['thinking'] === '') problems.push('a thinking block has no thinking text');
    if (typeof block['signature'] !== 'string') problems.push(`a thinking block has signature ${quote(block['signature'])}; it must be a string (Claude Code sends it back with the next turn)`);
  }
  if (answer.streamed) {
    // Each thinking block: thinking_delta(s), then a signature_delta before its content_block_stop.
    const open = new Map<number, { thinking: boolean; signature: boolean }>();
    for (const e of answer.events) {
      const data = parseObject(e.data);
      if (!data || typeof data['index'] !== 'number') continue;
      const index = data['index'];
      if (data['type'] === 'content_block_start' && isObject(data['content_block']) && data['content_block']['type'] === 'thinking') {
        open.set(index, { thinking: false, signature: false });
      } else if (data['type'] === 'content_block_delta' && open.has(index) && isObject(data['delta'])) {
        const state = open.get(index);
        if (state && data['delta']['type'] === 'thinking_delta') state.thinking = true;
        if (state && data['delta']['type'] === 'signature_delta') state.signature = true;
      } else if (data['type'] === 'content_block_stop' && open.has(index)) {
        const state = open.get(index);
        if (state && !state.thinking) problems.push(`thinking block ${index} had no thinking_delta`);
        if (state && !state.signature) problems.push(`thinking block ${index} closed without a signature_delta (the SDK leaves signature empty)`);
        open.delete(index);
      }
    }
  }
  return problems;
}

/** What K3 forbids: reasoning inside text (pure). Null when clean. */
export function reasoningLeak(answer: Answer, scripted: boolean): string | null {
  const tag = REASONING_TAGS.exec(answer.text);
  if (tag) return `the text carries a ${quote(tag[0])} tag: reasoning pasted into the answer`;
  if (scripted && answer.text.includes('cb-reasoning-7Q')) return `the upstream's reasoning appears inside the text: ${quote(answer.text, 100)}`;
  const intoText = answer.violations.find((v) => v.code === 'delta-type-mismatch' && v.message.startsWith('thinking_delta'));
  if (intoText) return intoText.message;
  return null;
}

async function judgeK1(ctx: CheckContext, attempt: number, scripted: boolean): Promise<Trial> {
  const found: string[] = [];
  for (const stream of [true, false]) {
    const what = stream ? 'the streamed answer with thinking enabled' : 'the non-streamed answer with thinking enabled';
    const read = readAnswer(await send(ctx, attemptKey(stream ? 'think-stream' : 'think-plain', attempt), thinkSpec(ctx.target, { stream, thinking: true })), what);
    if (!read.ok) return counted(read.outcome);
    const thinking = thinkingBlocks(read.value);
    if (thinking.length === 0) {
      if (!scripted) return uncounted(`${what} has no thinking block (the model may not reason)`);
      return counted(
        outcome(
          'fail',
          `${what} has no thinking block although the upstream reasoned first (vLLM reasoning_content): the gateway drops reasoning, so Claude Code shows none and cannot send it back`,
          read.value.evidence,
        ),
      );
    }
    const problems = thinkingShapeProblems(read.value);
    if (problems.length > 0) return counted(outcome('fail', `${what}: ${listSome(problems)}`, read.value.evidence));
    found.push(`${stream ? 'streamed' : 'not streamed'}: ${thinking.length} thinking block(s) first, signed`);
  }
  return counted(outcome('pass', found.join('; ')));
}

/** The history of K4: an assistant turn with thinking and a tool call, then its result. */
export function thinkingHistory(thinking: Json): Json[] {
  const id = 'toolu_01CbBenchThinkingHist9';
  return [
    { role: 'user', content: 'What is the weather in Paris right now? Use the get_weather tool.' },
    { role: 'assistant', content: [thinking, { type: 'tool_use', id, name: WEATHER_TOOL.name, input: { city: 'Paris' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: '18 °C, clear sky' }] },
  ];
}

/** The gateway's own thinking block (from K1's answer), or a stand-in when it issued none. */
async function gatewayThinking(ctx: CheckContext): Promise<{ block: Json; own: boolean }> {
  const read = readAnswer(await send(ctx, 'think-stream', thinkSpec(ctx.target, { stream: true, thinking: true })), 'the streamed answer with thinking enabled');
  const block = read.ok ? thinkingBlocks(read.value).find((b) => b['type'] === 'thinking') : undefined;
  if (block) return { block: { type: 'thinking', thinking: block['thinking'], signature: block['signature'] }, own: true };
  return { block: { type: 'thinking', thinking: 'The weather tool answers this.', signature: 'claude-bench-stand-in-signature' }, own: false };
}

async function acceptedWith(ctx: CheckContext, key: string, spec: RequestSpec, what: string): Promise<CheckOutcome> {
  const obs = await send(ctx, key, spec);
  const read = readMessage(obs, what);
  if (!read.ok) return { ...read.outcome, detail: `${what} was rejected or failed: ${read.outcome.detail}` };
  const problems = messageShapeProblems(read.value);
  if (problems.length > 0) return outcome('fail', `${what} was accepted, but the answer is not a Message: ${listSome(problems)}`, obs.body ?? '');
  return outcome('pass', `${what}: HTTP 200 with a Message`);
}

export const THINKING_CHECKS = defineChecks({
  K1: {
    title: 'Thinking enabled: thinking blocks first, streamed with thinking/signature deltas',
    area: 'thinking',
    severity: 'degraded',
    refs: ['BerriAI/litellm#33224'],
    run: (ctx) => judgeRepeatedly(ctx, (attempt, scripted) => judgeK1(ctx, attempt, scripted)),
  },
  K2: {
    title: 'Thinking not requested: no thinking blocks forced on the client',
    area: 'thinking',
    severity: 'cosmetic',
    refs: ['ollama/ollama#15287'],
    run: (ctx) =>
      judgeRepeatedly(ctx, async (attempt) => {
        const read = readAnswer(await send(ctx, attemptKey('think-off-stream', attempt), thinkSpec(ctx.target, { stream: true, thinking: false })), 'the streamed answer without a thinking field');
        if (!read.ok) return counted(read.outcome);
        const thinking = thinkingBlocks(read.value);
        if (thinking.length > 0) {
          return counted(
            outcome('warn', `${thinking.length} thinking block(s) came back although the request did not enable thinking; the API sends none then (it costs time and tokens)`, read.value.evidence),
          );
        }
        if (read.value.text.trim() === '') return counted(outcome('fail', 'the answer without thinking is empty', read.value.evidence));
        return counted(outcome('pass', 'no thinking blocks when thinking was not requested, and a text answer'));
      }),
  },
  K3: {
    title: 'Reasoning never leaks into text (<think> tags, thinking deltas in a text block)',
    area: 'thinking',
    severity: 'degraded',
    refs: ['BerriAI/litellm#32357', 'unslothai/unsloth#8663'],
    run: (ctx) =>
      judgeRepeatedly(ctx, async (attempt, scripted) => {
        for (const stream of [true, false]) {
          const what = stream ? 'the streamed answer with thinking enabled' : 'the non-streamed answer with thinking enabled';
          const read = readAnswer(await send(ctx, attemptKey(stream ? 'think-stream' : 'think-plain', attempt), thinkSpec(ctx.target, { stream, thinking: true })), what);
          if (!read.ok) return counted(read.outcome);
          const leak = reasoningLeak(read.value, scripted);
          if (leak) return counted(outcome('fail', `${what}: ${leak}; Claude Code shows it as the answer`, read.value.evidence));
        }
        return counted(outcome('pass', 'no reasoning in the text of the streamed or plain answer'));
      }),
  },
  K4: {
    title: 'History with thinking blocks (gateway-issued signatures) and a tool call is accepted',
    area: 'thinking',
    severity: 'blocker',
    refs: ['anthropics/claude-code#37757', 'BerriAI/litellm#22997'],
    async run(ctx) {
      const { block, own } = await gatewayThinking(ctx);
      const spec = messages(ctx.target, { max_tokens: 1024, thinking: THINKING_ON, tools: [WEATHER_TOOL], messages: thinkingHistory(block) });
      const result = await acceptedWith(ctx, 'think-history', spec, 'the next turn after a thinking + tool_use turn');
      const source = own ? 'with the signature the gateway issued' : 'with a stand-in signature (the gateway issued no thinking block)';
      return { ...result, detail: `${result.detail} (${source}; Claude Code sends this history on every later turn)` };
    },
  },
  K5: {
    title: 'History with a redacted_thinking block is accepted',
    area: 'thinking',
    severity: 'degraded',
    refs: [],
    run: (ctx) =>
      acceptedWith(
        ctx,
        'redacted-history',
        messages(ctx.target, {
          max_tokens: 256,
          thinking: THINKING_ON,
          messages: [
            { role: 'user', content: 'What is the capital of France?' },
            {
              role: 'assistant',
              content: [
                { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj2pLmN1cB8' },
                { type: 'text', text: 'The capital of France is Paris.' },
              ],
            },
            { role: 'user', content: `And of Italy? ${emulate({ say: 'Rome.' })}` },
          ],
        }),
        'a history with a redacted_thinking block',
      ),
  },
  K6: {
    title: 'Thinking, text and a tool call in one stream: each block closed before the next',
    area: 'thinking',
    severity: 'blocker',
    refs: ['ollama/ollama#17101', 'BerriAI/litellm#33224'],
    run: (ctx) =>
      judgeRepeatedly(ctx, async (attempt, scripted) => {
        const read = readAnswer(await send(ctx, attemptKey('think-tool-stream', attempt), thinkToolSpec(ctx.target)), 'the stream with thinking, text and a tool call');
        if (!read.ok) return counted(read.outcome);
        const broken = read.value.violations.find((v) => v.rule === 'S3' || v.rule === 'S4');
        if (broken) return counted(outcome('fail', `${broken.message}`, broken.evidence));
        const types = read.value.blocks.map((b) => String(b['type']));
        if (toolUses(read.value).length === 0) {
          if (!scripted) return uncounted('the model did not call the tool');
          return counted(outcome('fail', `no tool_use reached the client after thinking and text (blocks [${types.join(', ')}])`, read.value.evidence));
        }
        const problems = thinkingBlocks(read.value).length > 0 ? thinkingShapeProblems(read.value) : [];
        if (problems.length > 0) return counted(outcome('fail', listSome(problems), read.value.evidence));
        return counted(outcome('pass', `blocks [${types.join(', ')}], each stopped before the next started`));
      }),
  },
});
