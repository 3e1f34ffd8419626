/** The official SDK as an oracle: what the library under Claude Code makes of the target's stream. */
import { VERSION as SDK_VERSION } from '@anthropic-ai/sdk/version';
import { defineChecks, outcome } from '../check.ts';
import { quote } from '../evidence.ts';
import type { Observation } from '../../types.ts';
import { sdkStreamVia } from '../sdk-oracle.ts';
import { ensureAnswered } from './support.ts';

export const SDK_CHECKS = defineChecks({
  SDK1: {
    title: 'The official SDK consumes a live stream (messages.stream().finalMessage())',
    area: 'sdk',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      // The SDK builds the request and reads the answer; the client carries
      // it, so it is timed and logged in requests.jsonl like every other.
      let sent: Observation | undefined;
      const result = await sdkStreamVia(async (spec) => (sent = await ctx.exchange('sdk-stream', spec)), {
        apiKey: ctx.target.apiKey,
        timeoutMs: ctx.timeoutMs,
        params: {
          model: ctx.target.model,
          max_tokens: 128,
          messages: [{ role: 'user', content: 'Say hi in three words. [[emulate tokens=8]]' }],
        },
      });
      // A target that vanished is a check that could not run, whatever the SDK made of it.
      if (sent) ensureAnswered(sent);
      if (!result.ok) {
        const status = result.status !== null ? ` (HTTP ${result.status}${result.errorType ? ` ${result.errorType}` : ''})` : '';
        return outcome('fail', `@anthropic-ai/sdk ${SDK_VERSION} failed on the stream: ${result.errorClass}${status}: ${result.message}`);
      }
      const m = result.message;
      return outcome(
        'pass',
        `@anthropic-ai/sdk ${SDK_VERSION}: final message with ${m.content.length} block(s), stop_reason ${quote(m.stop_reason)}, output_tokens ${quote(m.usage?.output_tokens)}`,
      );
    },
  },
});
