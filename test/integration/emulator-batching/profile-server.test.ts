import { afterEach, describe, expect, it } from 'vitest';
import { BatchScheduler, stepDurationMs, type BatchingModel } from '../../../src/emulator/batching.ts';
import type { EmulatorEvent } from '../../../src/emulator/options.ts';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const MODEL_NAME = 'Qwen/Qwen2.5-Coder-32B-Instruct';
let running: RunningEmulator[] = [];

afterEach(async () => {
  await Promise.all(running.map((e) => e.close()));
  running = [];
});

async function start(options: Parameters<typeof startEmulator>[0]): Promise<RunningEmulator> {
  const emu = await startEmulator(options);
  running.push(emu);
  return emu;
}

interface Streamed {
  readonly status: number;
  /** ms from the send to the first chunk carrying generated content. */
  readonly ttftMs: number;
  /** Arrival (ms after send) of each read that carried content deltas. */
  readonly contentReads: number[];
  readonly e2eMs: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** Send one streaming chat completion and time it loosely (per read, not per event). */
async function stream(url: string, content: string, requestId: string): Promise<Streamed> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ model: MODEL_NAME, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content }] }),
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const contentReads: number[] = [];
  let text = '';
  for (let i = 0; i < 100_000; i++) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = decoder.decode(value, { stream: true });
    if (/"content":"[^"]/.test(chunk)) contentReads.push(performance.now() - t0);
    text += chunk;
  }
  const e2eMs = performance.now() - t0;
  const usageLine = text.split('\n').find((l) => l.includes('"usage"') && l.includes('"completion_tokens"') && l.includes('"choices":[]'));
  const usage = usageLine ? (JSON.parse(usageLine.slice('data: '.length)) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage : undefined;
  return {
    status: res.status,
    ttftMs: contentReads[0] ?? Number.NaN,
    contentReads,
    e2eMs,
    promptTokens: usage?.prompt_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
  };
}

/** What the model says for these requests arriving together (model ms): TTFT and E2EL of each. */
function predict(model: BatchingModel, requests: ReadonlyArray<{ prompt: number; output: number }>): Array<{ ttft: number; e2e: number }> {
  const clock = new FakeClock();
  const out = requests.map(() => ({ ttft: Number.NaN, e2e: Number.NaN }));
  const scheduler = new BatchScheduler(model, { clock });
  requests.forEach((r, i) =>
    scheduler.submit({ promptTokens: r.prompt, outputTokens: r.output, blockHashes: [] }, {
      onToken: (index, last, at) => {
        if (index === 0) out[i]!.ttft = at;
        if (last) out[i]!.e2e = at;
      },
    }),
  );
  clock.advanceTo(10_000_000);
  return out;
}

/** Distinct prompt text of about `tokens` prompt tokens (4 bytes per token). */
const prompt = (seed: string, tokens: number, outputTokens: number): string => `${seed} ${'lorem ipsum '.repeat(Math.ceil((tokens * 4) / 12))} [[emulate tokens=${outputTokens}]]`;

