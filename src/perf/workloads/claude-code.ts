/**
 * A synthetic Claude Code session, shaped after what Claude Code 2.1.332
 * really sends (lab notes, /tmp/cc-notes.md §3): POST /v1/messages?beta=true
 * with three system blocks (~7.2 KB, cache_control on the last two), twelve
 * tools (~31 KB of JSON schemas), a first user message with a ~0.6 KB
 * system-reminder and the prompt, a mid-thread `role: "system"` environment
 * message (~9.2 KB), then one assistant tool call and one tool_result per
 * agent step, cache_control on the last tool_result, and a small side
 * request alongside the first step. First request ≈ 49 KB, as measured.
 *
 * Prose is deterministic filler. System and tools are the same for every
 * session (as for every user of one Claude Code version), so a prefix cache
 * can share them across users; the rest is unique per session. Output length
 * is set by emulator directives (`[[emulate tokens=N tool=NAME]]`) in the last
 * user message and bounded by `max_tokens` on a real model.
 *
 * Left out on purpose: `thinking`, `context_management` and `output_config`
 * (beta fields conformance checks; many gateways refuse them, which would
 * turn a speed test into a conformance test), and `max_tokens` is 4096 (as
 * with CLAUDE_CODE_MAX_OUTPUT_TOKENS=4096) rather than 128000, which no
 * vLLM context window accepts.
 */
import { CC_BETA_FLAGS, CC_MESSAGES_PATH, ccSystemBlocks, ccTools } from '../../claude-code/shapes.ts';
import { cachedShare, promptKey } from './prefix.ts';
import { fillerText, hashSeed, prng } from './text.ts';
import type { SessionPlan, SessionStep, Workload, WorkloadRequest } from './types.ts';

export interface ClaudeCodeOptions {
  /** Model id sent (the gateway maps it). */
  readonly model: string;
  readonly seed?: number;
  /** Agent steps per session: min and max (inclusive). Default 3–6. */
  readonly steps?: readonly [number, number];
  /** Text tokens before each tool call. Default 40. */
  readonly toolTurnTokens?: number;
  /** Tokens of the final answer. Default 200. */
  readonly finalTokens?: number;
  /** Tool result size in bytes: min and max. Default 400–3000. */
  readonly toolResultBytes?: readonly [number, number];
  /** Tool run time between steps, model-time ms: min and max. Default 500–2000. */
  readonly toolTimeMs?: readonly [number, number];
  /** User think time before a session's first step, model-time ms. Default 2000. */
  readonly thinkTimeMs?: number;
  /** max_tokens of main requests. Default 4096. */
  readonly maxTokens?: number;
  /** Send the side request alongside the first step. Default true. */
  readonly sideRequest?: boolean;
}

export const CLAUDE_CODE_PATH = CC_MESSAGES_PATH;

/** The anthropic-beta header Claude Code 2.1.332 sends with its default model. */
export const CLAUDE_CODE_BETAS = CC_BETA_FLAGS.join(',');

/** The four tools a session's steps call, with arguments of a realistic size. */
const CALLS: ReadonlyArray<{ name: string; input: (r: () => number) => Record<string, unknown> }> = [
  { name: 'Bash', input: (r) => ({ command: `ls -la src && npm test -- --run part${Math.floor(r() * 90)}`, description: 'Run the tests' }) },
  { name: 'Read', input: (r) => ({ file_path: `/work/project/src/module${Math.floor(r() * 90)}.ts` }) },
  { name: 'Edit', input: (r) => ({ file_path: `/work/project/src/module${Math.floor(r() * 90)}.ts`, old_string: 'return a;', new_string: 'return a + b;' }) },
  { name: 'Write', input: (r) => ({ file_path: `/work/project/notes${Math.floor(r() * 90)}.md`, content: 'Summary of the change.' }) },
];

/** Shared by every session: one Claude Code version's system prompt and tools. */
function sharedParts(seed: number): { system: unknown[]; tools: unknown[]; reminder: string } {
  // The same for every session, as for every user of one Claude Code version.
  const system = ccSystemBlocks();
  const tools = ccTools();
  const reminder = `<system-reminder>\n${fillerText(560, seed ^ 0x2e1)}\n</system-reminder>`;
  return { system, tools, reminder };
}

const between = (r: () => number, [lo, hi]: readonly [number, number]): number => lo + Math.floor(r() * (hi - lo + 1));

