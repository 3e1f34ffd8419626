import { describe, expect, it } from 'vitest';
import { contextFacts, mentionsContext, rate, roundUpK } from '../../../../src/conform/checks/catalogue-support.ts';
import { diagnoseFirstRequest, readProbe } from '../../../../src/conform/checks/context-window.ts';
import { readCount } from '../../../../src/conform/checks/count-tokens.ts';
import { isRetryableSystemRoleRejection, judgeStopTrial, STOP_SEQUENCE } from '../../../../src/conform/checks/request-tolerance.ts';
import { blockOrderProblem } from '../../../../src/conform/checks/response-catalogue.ts';
import type { Observation } from '../../../../src/types.ts';

function obs(status: number, body: unknown): Observation {
  return {
    request_id: 'r',
    label: 'l',
    method: 'POST',
    path: '/v1/messages',
    t0_epoch_ms: 0,
    t_hdr_ms: 1,
    t_end_ms: 2,
    status,
    headers: { 'content-type': 'application/json' },
    events: [],
    body: typeof body === 'string' ? body : JSON.stringify(body),
    bytes: 0,
    truncated: false,
    error: null,
  };
}

const message = (text: string, stop_reason: string, stop_sequence: string | null = null): Observation =>
  obs(200, { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text }], stop_reason, stop_sequence, usage: { input_tokens: 3, output_tokens: 2 } });

describe('context-window wording', () => {
  it("reads vLLM's error, ignoring its 'at least' lower bound", () => {
    const exact = contextFacts("This model's maximum context length is 32768 tokens. However, you requested 32000 output tokens and your prompt contains 12152 input tokens, for a total of 44152 tokens.");
    expect(exact).toMatchObject({ window: 32768, prompt: 12152, maxTokens: 32000, anthropicRetryable: false });
    const bound = contextFacts("This model's maximum context length is 32768 tokens. However, you requested 32000 output tokens and your prompt contains at least 769 input tokens");
    expect(bound.window).toBe(32768);
    expect(bound.prompt).toBeUndefined();
    expect(contextFacts('max_tokens=128000 cannot be greater than max_model_len=max_total_tokens=32768.')).toMatchObject({ window: 32768, maxTokens: 128000 });
  });

  it("reads Anthropic's two forms, which Claude Code acts on", () => {
    expect(contextFacts('input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000, decrease input length or `max_tokens` and try again')).toEqual({
      prompt: 188240,
      maxTokens: 21333,
      window: 200000,
      anthropicRetryable: true,
      anthropicPromptTooLong: false,
    });
    expect(contextFacts('prompt is too long: 208310 tokens > 200000 maximum')).toMatchObject({ prompt: 208310, window: 200000, anthropicPromptTooLong: true });
  });

  it('tells context errors from others', () => {
    expect(mentionsContext("This model's maximum context length is 8192 tokens")).toBe(true);
    expect(mentionsContext('the request exceeds the available context size (8192 tokens)')).toBe(true);
    expect(mentionsContext('messages: Input should be a valid list')).toBe(false);
    expect(roundUpK(44152)).toBe(45056);
    expect(rate(2, 3)).toBe('2/3 (67 %)');
  });
});

