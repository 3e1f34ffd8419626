import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toChatBody } from '../../../src/perf/workloads/chat.ts';
import { claudeCodeWorkload } from '../../../src/perf/workloads/claude-code.ts';
import { estimatePrompt, resolveWorkload } from '../../../src/perf/workloads/index.ts';
import { cachedShare, commonPrefixLength, promptKey } from '../../../src/perf/workloads/prefix.ts';
import { isMainRequest, loadRecordedSessions, recordedOutput, replayWorkload } from '../../../src/perf/workloads/replay.ts';
import { syntheticWorkload } from '../../../src/perf/workloads/synthetic.ts';
import { fillerText } from '../../../src/perf/workloads/text.ts';

const SESSIONS = fileURLToPath(new URL('../../../fixtures/sessions', import.meta.url));
const bytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));
type Msg = { role: string; content: unknown };

describe('claude-code workload (shapes from Claude Code 2.1.332)', () => {
  const w = claudeCodeWorkload({ model: 'claude-opus-5-5', steps: [4, 4] });
  const s = w.session(0);
  const first = s.steps[0]!.main.body;

  it('sends a ~49 KB first request: ~7.2 KB system in 3 blocks, 12 tools of ~31 KB, a mid-thread system message', () => {
    expect(bytes(first)).toBeGreaterThan(45_000);
    expect(bytes(first)).toBeLessThan(55_000);
    const system = first['system'] as Array<{ text: string; cache_control?: unknown }>;
    expect(system).toHaveLength(3);
    expect(system.reduce((n, b) => n + b.text.length, 0)).toBeGreaterThan(7_000);
    expect(system[2]?.cache_control).toEqual({ type: 'ephemeral' });
    const tools = first['tools'] as Array<{ name: string }>;
    expect(tools).toHaveLength(12);
    expect(Math.abs(bytes(tools) - 31_058)).toBeLessThan(500);
    const messages = first['messages'] as Msg[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'system']);
    expect(s.steps[0]!.main.path).toBe('/v1/messages?beta=true');
    expect(s.steps[0]!.main.headers?.['anthropic-beta']).toContain('claude-code-20250219');
    expect(first['max_tokens']).toBe(4096);
  });

  it('grows the history by one tool call and one tool result per step, directive in the last user message', () => {
    expect(s.steps).toHaveLength(4);
    const sizes = s.steps.map((st) => bytes(st.main.body));
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeGreaterThan(sizes[i - 1]!);
    const last = s.steps[3]!.main.body['messages'] as Msg[];
    expect(last).toHaveLength(2 + 2 * 3);
    expect(last.at(-2)?.role).toBe('assistant');
    const lastUser = last.at(-1)!.content as Array<{ type: string; text?: string; cache_control?: unknown }>;
    expect(lastUser[0]?.type).toBe('tool_result');
    expect(lastUser[0]?.cache_control).toEqual({ type: 'ephemeral' });
    expect(lastUser.at(-1)?.text).toBe('[[emulate tokens=200]]');
    const mid = s.steps[1]!.main.body['messages'] as Msg[];
    expect(JSON.stringify(mid.at(-1))).toMatch(/\[\[emulate tokens=40 tool=\w+ args=/);
    // Earlier tool results lose the cache marker as the next one takes it.
    expect(JSON.stringify(last[3])).not.toContain('cache_control');
  });

  it('sends a small side request with the first step only, and think/tool time between steps', () => {
    expect(s.steps[0]!.side).toHaveLength(1);
    expect(bytes(s.steps[0]!.side![0]!.body)).toBeLessThan(2_000);
    expect(s.steps.slice(1).every((st) => st.side === undefined)).toBe(true);
    expect(s.steps[0]!.delay_ms).toBe(2000);
    expect(s.steps[1]!.delay_ms).toBeGreaterThanOrEqual(500);
  });

  it('shares system and tools across sessions, history within one, and nothing with warm-up', () => {
    const other = w.session(1).steps[0]!.main;
    expect(other.theoretical_cached_share).toBeGreaterThan(0.6);
    expect(s.steps[2]!.main.theoretical_cached_share).toBeGreaterThan(0.9);
    const warm = w.warmup(0);
    expect(commonPrefixLength(promptKey(warm.body), promptKey(first))).toBeLessThan(20);
    expect(w.warmup(0).body).not.toEqual(w.warmup(1).body);
    expect(w.session(0)).toEqual(s); // deterministic
  });
});

describe('synthetic workload', () => {
  it('makes unique prompts of the asked size with output set by a directive and max_tokens', () => {
    const w = syntheticWorkload({ model: 'm', inputTokens: 500, outputTokens: 64 });
    const a = w.session(0).steps[0]!.main;
    const b = w.session(1).steps[0]!.main;
    const text = (a.body['messages'] as Array<{ content: string }>)[0]!.content;
    expect(text.length).toBe(2000);
    expect(text.endsWith('[[emulate tokens=64]]')).toBe(true);
    expect(a.body['max_tokens']).toBe(64);
    const textB = (b.body['messages'] as Array<{ content: string }>)[0]!.content;
    expect(commonPrefixLength(text, textB)).toBeLessThan(10);
  });

  it('varies sizes and think time within the spread (profile calibration workload)', () => {
    const w = syntheticWorkload({ model: 'm', inputTokens: 2048, outputTokens: 128, thinkMs: 10_000, spread: 0.25 });
    for (let i = 0; i < 20; i++) {
      const st = w.session(i).steps[0]!;
      expect(st.delay_ms).toBeGreaterThanOrEqual(7_500);
      expect(st.delay_ms).toBeLessThanOrEqual(12_500);
      expect(st.main.expected_output_tokens).toBeGreaterThanOrEqual(96);
      expect(st.main.expected_output_tokens).toBeLessThanOrEqual(160);
    }
  });

  it('resolves names and refuses bad ones', async () => {
    expect((await resolveWorkload('synthetic:100:10', { model: 'm' })).name).toBe('synthetic:100:10');
    await expect(resolveWorkload('synthetic:x', { model: 'm' })).rejects.toThrow(/unknown workload/);
    await expect(resolveWorkload('nope', { model: 'm' })).rejects.toThrow(/unknown workload/);
    await expect(resolveWorkload('profile', { model: 'm' })).rejects.toThrow(/needs --profile/);
  });
});

describe('replay of recorded sessions (fixtures/sessions)', () => {
  it('replays real request bodies turn by turn, capped and tagged', async () => {
    const sessions = await loadRecordedSessions(SESSIONS);
    expect(sessions.map((s) => s.name)).toContain('write-run-read');
    const w = replayWorkload(sessions, { model: 'Qwen/Qwen2.5-Coder-32B-Instruct', directives: true });
    const wrr = sessions.findIndex((s) => s.name === 'write-run-read');
    const plan = w.session(wrr);
    expect(plan.steps.length).toBe(4);
    const body = plan.steps[1]!.main.body;
    expect(body['model']).toBe('Qwen/Qwen2.5-Coder-32B-Instruct');
    expect(body['max_tokens']).toBe(4096); // recorded 128000, capped
    expect(JSON.stringify(body['messages'])).toContain(`[replay ${wrr}] `);
    expect(JSON.stringify((body['messages'] as unknown[]).at(-1))).toMatch(/\[\[emulate tokens=\d+ tool=/);
    // Claude Code sends its environment message as blocks first, as a string later: the prefix breaks there.
    expect(plan.steps[1]!.main.theoretical_cached_share).toBeGreaterThan(0.7);
    expect(plan.steps[2]!.main.theoretical_cached_share).toBeGreaterThan(0.95);
    expect(plan.steps[1]!.main.headers?.['x-api-key']).toBeUndefined();
  });

  it('tells main requests from side calls and reads the recorded output', async () => {
    const [session] = await loadRecordedSessions(path.join(SESSIONS, 'simple-question'));
    const f = session!.fixtures[0]!;
    expect(isMainRequest(f.body as Record<string, unknown>)).toBe(true);
    expect(isMainRequest({ tools: [{ name: 'WebFetch' }] })).toBe(false);
    expect(recordedOutput(f).tokens).toBeGreaterThan(0);
  });

  it('refuses a folder with nothing to replay', async () => {
    await expect(loadRecordedSessions(path.join(SESSIONS, 'no-such-session'))).rejects.toThrow(/cannot read recorded sessions/);
  });
});

describe('helpers', () => {
  it('converts a Messages body to OpenAI chat: system hoisted, tool calls and results paired', () => {
    const chat = toChatBody(
      {
        model: 'x',
        max_tokens: 9,
        stream: true,
        system: [{ type: 'text', text: 'S' }],
        tools: [{ name: 'Bash', description: 'd', input_schema: { type: 'object' } }],
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'system', content: 'env' },
          { role: 'assistant', content: [{ type: 'text', text: 'ok' }, { type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'a.txt' }, { type: 'text', text: 'go' }] },
        ],
      },
      'served',
    );
    expect(chat['model']).toBe('served');
    expect(chat['stream_options']).toEqual({ include_usage: true });
    expect(chat['messages']).toEqual([
      { role: 'system', content: 'S\n\nenv' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'ok', tool_calls: [{ id: 't1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] },
      { role: 'tool', tool_call_id: 't1', content: 'a.txt' },
      { role: 'user', content: 'go' },
    ]);
    expect(chat['tools']).toEqual([{ type: 'function', function: { name: 'Bash', description: 'd', parameters: { type: 'object' } } }]);
  });

  it('estimates the prefix a cache could serve, ignoring cache_control', () => {
    const a = promptKey({ messages: [{ role: 'user', content: [{ type: 'text', text: 'abc', cache_control: { type: 'ephemeral' } }] }] });
    const b = promptKey({ messages: [{ role: 'user', content: [{ type: 'text', text: 'abc' }] }] });
    expect(a).toBe(b);
    expect(cachedShare('abcdef', ['abcxyz'])).toBe(0.5);
    expect(cachedShare('abc', [])).toBe(0);
  });

  it('makes filler of exact sizes and estimates prompt size', () => {
    expect(fillerText(123, 1)).toHaveLength(123);
    expect(fillerText(50, 1)).not.toBe(fillerText(50, 2));
    const est = estimatePrompt(syntheticWorkload({ model: 'm', inputTokens: 1000, outputTokens: 100 }));
    expect(est.tokens).toBeGreaterThan(950);
    expect(est.tokens).toBeLessThan(1050);
    expect(est.max_context_tokens).toBe(est.tokens + 100);
  });
});