/** The built-in "claude-code" workload. */
export function claudeCodeWorkload(options: ClaudeCodeOptions): Workload {
  const seed = options.seed ?? 1;
  const o = {
    steps: options.steps ?? ([3, 6] as const),
    toolTurnTokens: options.toolTurnTokens ?? 40,
    finalTokens: options.finalTokens ?? 200,
    toolResultBytes: options.toolResultBytes ?? ([400, 3000] as const),
    toolTimeMs: options.toolTimeMs ?? ([500, 2000] as const),
    thinkTimeMs: options.thinkTimeMs ?? 2000,
    maxTokens: options.maxTokens ?? 4096,
    sideRequest: options.sideRequest ?? true,
  };
  const shared = sharedParts(seed);
  // The first prompt of another session: what a cache shared between users holds when a session starts.
  let reference: string | undefined;

  const build = (index: number): SessionPlan => {
    const sessionSeed = hashSeed(`cc-session-${seed}-${index}`);
    const r = prng(sessionSeed);
    const id = `cc-${seed}-${index}`;
    const headers = { 'anthropic-beta': CLAUDE_CODE_BETAS, 'x-claude-code-session-id': `00000000-0000-4000-8000-${String(sessionSeed).padStart(12, '0').slice(-12)}` };
    const stepCount = between(r, o.steps);
    const prompt = `Please fix the failing test in module ${index} and explain the change. ${fillerText(120 + Math.floor(r() * 200), sessionSeed)}`;
    const env = `# Environment\n${fillerText(9000, seed ^ 0xe11)}\ncwd: /work/project-${index}\n${fillerText(180, sessionSeed ^ 0xe)}`;
    const messages: unknown[] = [
      { role: 'user', content: [{ type: 'text', text: shared.reminder }, { type: 'text', text: prompt }] },
      { role: 'system', content: env },
    ];
    const steps: SessionStep[] = [];
    const earlier: string[] = reference !== undefined ? [reference] : [];
    for (let k = 0; k < stepCount; k++) {
      const final = k === stepCount - 1;
      const call = CALLS[Math.floor(r() * CALLS.length)] ?? { name: 'Bash', input: () => ({ command: 'ls' }) };
      const input = call.input(r);
      const directive = final
        ? `[[emulate tokens=${o.finalTokens}]]`
        : `[[emulate tokens=${o.toolTurnTokens} tool=${call.name} args='${JSON.stringify(input)}']]`;
      const current = withDirective(messages, directive);
      const body = {
        model: options.model,
        max_tokens: o.maxTokens,
        stream: true,
        metadata: { user_id: JSON.stringify({ device_id: `bench-${seed}`, account_uuid: '', session_id: id }) },
        system: shared.system,
        tools: shared.tools,
        messages: current,
      };
      const key = promptKey(body);
      const main: WorkloadRequest = {
        path: CLAUDE_CODE_PATH,
        headers,
        body,
        kind: 'main',
        theoretical_cached_share: cachedShare(key, earlier),
        expected_output_tokens: final ? o.finalTokens : o.toolTurnTokens,
      };
      earlier.push(key);
      const step: SessionStep = {
        delay_ms: k === 0 ? o.thinkTimeMs : between(r, o.toolTimeMs),
        main,
        ...(k === 0 && o.sideRequest ? { side: [sideRequest(options.model, sessionSeed, prompt)] } : {}),
      };
      steps.push(step);
      if (final) break;
      // What Claude Code appends: the assistant's tool call, then the tool's result.
      const toolId = `toolu_${id.replace(/[^a-z0-9]/gi, '')}_${k}`;
      messages.push({
        role: 'assistant',
        content: [
          { type: 'text', text: fillerText(o.toolTurnTokens * 4, sessionSeed + k) },
          { type: 'tool_use', id: toolId, name: call.name, input },
        ],
      });
      messages.push({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: toolId, content: fillerText(between(r, o.toolResultBytes), sessionSeed ^ (k + 1)) }],
      });
    }
    return { id, steps };
  };
  reference = promptKey((build(-1).steps[0]?.main.body ?? {}) as Record<string, unknown>);

  return {
    name: 'claude-code',
    kind: 'claude-code',
    describe: () => ({
      name: 'claude-code',
      kind: 'claude-code',
      description: 'synthetic Claude Code 2.1.332 sessions: ~7 KB system, 12 tools (~31 KB), growing tool-call history, side request',
      seed,
      steps: o.steps,
      tool_turn_tokens: o.toolTurnTokens,
      final_tokens: o.finalTokens,
      tool_result_bytes: o.toolResultBytes,
      tool_time_ms: o.toolTimeMs,
      think_time_ms: o.thinkTimeMs,
      max_tokens: o.maxTokens,
      first_request_bytes: Buffer.byteLength(JSON.stringify(build(0).steps[0]?.main.body ?? {})),
    }),
    session: build,
    warmup: (index) => warmupRequest(options.model, `claude-code-${seed}`, index),
  };
}

/** Messages with a directive text block added to the last user message (a copy; the history stays clean). */
function withDirective(messages: readonly unknown[], directive: string): unknown[] {
  const out = [...messages];
  for (let i = out.length - 1; i >= 0; i--) {
    const m = out[i] as { role?: unknown; content?: unknown };
    if (m.role !== 'user') continue;
    const content = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : Array.isArray(m.content) ? [...(m.content as unknown[])] : [];
    // Claude Code marks the newest tool_result for caching; only the last user message carries the marker.
    const last = content.length - 1;
    const marked = content.map((c, j) =>
      j === last && (c as { type?: unknown }).type === 'tool_result' ? { ...(c as object), cache_control: { type: 'ephemeral' } } : c,
    );
    out[i] = { ...m, content: [...marked, { type: 'text', text: directive }] };
    break;
  }
  return out;
}

/** A small request of the kind Claude Code sends alongside a turn (title, quota): no tools, short answer. */
function sideRequest(model: string, seed: number, prompt: string): WorkloadRequest {
  return {
    path: CLAUDE_CODE_PATH,
    headers: { 'anthropic-beta': CLAUDE_CODE_BETAS },
    kind: 'side',
    expected_output_tokens: 12,
    body: {
      model,
      max_tokens: 512,
      stream: true,
      system: [{ type: 'text', text: `Summarize the coding task in a short title. ${fillerText(200, seed ^ 0x51de)}` }],
      messages: [{ role: 'user', content: `${prompt.slice(0, 300)} [[emulate tokens=12]]` }],
    },
  };
}

/**
 * A warm-up request: a few unique words and a short answer. It shares no
 * prefix with any workload (tools and system differ, text is seeded apart),
 * so it warms connections and code paths, not the prefix cache.
 */
export function warmupRequest(model: string, workload: string, index: number): WorkloadRequest {
  return {
    path: '/v1/messages',
    kind: 'side',
    expected_output_tokens: 8,
    body: {
      model,
      max_tokens: 16,
      stream: true,
      messages: [{ role: 'user', content: `warm-up ${index}: ${fillerText(64, hashSeed(`warmup-${workload}-${index}`))} [[emulate tokens=8]]` }],
    },
  };
}
