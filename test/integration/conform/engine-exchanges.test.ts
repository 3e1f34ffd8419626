import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../src/client/index.ts';
import { defineChecks } from '../../../src/conform/check.ts';
import { runChecks } from '../../../src/conform/engine.ts';
import type { RequestSpec, Target } from '../../../src/types.ts';
import { startDefectiveGateway, type DefectiveGateway } from '../../support/defective-gateway.ts';

let gateway: DefectiveGateway;
let client: Client;
let target: Target;
beforeAll(async () => {
  gateway = await startDefectiveGateway();
  client = createClient({ baseUrl: gateway.baseUrl, apiKey: gateway.apiKey, timeoutMs: 20_000 });
  target = { baseUrl: gateway.baseUrl, apiKey: gateway.apiKey, model: 'm', kind: 'external', emulated: false, description: 'defective gateway' };
});
afterAll(async () => {
  client.close();
  await gateway.close();
});

const hello: RequestSpec = { method: 'POST', path: '/v1/messages', body: { model: 'm', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] } };

const CHECKS = defineChecks({
  ONE: {
    title: 'reads the shared exchange',
    area: 'response',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const obs = await ctx.exchange('hello', hello);
      return { status: obs.status === 200 ? 'pass' : 'fail', detail: `HTTP ${String(obs.status)}` };
    },
  },
  TWO: {
    title: 'reads it too',
    area: 'response',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const obs = await ctx.exchange('hello', hello);
      return { status: 'pass', detail: obs.label };
    },
  },
  CLASH: {
    title: 'asks for the same key with another request',
    area: 'response',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      await ctx.exchange('hello', { ...hello, path: '/v1/messages?beta=true' });
      return { status: 'pass', detail: 'unreachable' };
    },
  },
});

describe('exchanges are shared within a run', () => {
  it('sends a keyed request once, concurrently or not, and records its id on every verdict that read it', async () => {
    const before = gateway.requests.length;
    const verdicts = await runChecks({ target, client, checks: [CHECKS.ONE, CHECKS.TWO], concurrency: 2 });
    expect(gateway.requests.length - before).toBe(1);
    const [one, two] = verdicts;
    expect(one?.status).toBe('pass');
    expect(two?.detail).toBe('hello');
    expect(one?.request_ids).toHaveLength(1);
    expect(two?.request_ids).toEqual(one?.request_ids);
  });

  it('a new run sends again', async () => {
    const before = gateway.requests.length;
    await runChecks({ target, client, checks: [CHECKS.ONE] });
    expect(gateway.requests.length - before).toBe(1);
  });

  it('the same key with a different request is a bug in the check: an error verdict', async () => {
    const verdicts = await runChecks({ target, client, checks: [CHECKS.ONE, CHECKS.CLASH] });
    expect(verdicts[1]?.status).toBe('error');
    expect(verdicts[1]?.detail).toMatch(/two different request specs/);
  });
});
