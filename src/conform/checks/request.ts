/** Request tolerance: Claude-Code-shaped inputs must be accepted (catalogue R). */
import { defineChecks, outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { EXCHANGE_LABELS, exchange, type ExchangeName } from '../exchanges.ts';
import { messageShapeProblems } from './response.ts';
import { listSome, readMessage } from './support.ts';

async function acceptedAsMessage(ctx: CheckContext, name: ExchangeName, rejectedWhat: string): Promise<CheckOutcome> {
  const obs = await exchange(ctx, name);
  const read = readMessage(obs, EXCHANGE_LABELS[name]);
  if (!read.ok) {
    if (obs.status !== null && obs.status >= 400) {
      return { ...read.outcome, detail: `the gateway rejected ${rejectedWhat}: ${read.outcome.detail}` };
    }
    return read.outcome;
  }
  const problems = messageShapeProblems(read.value);
  if (problems.length > 0) return outcome('fail', `accepted, but the answer is not a Message: ${listSome(problems)}`, obs.body ?? '');
  return outcome('pass', `accepted: HTTP 200 with a Message`);
}

export const REQUEST_CHECKS = defineChecks({
  R1a: {
    title: 'System prompt as a string accepted',
    area: 'request',
    severity: 'blocker',
    refs: [],
    run: (ctx) => acceptedAsMessage(ctx, 'system-string', 'a string system prompt'),
  },
  R1b: {
    title: 'System prompt as text blocks with cache_control accepted',
    area: 'request',
    severity: 'blocker',
    refs: [],
    run: (ctx) => acceptedAsMessage(ctx, 'system-blocks', 'system text blocks with cache_control (what Claude Code sends)'),
  },
});
