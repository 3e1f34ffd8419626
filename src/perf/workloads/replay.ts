/**
 * Recorded Claude Code sessions replayed turn by turn: the real request
 * bodies (growing context, same prefix), the side requests alongside, a
 * think time between turns. Reads the recorder's fixture format
 * (src/record/format.ts): one folder per session, one JSON file per request
 * `{method, url, headers, body, response}`.
 *
 * Changes made to the recorded bodies, each for a stated reason:
 * - `model` is replaced by the run's model when one is given (the gateway maps it);
 * - `max_tokens` is capped (default 4096): Claude Code asks 32000–128000,
 *   which no vLLM context window accepts next to a 12k-token prompt;
 * - the first user text gets a short per-replay tag, so N users replaying one
 *   recording do not share their whole history in the prefix cache (system
 *   and tools, shared by every real user, stay shared);
 * - with `directives`, an `[[emulate tokens=N tool=…]]` block is appended to
 *   the last user message so the emulator answers as long as the recording did.
 * Recorded think time is not recoverable (the fixture has no response timing),
 * so steps wait `thinkTimeMs` after the previous one completes.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BenchError } from '../../errors.ts';
import { isFixtureFileName, parseFixture, type Fixture } from '../../record/format.ts';
import { warmupRequest } from './claude-code.ts';
import { cachedShare, promptKey } from './prefix.ts';
import type { SessionPlan, SessionStep, Workload, WorkloadRequest } from './types.ts';

/** One recorded session, as read from disk. */
export interface RecordedSession {
  readonly name: string;
  readonly fixtures: readonly Fixture[];
}

export interface ReplayOptions {
  /** Model to send instead of the recorded one; undefined keeps the recorded model. */
  readonly model?: string;
  /** Upper bound on max_tokens. Default 4096. */
  readonly maxTokensCap?: number;
  /** Append emulator directives reproducing the recorded output length. Default false. */
  readonly directives?: boolean;
  /** Wait before each step after the first, model-time ms. Default 1000. */
  readonly thinkTimeMs?: number;
}

/** Request headers worth replaying (credentials, hop-by-hop and length headers are never copied). */
const KEPT_HEADERS = ['anthropic-beta', 'anthropic-version', 'anthropic-dangerous-direct-browser-access', 'x-app'];

/**
 * Read sessions from `dir`: either a folder of fixture files (one session) or
 * a folder of such folders. Throws BAD_INPUT when nothing replayable is found.
 */
export async function loadRecordedSessions(dir: string): Promise<RecordedSession[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new BenchError('BAD_INPUT', `cannot read recorded sessions in ${dir}: ${(err as Error).message}`, {
      hint: 'record one with `claude-bench record --upstream URL --out fixtures/sessions/NAME`',
      cause: err,
    });
  }
  const sessions: RecordedSession[] = [];
  const own = await readSessionFolder(dir, entries.filter((e) => e.isFile()).map((e) => e.name));
  if (own.length > 0) sessions.push({ name: path.basename(dir), fixtures: own });
  for (const sub of entries.filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    const subDir = path.join(dir, sub);
    const fixtures = await readSessionFolder(subDir, await readdir(subDir));
    if (fixtures.length > 0) sessions.push({ name: sub, fixtures });
  }
  if (sessions.every((s) => s.fixtures.every((f) => !isMessagesPost(f)))) {
    throw new BenchError('BAD_INPUT', `no recorded POST /v1/messages request under ${dir}`, {
      hint: 'record one with `claude-bench record --upstream URL --out fixtures/sessions/NAME`',
    });
  }
  return sessions;
}

async function readSessionFolder(dir: string, names: readonly string[]): Promise<Fixture[]> {
  const files = names.filter(isFixtureFileName).sort();
  const out: Fixture[] = [];
  for (const name of files) {
    const file = path.join(dir, name);
    let value: unknown;
    try {
      value = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new BenchError('BAD_INPUT', `fixture ${file} is not JSON: ${(err as Error).message}`);
    }
    out.push(parseFixture(value, file));
  }
  return out;
}

