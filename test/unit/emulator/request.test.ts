import { describe, expect, it } from 'vitest';
import { jsonDecodeError, pyRepr, pythonJson } from '../../../src/emulator/protocol.ts';
import { checkChatRequest, type CheckResult, type ServerLimits } from '../../../src/emulator/request.ts';
import { countPromptTokens } from '../../../src/emulator/tokens.ts';

const LIMITS: ServerLimits = { servedModelNames: ['served/model'], maxModelLen: 1000, autoToolChoice: true };
const NO_AUTO: ServerLimits = { ...LIMITS, autoToolChoice: false };
const TOOLS = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
const MESSAGES = [{ role: 'user', content: 'hi' }];

function errorOf(result: CheckResult): { status: number; error: { message: string; type: string; param: string | null; code: number } } {
  if (result.ok) throw new Error('expected an error');
  return { status: result.error.status, ...(result.error.body as { error: { message: string; type: string; param: string | null; code: number } }) };
}

describe('checkChatRequest: schema validation (400 "Bad Request")', () => {
  it('rejects a missing messages field like FastAPI/pydantic via vLLM', () => {
    const e = errorOf(checkChatRequest({ model: 'served/model' }, LIMITS));
    expect(e.status).toBe(400);
    expect(e.error).toEqual({
      message: "1 validation error:\n  {'type': 'missing', 'loc': 'body.messages', 'msg': 'Field required', 'input': '<dict of 1 items>'}",
      type: 'Bad Request',
      param: 'body.messages',
      code: 400,
    });
  });

  it('rejects non-object bodies, bad roles and wrong field types, counting every error', () => {
    expect(errorOf(checkChatRequest([1], LIMITS)).error.param).toBe('body');
    const e = errorOf(checkChatRequest({ messages: [{ content: 'x' }, 'y'], max_tokens: 'ten', stream: 'yes' }, LIMITS));
    expect(e.error.message.startsWith('4 validation errors:\n')).toBe(true);
    expect(e.error.message).toContain("'loc': 'body.messages.0.role'");
    expect(e.error.message).toContain("'loc': 'body.max_tokens', 'msg': 'Input should be a valid integer', 'input': 'ten'");
  });

  it('reports model-validator failures with their text', () => {
    const opts = errorOf(checkChatRequest({ messages: MESSAGES, stream_options: { include_usage: true } }, LIMITS));
    expect(opts.error.param).toBe('stream_options');
    expect(opts.error.message).toContain('Stream options can only be defined when `stream=True`.');
    expect(errorOf(checkChatRequest({ messages: MESSAGES, tool_choice: 'auto' }, LIMITS)).error.message).toContain(
      'When using `tool_choice`, `tools` must be set.',
    );
    expect(
      errorOf(checkChatRequest({ messages: MESSAGES, tools: TOOLS, tool_choice: { type: 'function', function: { name: 'g' } } }, LIMITS)).error
        .message,
    ).toContain('The tool specified in `tool_choice` does not match any of the specified `tools`');
    expect(errorOf(checkChatRequest({ messages: MESSAGES, tools: TOOLS, tool_choice: 'sometimes' }, LIMITS)).error.message).toContain(
      'Invalid value for `tool_choice`: sometimes!',
    );
  });

  it('maps malformed JSON to a json_invalid error at the offset', () => {
    const raw = '{"messages": [}';
    let message = '';
    try {
      JSON.parse(raw);
    } catch (err) {
      message = (err as Error).message;
    }
    const body = jsonDecodeError(raw, message).body as { error: { message: string; type: string; param: string } };
    expect(body.error.type).toBe('Bad Request');
    expect(body.error.message).toMatch(/^1 validation error:\n {2}\{'type': 'json_invalid', 'loc': 'body\.\d+', 'msg': 'JSON decode error'/);
  });
});

describe('checkChatRequest: model, tool choice, context', () => {
  it('404s an unknown model with vLLM\'s text; accepts the served name or none', () => {
    const e = errorOf(checkChatRequest({ model: 'gpt-4', messages: MESSAGES }, LIMITS));
    expect(e.status).toBe(404);
    expect(e.error).toEqual({ message: 'The model `gpt-4` does not exist.', type: 'NotFoundError', param: 'model', code: 404 });
    expect(checkChatRequest({ model: 'served/model', messages: MESSAGES }, LIMITS).ok).toBe(true);
    expect(checkChatRequest({ messages: MESSAGES }, LIMITS).ok).toBe(true);
  });

  it('without --enable-auto-tool-choice, tools with tool_choice auto or absent are a 400', () => {
    const expected = {
      message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
      type: 'BadRequestError',
      param: null,
      code: 400,
    };
    expect(errorOf(checkChatRequest({ messages: MESSAGES, tools: TOOLS, tool_choice: 'auto' }, NO_AUTO)).error).toEqual(expected);
    expect(errorOf(checkChatRequest({ messages: MESSAGES, tools: TOOLS }, NO_AUTO)).error).toEqual(expected);
    // Named, required and none still work without the flag; so do empty tools.
    for (const tool_choice of [{ type: 'function', function: { name: 'f' } }, 'required', 'none']) {
      expect(checkChatRequest({ messages: MESSAGES, tools: TOOLS, tool_choice }, NO_AUTO).ok).toBe(true);
    }
    expect(checkChatRequest({ messages: MESSAGES, tools: [] }, NO_AUTO).ok).toBe(true);
    // With the flag, absent tool_choice means auto.
    const ok = checkChatRequest({ messages: MESSAGES, tools: TOOLS }, LIMITS);
    expect(ok.ok && ok.request.toolChoice).toBe('auto');
  });

  it('rejects max_tokens over max_model_len with vLLM\'s text', () => {
    const e = errorOf(checkChatRequest({ messages: MESSAGES, max_tokens: 32000 }, LIMITS));
    expect(e.error).toEqual({
      message:
        'max_tokens=32000 cannot be greater than max_model_len=max_total_tokens=1000. Please request fewer output tokens. (parameter=max_tokens, value=32000)',
      type: 'BadRequestError',
      param: 'max_tokens',
      code: 400,
    });
    expect(errorOf(checkChatRequest({ messages: MESSAGES, max_completion_tokens: 1001, max_tokens: 5 }, LIMITS)).error.param).toBe(
      'max_completion_tokens',
    );
  });

  it('rejects prompt + max_tokens over the window with vLLM\'s "at least" text', () => {
    const body = { messages: [{ role: 'user', content: 'x'.repeat(2000) }], max_tokens: 600 };
    const prompt = countPromptTokens(body);
    expect(prompt).toBeGreaterThan(400);
    const e = errorOf(checkChatRequest(body, LIMITS));
    expect(e.error.message).toBe(
      "This model's maximum context length is 1000 tokens. However, you requested 600 output tokens and your prompt contains at least 401 input tokens, for a total of at least 1001 tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=401)",
    );
    expect(e.error.param).toBe('input_tokens');
    // Exactly at the window is fine.
    const fits = checkChatRequest({ ...body, max_tokens: 1000 - prompt }, LIMITS);
    expect(fits.ok && fits.request.budget).toBe(1000 - prompt);
  });

  it('without max_tokens the budget is the rest of the window; the prompt alone can still overflow', () => {
    const ok = checkChatRequest({ messages: MESSAGES }, LIMITS);
    expect(ok.ok && ok.request.budget).toBe(1000 - countPromptTokens({ messages: MESSAGES }));
    const e = errorOf(checkChatRequest({ messages: [{ role: 'user', content: 'x'.repeat(5000) }] }, LIMITS));
    expect(e.error.message).toContain('you requested 0 output tokens and your prompt contains at least 1001 input tokens');
  });

  it('rejects max_tokens below 1', () => {
    expect(errorOf(checkChatRequest({ messages: MESSAGES, max_tokens: 0 }, LIMITS)).error.message).toBe(
      'max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)',
    );
  });

  it('normalises stop, stream options and ignore_eos', () => {
    const r = checkChatRequest(
      { messages: MESSAGES, stop: 'END', stream: true, stream_options: { continuous_usage_stats: true }, ignore_eos: true },
      LIMITS,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.request.stop).toEqual(['END']);
    expect(r.request.includeUsage).toBe(true); // include_usage defaults to true inside stream_options
    expect(r.request.continuousUsage).toBe(true);
    expect(r.request.ignoreEos).toBe(true);
    const off = checkChatRequest({ messages: MESSAGES, stream: true, stream_options: { include_usage: false } }, LIMITS);
    expect(off.ok && off.request.includeUsage).toBe(false);
    const absent = checkChatRequest({ messages: MESSAGES, stream: true }, LIMITS);
    expect(absent.ok && absent.request.includeUsage).toBe(false);
  });

  it('--enable-force-include-usage turns the usage chunk on even without stream_options', () => {
    const forced = { ...LIMITS, forceIncludeUsage: true };
    const r = checkChatRequest({ messages: MESSAGES, stream: true }, forced);
    expect(r.ok && r.request.includeUsage).toBe(true);
    expect(r.ok && r.request.continuousUsage).toBe(false);
    const off = checkChatRequest({ messages: MESSAGES, stream: true, stream_options: { include_usage: false } }, forced);
    expect(off.ok && off.request.includeUsage).toBe(true);
  });
});

describe('python-flavoured text', () => {
  it('reprs strings as Python does', () => {
    expect(pyRepr('a')).toBe("'a'");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('a\nb\\')).toBe("'a\\nb\\\\'");
    expect(pyRepr(null)).toBe('None');
    expect(pyRepr(true)).toBe('True');
  });

  it('dumps JSON with Python separators and raw non-ASCII', () => {
    expect(pythonJson({ a: 1, b: [true, null, 'é'], c: { d: 'x' } })).toBe('{"a": 1, "b": [true, null, "é"], "c": {"d": "x"}}');
  });
});
