import { describe, expect, it } from 'vitest';
import { outcome } from '../../../../src/conform/check.ts';
import {
  acceptableTypes,
  judgeExceedsContext,
  judgeForwarded,
  judgePromptTooLong,
  leakProblems,
  statedContextWindow,
  worst,
} from '../../../../src/conform/checks/errors-catalogue.ts';
import { errorObs, jsonObs, obs } from './fixtures.ts';

describe('the two overflow wordings Claude Code parses', () => {
  it('passes "prompt is too long" for an oversized prompt, warns on the other wording, fails anything else', () => {
    expect(judgePromptTooLong(errorObs(400, 'invalid_request_error', 'prompt is too long: 208310 tokens > 200000 maximum')).status).toBe('pass');
    expect(judgePromptTooLong(errorObs(400, 'invalid_request_error', 'input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000, decrease input length or `max_tokens` and try again')).status).toBe('warn');
    const vllm = errorObs(400, 'BadRequestError', "This model's maximum context length is 32768 tokens. However, you requested 16 output tokens and your prompt contains at least 32753 input tokens");
    expect(judgePromptTooLong(vllm)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/never auto-compacts/) });
    expect(judgePromptTooLong(jsonObs(200, {})).status).toBe('skip');
  });

  it('passes the max_tokens wording or a clamp for input + max_tokens over the window', () => {
    expect(judgeExceedsContext(errorObs(400, 'invalid_request_error', 'input length and `max_tokens` exceed context limit: 12 + 32768 > 32768, decrease input length or `max_tokens` and try again'), 32768).status).toBe('pass');
    expect(judgeExceedsContext(jsonObs(200, {}), 32768).status).toBe('pass');
    expect(judgeExceedsContext(errorObs(400, 'invalid_request_error', 'input length and max_tokens exceed context limit: 1 + 2 > 3'), 3).status).toBe('fail');
    expect(judgeExceedsContext(errorObs(500, 'api_error', 'All target providers failed.'), 3).status).toBe('fail');
  });

  it('reads the context window a message states', () => {
    expect(statedContextWindow('prompt is too long: 9000 tokens > 8192 maximum')).toBe(8192);
    expect(statedContextWindow("This model's maximum context length is 32768 tokens.")).toBe(32768);
    expect(statedContextWindow('max_tokens=1000000 cannot be greater than max_model_len=max_total_tokens=131072.')).toBe(131072);
    expect(statedContextWindow('something else')).toBeNull();
  });
});

describe('judgeForwarded', () => {
  const f = { status: 429, message: 'rate limit reached, retry later' };
  it('passes the status and the words verbatim, warns when wrapped, fails when changed or lost', () => {
    expect(judgeForwarded(errorObs(429, 'rate_limit_error', f.message), f).status).toBe('pass');
    expect(judgeForwarded(errorObs(429, 'api_error', `Error from provider: {"error":{"message":"${f.message}"}}`), f).status).toBe('warn');
    expect(judgeForwarded(errorObs(500, 'api_error', f.message), f).status).toBe('fail');
    expect(judgeForwarded(errorObs(429, 'rate_limit_error', 'All target providers failed.'), f).status).toBe('fail');
    expect(judgeForwarded(jsonObs(200, {}), f).status).toBe('skip');
  });
  it('takes 503 for an upstream 529 with a warning', () => {
    expect(judgeForwarded(errorObs(503, 'overloaded_error', 'busy'), { status: 529, message: 'busy' }).status).toBe('warn');
  });
});

describe('status and type pairing, leaks, worst', () => {
  it('knows the table and its allowances', () => {
    expect(acceptableTypes(404)).toEqual(['not_found_error']);
    expect(acceptableTypes(503)).toEqual(['overloaded_error', 'api_error']);
    expect(acceptableTypes(422)).toEqual(['invalid_request_error']);
    expect(acceptableTypes(502)).toEqual(['api_error']);
  });

  it('finds stack traces (also JSON-escaped) and HTML pages', () => {
    expect(leakProblems(errorObs(500, 'api_error', 'boom\n    at f (/srv/x.js:1:2)'))).toEqual(['a stack trace is in the body']);
    expect(leakProblems(obs({ status: 413, body: '<html><body>413</body></html>' }))).toEqual(['the body is an HTML page']);
    expect(leakProblems(errorObs(400, 'invalid_request_error', 'max_tokens: at least 1'))).toEqual([]);
  });

  it('worst keeps the worst verdict and the details of all that judged', () => {
    const r = worst([outcome('pass', 'a'), outcome('warn', 'b'), outcome('skip', 'c')]);
    expect(r).toMatchObject({ status: 'warn', detail: 'a; b' });
    expect(worst([outcome('skip', 'x'), outcome('skip', 'y')])).toMatchObject({ status: 'skip', detail: 'x; y' });
  });
});