function isMessagesPost(f: Fixture): boolean {
  return f.method === 'POST' && (f.url.split('?')[0] ?? '') === '/v1/messages' && isRecord(f.body);
}

/** Claude Code's main loop offers its agent tools; side calls (titles, quota) offer none of them. */
export function isMainRequest(body: Readonly<Record<string, unknown>>): boolean {
  const tools = Array.isArray(body['tools']) ? body['tools'] : [];
  return tools.some((t) => isRecord(t) && (t['name'] === 'Bash' || t['name'] === 'Write'));
}

/** Output the recording produced: tokens (usage, else counted deltas) and the first tool call. */
export function recordedOutput(f: Fixture): { tokens: number; tool: { name: string; input: unknown } | null } {
  let usage: number | null = null;
  let counted = 0;
  let tool: { name: string; input: unknown } | null = null;
  let json = '';
  let inTool = false;
  for (const e of f.response?.events ?? []) {
    const d = isRecord(e.data) ? e.data : {};
    if (d['type'] === 'content_block_start') {
      const block = isRecord(d['content_block']) ? d['content_block'] : {};
      inTool = block['type'] === 'tool_use' && tool === null && typeof block['name'] === 'string';
      if (inTool) tool = { name: block['name'] as string, input: {} };
    } else if (d['type'] === 'content_block_delta') {
      const delta = isRecord(d['delta']) ? d['delta'] : {};
      const piece = delta['text'] ?? delta['thinking'] ?? delta['partial_json'];
      if (typeof piece === 'string' && piece.length > 0) counted += 1;
      if (inTool && typeof delta['partial_json'] === 'string') json += delta['partial_json'];
    } else if (d['type'] === 'content_block_stop' && inTool && tool !== null) {
      inTool = false;
      try {
        tool = { name: tool.name, input: JSON.parse(json || '{}') as unknown };
      } catch {
        // keep the empty input: the emulator fills arguments from the schema
      }
    } else if (d['type'] === 'message_delta') {
      const u = isRecord(d['usage']) ? d['usage'] : {};
      if (typeof u['output_tokens'] === 'number' && u['output_tokens'] > 0) usage = u['output_tokens'];
    }
  }
  return { tokens: usage ?? counted, tool };
}

/** The `replay` workload over recorded sessions (round-robin when there are more users than recordings). */
export function replayWorkload(sessions: readonly RecordedSession[], options: ReplayOptions = {}): Workload {
  const cap = options.maxTokensCap ?? 4096;
  const think = options.thinkTimeMs ?? 1000;
  const usable = sessions.filter((s) => s.fixtures.some(isMessagesPost));
  if (usable.length === 0) throw new BenchError('BAD_INPUT', 'no recorded POST /v1/messages request to replay');
  const name = `replay:${usable.map((s) => s.name).join(',')}`;
  const model = options.model ?? 'claude-opus-5-5';

  const build = (index: number): SessionPlan => {
    const rec = usable[index % usable.length] as RecordedSession;
    const tag = `[replay ${index}] `;
    const sessionId = `00000000-0000-4000-9000-${String(index).padStart(12, '0')}`;
    const steps: SessionStep[] = [];
    let pendingSide: WorkloadRequest[] = [];
    const earlier: string[] = [];
    for (const f of rec.fixtures.filter(isMessagesPost)) {
      const body = rewriteBody(f.body as Record<string, unknown>, { model: options.model, cap, tag, directives: options.directives === true ? recordedOutput(f) : null });
      const key = promptKey(body);
      const output = recordedOutput(f);
      const request: WorkloadRequest = {
        path: f.url,
        headers: replayHeaders(f.headers, sessionId),
        body,
        kind: isMainRequest(f.body as Record<string, unknown>) ? 'main' : 'side',
        theoretical_cached_share: cachedShare(key, earlier),
        expected_output_tokens: output.tokens,
      };
      earlier.push(key);
      if (request.kind === 'side') {
        pendingSide.push(request);
        continue;
      }
      steps.push({ delay_ms: steps.length === 0 ? 0 : think, main: request, ...(pendingSide.length > 0 ? { side: pendingSide } : {}) });
      pendingSide = [];
    }
    if (pendingSide.length > 0) {
      const last = steps.pop();
      if (last === undefined) {
        // A recording of side requests only: each becomes its own step.
        for (const side of pendingSide) steps.push({ delay_ms: steps.length === 0 ? 0 : think, main: { ...side, kind: 'main' } });
      } else {
        steps.push({ ...last, side: [...(last.side ?? []), ...pendingSide] });
      }
    }
    return { id: `replay-${rec.name}-${index}`, steps };
  };

  return {
    name,
    kind: 'replay',
    describe: () => ({
      name,
      kind: 'replay',
      sessions: usable.map((s) => ({ name: s.name, requests: s.fixtures.filter(isMessagesPost).length })),
      max_tokens_cap: cap,
      think_time_ms: think,
      directives: options.directives === true,
      model_override: options.model ?? null,
    }),
    session: build,
    warmup: (index) => warmupRequest(model, name, index),
  };
}