describe('diagnoseFirstRequest', () => {
  const vllm = "This model's maximum context length is 32768 tokens. However, you requested 32000 output tokens and your prompt contains at least 769 input tokens";

  it('blames max_tokens when the prompt alone fits, and sizes both fixes from the probe', () => {
    const d = diagnoseFirstRequest(vllm, contextFacts(vllm), { fits: true, tokens: 12152 }, 32000);
    expect(d.status).toBe('fail');
    expect(d.detail).toContain('not max_tokens 32000 on top');
    expect(d.detail).toContain('CLAUDE_CODE_MAX_OUTPUT_TOKENS=19616');
    expect(d.detail).toContain('--max-model-len to at least 45056');
  });

  it('blames the prompt when even max_tokens 1 does not fit', () => {
    const msg = "This model's maximum context length is 8192 tokens. However, you requested 32000 output tokens and your prompt contains 12152 input tokens";
    const d = diagnoseFirstRequest(msg, contextFacts(msg), { fits: false }, 32000);
    expect(d.status).toBe('fail');
    expect(d.detail).toContain('cannot hold even');
    expect(d.detail).toContain('--max-model-len to at least 45056');
  });

  it('says when the window leaves too little room to be useful', () => {
    const msg = "This model's maximum context length is 16384 tokens.";
    const d = diagnoseFirstRequest(msg, contextFacts(msg), { fits: true, tokens: 12152 }, 32000);
    expect(d.detail).toContain('too little for Claude Code');
  });

  it("warns only when Anthropic's wording lets Claude Code retry with a useful max_tokens", () => {
    const msg = 'input length and `max_tokens` exceed context limit: 12152 + 32000 > 32768';
    expect(diagnoseFirstRequest(msg, contextFacts(msg), { fits: true, tokens: 12152 }, 32000).status).toBe('warn');
  });

  it('names a rejection that has nothing to do with the window', () => {
    const d = diagnoseFirstRequest("messages.1.role: Input should be 'user' or 'assistant'", contextFacts(''), { fits: false }, 32000);
    expect(d.detail).toContain('reason other than the context window');
  });

  it('reads the probe usage, counting cached tokens too', () => {
    expect(readProbe(obs(200, { usage: { input_tokens: 100, cache_read_input_tokens: 50, output_tokens: 1 } }))).toEqual({ fits: true, tokens: 150 });
    expect(readProbe(obs(400, { type: 'error' }))).toEqual({ fits: false });
  });
});

describe('R5: the wording Claude Code retries on', () => {
  it('needs a 400 saying "not supported" near "role … system"', () => {
    expect(isRetryableSystemRoleRejection(400, "role 'system' is not supported in messages")).toBe(true);
    expect(isRetryableSystemRoleRejection(400, 'System role messages are not supported')).toBe(true);
    expect(isRetryableSystemRoleRejection(422, "role 'system' is not supported")).toBe(false);
    expect(isRetryableSystemRoleRejection(400, "Input should be 'user' or 'assistant'")).toBe(false);
  });
});

describe('R11: judging one stop-sequence answer', () => {
  it('tells a correct stop from a leak, a misreport, a wrong field and a model that never said it', () => {
    expect(judgeStopTrial(message('one two', 'stop_sequence', STOP_SEQUENCE)).trial).toBe('ok');
    expect(judgeStopTrial(message(`one two ${STOP_SEQUENCE} three four`, 'end_turn')).trial).toBe('leaked');
    expect(judgeStopTrial(message('one two', 'end_turn')).trial).toBe('misreported');
    expect(judgeStopTrial(message('one two', 'stop_sequence', null)).trial).toBe('bad-field');
    expect(judgeStopTrial(message('Sure!', 'end_turn')).trial).toBe('inconclusive');
    expect(judgeStopTrial(obs(400, { type: 'error', error: { type: 'invalid_request_error', message: 'x' } })).trial).toBe('rejected');
  });
});

describe('N4: block order', () => {
  it('accepts thinking first and flags thinking after text or tool_use', () => {
    expect(blockOrderProblem([{ type: 'thinking' }, { type: 'text' }, { type: 'tool_use' }])).toBeNull();
    expect(blockOrderProblem([{ type: 'redacted_thinking' }, { type: 'thinking' }, { type: 'text' }])).toBeNull();
    expect(blockOrderProblem([{ type: 'text' }, { type: 'tool_use' }, { type: 'thinking' }])).toContain('index 2');
  });
});

describe('count_tokens answers', () => {
  it('reads a count, an absent endpoint and a broken one', () => {
    expect(readCount(obs(200, { input_tokens: 42 }))).toEqual({ kind: 'count', tokens: 42, extra: [] });
    expect(readCount(obs(200, { input_tokens: 42, context_management: {} }))).toMatchObject({ kind: 'count', extra: ['context_management'] });
    expect(readCount(obs(404, { type: 'error' }))).toEqual({ kind: 'absent' });
    expect(readCount(obs(501, 'not implemented')).kind).toBe('absent');
    expect(readCount(obs(500, { type: 'error' })).kind).toBe('bad');
    expect(readCount(obs(200, { tokens: 3 })).kind).toBe('bad');
  });
});
