/** The official SDK as an oracle: what the library under Claude Code makes of the target's stream. */
import { randomUUID } from 'node:crypto';
import { VERSION as SDK_VERSION } from '@anthropic-ai/sdk/version';
import { defineChecks, outcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { sdkStreamLive } from '../sdk-oracle.ts';

export const SDK_CHECKS = defineChecks({
  SDK1: {
    title: 'The official SDK consumes a live stream (messages.stream().finalMessage())',
    area: 'sdk',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const result = await sdkStreamLive({
        baseUrl: ctx.target.baseUrl,
        apiKey: ctx.target.apiKey,
        timeoutMs: ctx.timeoutMs,
        requestId: `sdk-${randomUUID()}`,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        params: {
          model: ctx.target.model,
          max_tokens: 128,
          messages: [{ role: 'user', content: 'Say hi in three words. [[emulate tokens=8]]' }],
        },
      });
      if (ctx.signal?.aborted) throw new Error('interrupted');
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
