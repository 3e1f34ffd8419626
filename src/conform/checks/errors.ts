/** Error responses (catalogue E, and T5 for authentication). */
import { defineChecks, outcome } from '../check.ts';
import { EXCHANGE_LABELS, exchange } from '../exchanges.ts';
import { bodyText, describeAnswer, ensureAnswered, errorEnvelopeProblems, listSome } from './support.ts';

export const ERROR_CHECKS = defineChecks({
  E4: {
    title: 'Invalid request → 400 invalid_request_error in the Anthropic envelope',
    area: 'errors',
    severity: 'degraded',
    refs: ['vllm-project/vllm#57997', 'vllm-project/vllm#43380', 'BerriAI/litellm#39037'],
    async run(ctx) {
      const obs = await exchange(ctx, 'bad-request');
      ensureAnswered(obs);
      const what = 'a request without max_tokens and with messages as a string';
      if (obs.error) return outcome('fail', `${what} got ${describeAnswer(obs)}`, bodyText(obs));
      const status = obs.status ?? 0;
      if (status >= 200 && status < 300) {
        return outcome('fail', `${what} was accepted with HTTP ${status}; it must be rejected with 400 invalid_request_error`, bodyText(obs));
      }
      if (status !== 400) {
        return outcome(
          'fail',
          `${what} got HTTP ${status}; a malformed request is a 400 (the SDK and Claude Code ${status >= 500 ? 'retry 5xx as if the server were down' : 'classify errors by status'})`,
          bodyText(obs),
        );
      }
      const problems = errorEnvelopeProblems(obs);
      if (problems.length > 0) return outcome('fail', `HTTP 400, but ${listSome(problems)}`, bodyText(obs));
      return outcome('pass', `HTTP 400 with {"type":"error","error":{"type":"invalid_request_error",…}}`);
    },
  },
  T5: {
    title: 'Wrong API key → 401 authentication_error',
    area: 'auth',
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      const obs = await exchange(ctx, 'wrong-key');
      ensureAnswered(obs);
      if (obs.error) return outcome('fail', `${EXCHANGE_LABELS['wrong-key']} got ${describeAnswer(obs)}`, bodyText(obs));
      const status = obs.status ?? 0;
      if (status >= 200 && status < 300) {
        return outcome('warn', 'the gateway accepted a wrong key: authentication is off, so anyone who can reach it can use the model');
      }
      if (status !== 401 && status !== 403) {
        return outcome('fail', `a wrong key got HTTP ${status}; expected 401 authentication_error (Claude Code then asks for a valid key instead of retrying)`, bodyText(obs));
      }
      const problems = errorEnvelopeProblems(obs);
      if (problems.length > 0) return outcome('fail', `HTTP ${status}, but ${listSome(problems)}`, bodyText(obs));
      if (status === 403) return outcome('warn', 'a wrong key got 403 permission_error; the API answers 401 authentication_error for an invalid key');
      return outcome('pass', 'HTTP 401 with {"type":"error","error":{"type":"authentication_error",…}}');
    },
  },
});
