/** Transport and routing (catalogue T). */
import { defineChecks, outcome } from '../check.ts';
import { EXCHANGE_LABELS, exchange } from '../exchanges.ts';
import { messageShapeProblems } from './response.ts';
import { bodyText, describeAnswer, listSome, readMessage } from './support.ts';

export const TRANSPORT_CHECKS = defineChecks({
  T1: {
    title: 'POST /v1/messages?beta=true is routed',
    area: 'transport',
    severity: 'blocker',
    refs: ['Wei-Shaw/claude-relay-service#113', 'router-for-me/CLIProxyAPI#3892', 'farion1231/cc-switch#1051'],
    async run(ctx) {
      const obs = await exchange(ctx, 'beta-path');
      const read = readMessage(obs, EXCHANGE_LABELS['beta-path']);
      if (!read.ok) {
        if (obs.status === 404 || obs.status === 405) {
          return outcome('fail', `the gateway answers ${describeAnswer(obs)} for /v1/messages?beta=true, the path Claude Code posts to; route on the path, not the full URL`, bodyText(obs));
        }
        return read.outcome;
      }
      const problems = messageShapeProblems(read.value);
      if (problems.length > 0) return outcome('fail', `routed, but the answer is not a Message: ${listSome(problems)}`, obs.body ?? '');
      return outcome('pass', 'HTTP 200 with a Message on /v1/messages?beta=true');
    },
  },
});