function replayHeaders(recorded: Readonly<Record<string, string>>, sessionId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const v = recorded[name];
    if (v !== undefined) out[name] = v;
  }
  if (recorded['x-claude-code-session-id'] !== undefined) out['x-claude-code-session-id'] = sessionId;
  return out;
}

interface Rewrite {
  readonly model: string | undefined;
  readonly cap: number;
  readonly tag: string;
  readonly directives: { tokens: number; tool: { name: string; input: unknown } | null } | null;
}

/** The recorded body with the changes listed in the module doc; the recording itself is not touched. */
export function rewriteBody(body: Readonly<Record<string, unknown>>, rw: Rewrite): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  if (rw.model !== undefined) out['model'] = rw.model;
  const max = out['max_tokens'];
  out['max_tokens'] = typeof max === 'number' ? Math.min(max, rw.cap) : rw.cap;
  const messages = Array.isArray(body['messages']) ? [...(body['messages'] as unknown[])] : [];
  const firstUser = messages.findIndex((m) => isRecord(m) && m['role'] === 'user');
  if (firstUser >= 0) messages[firstUser] = prefixFirstText(messages[firstUser] as Record<string, unknown>, rw.tag);
  if (rw.directives !== null) {
    const { tokens, tool } = rw.directives;
    const directive = `[[emulate tokens=${Math.max(1, tokens)}${tool ? ` tool=${tool.name} args='${JSON.stringify(tool.input).replace(/'/g, "\\'")}'` : ''}]]`;
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i];
      if (!isRecord(m) || m['role'] !== 'user') continue;
      const content = typeof m['content'] === 'string' ? [{ type: 'text', text: m['content'] }] : Array.isArray(m['content']) ? [...(m['content'] as unknown[])] : [];
      messages[i] = { ...m, content: [...content, { type: 'text', text: directive }] };
      break;
    }
  }
  out['messages'] = messages;
  return out;
}

function prefixFirstText(message: Record<string, unknown>, tag: string): Record<string, unknown> {
  const content = message['content'];
  if (typeof content === 'string') return { ...message, content: tag + content };
  if (!Array.isArray(content)) return message;
  const blocks = [...(content as unknown[])];
  const at = blocks.findIndex((b) => isRecord(b) && b['type'] === 'text' && typeof b['text'] === 'string');
  if (at < 0) return { ...message, content: [{ type: 'text', text: tag.trim() }, ...blocks] };
  const block = blocks[at] as Record<string, unknown>;
  blocks[at] = { ...block, text: tag + String(block['text']) };
  return { ...message, content: blocks };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
