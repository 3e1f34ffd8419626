import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../src/client/index.ts';
import type { FaultRule } from '../../../src/emulator/faults.ts';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';
import { extractMarks } from '../../../src/perf/marks.ts';
import type { Observation } from '../../../src/types.ts';

const open: Array<{ emulator: RunningEmulator; client: Client }> = [];
afterEach(async () => {
  for (const { emulator, client } of open.splice(0)) {
    client.close();
    await emulator.close();
  }
});

async function serve(rules: FaultRule[], timeoutMs = 2_000): Promise<{ emulator: RunningEmulator; client: Client }> {
  const emulator = await startEmulator({ faults: { rules }, timing: { ttftMs: 5, itlMs: 2 } });
  const client = createClient({ baseUrl: emulator.url, apiKey: 'k', timeoutMs });
  const pair = { emulator, client };
  open.push(pair);
  return pair;
}

const chat = (client: Client, stream = true): Promise<Observation> =>
  client.send({
    method: 'POST',
    path: '/v1/chat/completions',
    auth: 'bearer',
    body: { model: 'Qwen/Qwen2.5-Coder-32B-Instruct', messages: [{ role: 'user', content: '[[emulate tokens=6]]' }], max_tokens: 16, stream },
  });

/** What the perf harness calls the request's outcome (null = success). */
const verdict = (o: Observation): string | null => extractMarks(o, 'chat').failure;

describe('emulator fault injection, seen through the client and the perf classification', () => {
  it('reset: the connection drops after N tokens → reset', async () => {
    const { client } = await serve([{ kind: 'reset', after_tokens: 2 }]);
    const o = await chat(client);
    expect(o.status).toBe(200);
    expect(o.error?.kind).toBe('reset');
    expect(verdict(o)).toBe('reset');
  });

  it('stall: headers, then silence past the idle timeout → timeout', async () => {
    const { client } = await serve([{ kind: 'stall', params: { ms: 30_000 } }], 300);
    const o = await chat(client);
    expect(o.status).toBe(200);
    expect(o.t_hdr_ms).not.toBeNull();
    expect(o.error?.kind).toBe('timeout');
    expect(verdict(o)).toBe('timeout');
  });

  it('stall of a non-streamed answer: headers then silence → timeout', async () => {
    const { client } = await serve([{ kind: 'stall', params: { ms: 30_000 } }], 300);
    const o = await chat(client, false);
    expect(o.error?.kind).toBe('timeout');
  });

  it('bad_json: a broken data line mid-stream → protocol (not a silent success)', async () => {
    const { client } = await serve([{ kind: 'bad_json', after_tokens: 1 }]);
    const o = await chat(client);
    expect(o.error).toBeNull();
    expect(o.events.some((e) => e.data.includes('cut he'))).toBe(true);
    expect(verdict(o)).toBe('protocol');
    expect(extractMarks(o, 'chat').failure_detail).toContain('not JSON');
  });

  it('missing_blank: two events run together → protocol', async () => {
    const { client } = await serve([{ kind: 'missing_blank', after_tokens: 2 }]);
    const o = await chat(client);
    expect(o.events.some((e) => e.data.includes('\n'))).toBe(true);
    expect(verdict(o)).toBe('protocol');
  });

  it('unknown_event: an unknown event type is ignored, as SSE says → success', async () => {
    const { client } = await serve([{ kind: 'unknown_event' }]);
    const o = await chat(client);
    expect(o.events.some((e) => e.type === 'claude_bench_unknown')).toBe(true);
    expect(verdict(o)).toBeNull();
  });

  it.each([
    ['http_429', 429, 7],
    ['http_529', 529, 3],
    ['http_500', 500, undefined],
  ] as const)('%s → http_%i, retry-after kept in the headers', async (kind, status, retryAfter) => {
    const { client } = await serve([{ kind, ...(retryAfter !== undefined ? { params: { retry_after: retryAfter } } : {}) }]);
    const o = await chat(client);
    expect(o.status).toBe(status);
    expect(o.headers['retry-after']).toBe(retryAfter === undefined ? undefined : String(retryAfter));
    expect(verdict(o)).toBe(`http_${status}`);
  });

  it('slow_headers: the headers come late, then a normal answer', async () => {
    const { client } = await serve([{ kind: 'slow_headers', params: { ms: 400 } }]);
    const o = await chat(client);
    expect(verdict(o)).toBeNull();
    expect(o.t_hdr_ms).toBeGreaterThanOrEqual(350);
  });

  it('triggers: at_request and every pick exactly those requests', async () => {
    const { client } = await serve([
      { kind: 'http_500', at_request: 2 },
      { kind: 'http_429', every: 3 },
    ]);
    const statuses: Array<number | null> = [];
    for (let i = 0; i < 6; i++) statuses.push((await chat(client)).status);
    expect(statuses).toEqual([200, 500, 429, 200, 200, 429]);
  });

  it('exit (in-process): the server dies on request N; later requests are refused → connect', async () => {
    const { client, emulator } = await serve([{ kind: 'exit', at_request: 2 }]);
    expect(verdict(await chat(client))).toBeNull();
    const dying = await chat(client);
    expect(['reset', 'connect']).toContain(dying.error?.kind);
    const after = await chat(client);
    expect(after.error?.kind).toBe('connect');
    expect(emulator.activeStreams).toBe(0);
  });
});