describe('emulator driven by the e5-2680 profile (time scale 0.05)', () => {
  const SCALE = 0.05;

  it('serves concurrent streams whose TTFT and token gaps follow the batching model', async () => {
    const events: EmulatorEvent[] = [];
    const emu = await start({ profile: 'e5-2680', timeScale: SCALE, onEvent: (e) => events.push(e) });
    const model = emu.options.batching!;
    const results = await Promise.all(['a', 'b', 'c'].map((id, i) => stream(emu.url, prompt(id, 1200 + 200 * i, 30), `req-${id}`)));

    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.completionTokens).toBe(31); // 30 filler tokens + end of sequence
      expect(r.promptTokens).toBeGreaterThan(1000);
    }
    const predicted = predict(model, results.map((r) => ({ prompt: r.promptTokens, output: r.completionTokens })));
    const serialPrefill = results.reduce((sum, r) => sum + stepDurationMs(model, 3, r.promptTokens), 0);

    results.forEach((r, i) => {
      const own = model.requestOverheadMs + stepDurationMs(model, 1, r.promptTokens);
      // Server side (its own write times): never earlier than the model allows, and not wildly later.
      const id = `req-${['a', 'b', 'c'][i]}`;
      const mine = events.filter((e) => e.request_id === id);
      const headers = mine.find((e) => e.kind === 'headers')!.t_epoch_ms;
      const first = mine.find((e) => e.token_index === 0)!.t_epoch_ms;
      const serverTtft = (first - headers) / SCALE;
      expect(serverTtft).toBeGreaterThanOrEqual(own * 0.95);
      expect(serverTtft).toBeLessThanOrEqual((model.requestOverheadMs + serialPrefill) * 1.5 + 300 / SCALE);
      // Client side, loosely: consistent with the prediction for simultaneous arrivals.
      expect(r.ttftMs).toBeGreaterThanOrEqual(own * SCALE * 0.9);
      expect(r.ttftMs).toBeLessThanOrEqual(predicted[i]!.ttft * SCALE * 2 + 300);
      // Decode: 30 gaps at a step of 85 ms × (1 + 0.06 × (batch − 1)), batch 1–3, plus prefill stalls.
      const decodeWall = r.e2eMs - r.ttftMs;
      expect(decodeWall).toBeGreaterThanOrEqual(30 * stepDurationMs(model, 1, 0) * SCALE * 0.8);
      expect(decodeWall).toBeLessThanOrEqual((30 * stepDurationMs(model, 3, 0) + serialPrefill) * SCALE * 2 + 300);
    });
    // Server-side token gaps, pooled: the model's step at batch ≤ 3 (in model ms), a few prefill stalls aside.
    const gaps: number[] = [];
    for (const id of ['req-a', 'req-b', 'req-c']) {
      const times = events.filter((e) => e.request_id === id && e.token_index !== undefined).map((e) => e.t_epoch_ms);
      for (let k = 1; k < times.length; k++) gaps.push((times[k]! - times[k - 1]!) / SCALE);
    }
    gaps.sort((x, y) => x - y);
    const median = gaps[Math.floor(gaps.length / 2)]!;
    expect(median).toBeGreaterThanOrEqual(stepDurationMs(model, 1, 0) * 0.5);
    expect(median).toBeLessThanOrEqual(stepDurationMs(model, 3, 0) * 2 + 40 / SCALE);

    const metrics = await (await fetch(`${emu.url}/metrics`)).text();
    const label = `model_name="${MODEL_NAME}"`;
    expect(metrics).toContain(`vllm:num_requests_running{${label}} 0.0`);
    expect(metrics).toContain(`vllm:generation_tokens_total{${label}} 93.0`);
    expect(metrics).toContain(`vllm:time_to_first_token_seconds_count{${label}} 3.0`);
    expect(metrics).toContain(`vllm:e2e_request_latency_seconds_count{${label}} 3.0`);
    const queries = Number(/vllm:prefix_cache_queries_total\{[^}]*\} (\S+)/.exec(metrics)?.[1]);
    expect(queries).toBe(results.reduce((s, r) => s + r.promptTokens, 0));
    // TTFT in model seconds: the sum is at least three times the lone-request minimum.
    const ttftSum = Number(/vllm:time_to_first_token_seconds_sum\{[^}]*\} (\S+)/.exec(metrics)?.[1]);
    expect(ttftSum).toBeGreaterThanOrEqual((3 * (model.requestOverheadMs + model.decodeStepMs)) / 1000);
    expect(emu.activeStreams).toBe(0);
  });

  it('a repeated prompt prefix hits the prefix cache and starts sooner', async () => {
    const events: EmulatorEvent[] = [];
    const emu = await start({ profile: 'e5-2680', timeScale: SCALE, onEvent: (e) => events.push(e) });
    const text = prompt('same', 2000, 3);
    const cold = await stream(emu.url, text, 'cold');
    const warm = await stream(emu.url, text, 'warm');
    expect(cold.status).toBe(200);
    expect(warm.status).toBe(200);
    const serverTtft = (id: string): number => {
      const mine = events.filter((e) => e.request_id === id);
      return mine.find((e) => e.token_index === 0)!.t_epoch_ms - mine.find((e) => e.kind === 'headers')!.t_epoch_ms;
    };
    // Cold: ~2000 tokens at 2400 tokens/s = 833 model ms of prefill; warm: one block. Half of it must show.
    expect(serverTtft('cold') - serverTtft('warm')).toBeGreaterThan((833 / 2) * SCALE);
    const metrics = await (await fetch(`${emu.url}/metrics`)).text();
    const hits = Number(/vllm:prefix_cache_hits_total\{[^}]*\} (\S+)/.exec(metrics)?.[1]);
    expect(hits).toBeGreaterThanOrEqual(cold.promptTokens - 32);
    // vLLM's POST /reset_prefix_cache empties it: the same prompt is cold again.
    expect((await fetch(`${emu.url}/reset_prefix_cache`, { method: 'POST' })).status).toBe(200);
    await stream(emu.url, text, 'after-reset');
    const after = await (await fetch(`${emu.url}/metrics`)).text();
    expect(Number(/vllm:prefix_cache_hits_total\{[^}]*\} (\S+)/.exec(after)?.[1])).toBe(hits);
    expect(serverTtft('after-reset') - serverTtft('warm')).toBeGreaterThan((833 / 2) * SCALE);
  });

  it('takes max-model-len from the profile and says what it is on /claude-bench/info', async () => {
    const emu = await start({ profile: 'e5-2680', timeScale: SCALE });
    const info = (await (await fetch(`${emu.url}/claude-bench/info`)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({
      emulated: true,
      time_scale: SCALE,
      timing_model: 'batching',
      profile: { id: 'e5-2680', model: MODEL_NAME },
      max_model_len: 8192,
      fixed_timing: null,
      batching: { max_num_seqs: 10, prefill_tokens_per_s: 2400, decode_step_ms: 85, request_overhead_ms: 1200 },
      event_log: false,
    });
    const tooLong = await fetch(`${emu.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL_NAME, messages: [{ role: 'user', content: 'x'.repeat(40_000) }] }),
    });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { message: string } }).error.message).toContain('8192');
  });
});

describe('emulator with an explicit batching model', () => {
  it('queues past max-num-seqs and shows it on /metrics; a client that leaves frees its slot', async () => {
    const model: BatchingModel = {
      maxNumSeqs: 1,
      maxNumBatchedTokens: 512,
      prefillTokensPerS: 100_000,
      decodeStepMs: 20,
      decodeStepGrowth: 0,
      requestOverheadMs: 0,
      prefixBlockTokens: 16,
      prefixCacheBlocks: 0,
      kvCacheTokens: 100_000,
    };
    const emu = await start({ batching: model, timeScale: 1 });
    const first = new AbortController();
    const send = (content: string, signal?: AbortSignal) =>
      fetch(`${emu.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL_NAME, stream: true, messages: [{ role: 'user', content }] }),
        ...(signal ? { signal } : {}),
      });
    const long = await send('first [[emulate tokens=500]]', first.signal);
    const reader = long.body!.getReader();
    await reader.read(); // headers and the first frames are out: it holds the only slot
    const queued = [send('second [[emulate tokens=2]]'), send('third [[emulate tokens=2]]')];
    let metrics = '';
    for (let i = 0; i < 200 && !/vllm:num_requests_waiting\{[^}]*\} 2\.0/.test(metrics); i++) {
      await new Promise((r) => setTimeout(r, 10));
      metrics = await (await fetch(`${emu.url}/metrics`)).text();
    }
    expect(metrics).toMatch(/vllm:num_requests_running\{[^}]*\} 1\.0/);
    expect(metrics).toMatch(/vllm:num_requests_waiting\{[^}]*\} 2\.0/);
    first.abort();
    await reader.cancel().catch(() => undefined);
    const rest = await Promise.all(queued);
    const bodies = await Promise.all(rest.map((r) => r.text()));
    for (const body of bodies) expect(body).toContain('data: [DONE]');
    metrics = await (await fetch(`${emu.url}/metrics`)).text();
    expect(metrics).toMatch(/vllm:num_requests_running\{[^}]*\} 0\.0/);
    expect(metrics).toMatch(/vllm:num_requests_waiting\{[^}]*\} 0\.0/);
    expect(metrics).toMatch(/vllm:request_success_total\{finished_reason="stop",[^}]*\} 2\.0/);
  });

  it('non-streaming requests and injected drops go through the scheduler too', async () => {
    const model: BatchingModel = {
      maxNumSeqs: 4,
      maxNumBatchedTokens: 2048,
      prefillTokensPerS: 100_000,
      decodeStepMs: 2,
      decodeStepGrowth: 0.1,
      requestOverheadMs: 1,
      prefixBlockTokens: 16,
      prefixCacheBlocks: 100,
      kvCacheTokens: 100_000,
    };
    const emu = await start({ batching: model });
    const post = (content: string, stream: boolean) =>
      fetch(`${emu.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL_NAME, stream, messages: [{ role: 'user', content }] }),
      });
    const whole = (await (await post('[[emulate say="one two three"]]', false)).json()) as { choices: Array<{ message: { content: string } }>; usage: { completion_tokens: number } };
    expect(whole.choices[0]?.message.content).toBe('one two three');
    const dropped = await post('[[emulate tokens=20 abort_after=5]]', true);
    const error = await dropped.text().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    for (let i = 0; i < 100 && emu.activeStreams > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(emu.activeStreams).toBe(0);
  });
});
