/**
 * Shared by the catalogue checks of areas S, U, K, G, P, E and X: exchanges
 * under one key prefix, `[[emulate …]]` directives, the one-time probe that
 * tells a scriptable upstream (the vLLM emulator, which obeys directives)
 * from a real model (which ignores them), reading any answer (stream or
 * message) the same way, and the repeat rule for model-dependent checks.
 *
 * On a scriptable upstream every answer is deterministic, so a check judges
 * once and strictly. On a real model a check whose outcome depends on what
 * the model writes runs MODEL_RUNS times and reports a pass rate; a check
 * that needs a script (a failure injected upstream, an echo of what arrived)
 * reports `skip` with the reason.
 */
import type { Observation, RequestSpec, SseEvent, Target } from '../../types.ts';
import { outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { WEATHER_TOOL } from '../exchanges.ts';
import { accumulateStream } from '../stream-accumulator.ts';
import type { StreamViolation } from '../stream-checker.ts';
import { bodyText, ensureAnswered, isObject, parseJson, readMessage, readStream, type Json, type Read } from './support.ts';

/** Exchange keys of these checks start with this. */
export const KEY_PREFIX = 'cb:';

/** How often a model-dependent check runs against a target that is not scriptable. */
export const MODEL_RUNS = 3;

/** Send (or reuse) one of these checks' exchanges. */
export function send(ctx: CheckContext, key: string, spec: RequestSpec): Promise<Observation> {
  return ctx.exchange(`${KEY_PREFIX}${key}`, spec);
}

/** The key of attempt `n` (0-based) of a repeated exchange: the first is shared with other checks. */
export function attemptKey(key: string, attempt: number): string {
  return attempt === 0 ? key : `${key}#${attempt + 1}`;
}

type DirectiveValue = string | number | boolean | undefined;

/**
 * `[[emulate k=v …]]`: numbers and plain words bare, other strings
 * single-quoted with `\` and `'` escaped (the emulator's parser turns `\n`
 * into a newline, so a backslash is always doubled), `true` as a bare key,
 * `undefined` left out. The scripted answer comes at once (ttft=0 itl=0)
 * unless the check sets its own timing: only timing checks need time to pass.
 */
export function emulate(pairs: Readonly<Record<string, DirectiveValue>>): string {
  const parts: string[] = [];
  const all: Readonly<Record<string, DirectiveValue>> = { ttft: 0, itl: 0, ...pairs };
  for (const [key, value] of Object.entries(all)) {
    if (value === undefined || value === false) continue;
    if (value === true) parts.push(key);
    else if (typeof value === 'number' || /^[A-Za-z0-9_.:/-]+$/.test(value)) parts.push(`${key}=${value}`);
    else parts.push(`${key}='${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
  }
  return `[[emulate ${parts.join(' ')}]]`;
}

/** A POST to /v1/messages (or `path`) with the target's model. */
export function messages(target: Pick<Target, 'model'>, body: Json, options: { path?: string; headers?: Record<string, string> } = {}): RequestSpec {
  return {
    method: 'POST',
    path: options.path ?? '/v1/messages',
    body: { model: target.model, ...body },
    ...(options.headers ? { headers: options.headers } : {}),
  };
}

/** One user turn. */
export function userTurn(content: unknown): Json[] {
  return [{ role: 'user', content }];
}

// ─── The scriptability probe ─────────────────────────────────────────────────

/** What the emulator answers the probe; no model writes it unprompted. */
export const PROBE_MARKER = 'claude-bench scripted upstream 4217';

function probeSpec(target: Target): RequestSpec {
  return messages(target, { max_tokens: 32, messages: userTurn(`Reply with one short greeting. ${emulate({ say: PROBE_MARKER })}`) });
}

/**
 * True when the target's upstream obeys `[[emulate …]]` directives: the
 * probe's answer is exactly the scripted text. Sent once per run.
 */
export async function isScripted(ctx: CheckContext): Promise<boolean> {
  const obs = await send(ctx, 'probe', probeSpec(ctx.target));
  ensureAnswered(obs);
  const read = readMessage(obs, 'the scripting probe');
  return read.ok && textOfBlocks(blocksOf(read.value)).trim() === PROBE_MARKER;
}

/** The skip a check reports when it needs a scripted upstream and the target has none. */
export function notScripted(what: string): CheckOutcome {
  return outcome(
    'skip',
    `the target does not obey [[emulate …]] directives (a real model answers), so ${what} cannot be set up; run it against the embedded stack or a gateway in front of \`claude-bench emulate\``,
  );
}

// ─── Reading answers ─────────────────────────────────────────────────────────

/** A streamed or plain answer, read the same way. */
export interface Answer {
  readonly streamed: boolean;
  /** Final content blocks (streamed tool inputs parsed from the deltas, as Claude Code builds them). */
  readonly blocks: readonly Json[];
  /** All text blocks joined. */
  readonly text: string;
  readonly stopReason: unknown;
  readonly stopSequence: unknown;
  readonly usage: Json | null;
  /** Grammar violations (streams only). */
  readonly violations: readonly StreamViolation[];
  readonly events: readonly SseEvent[];
  /** The body or the frames, for evidence. */
  readonly evidence: string;
}

export function blocksOf(message: Json): Json[] {
  return Array.isArray(message['content']) ? (message['content'] as unknown[]).filter(isObject) : [];
}

export function textOfBlocks(blocks: readonly Json[]): string {
  return blocks.map((b) => (b['type'] === 'text' && typeof b['text'] === 'string' ? b['text'] : '')).join('');
}

/** Read an answer: a stream when the request streamed, else a Message; failures become the outcome. */
export function readAnswer(obs: Observation, what: string): Read<Answer> {
  ensureAnswered(obs);
  const streamed = obs.events.length > 0 || (obs.headers['content-type'] ?? '').includes('text/event-stream');
  if (!streamed) {
    const read = readMessage(obs, what);
    if (!read.ok) return read;
    const blocks = blocksOf(read.value);
    return {
      ok: true,
      value: {
        streamed: false,
        blocks,
        text: textOfBlocks(blocks),
        stopReason: read.value['stop_reason'],
        stopSequence: read.value['stop_sequence'],
        usage: isObject(read.value['usage']) ? read.value['usage'] : null,
        violations: [],
        events: [],
        evidence: obs.body ?? '',
      },
    };
  }
  const read = readStream(obs, what);
  if (!read.ok) return read;
  const acc = accumulateStream(read.value);
  const evidence = read.value.map((e) => e.raw).join('\n');
  if (acc.message === null) {
    return { ok: false, outcome: outcome('fail', `${what}: the stream has no message_start a client could read (see S1/S2)`, read.value[0]?.raw ?? evidence) };
  }
  const blocks = acc.message.content.filter((b): b is Json => isObject(b));
  return {
    ok: true,
    value: {
      streamed: true,
      blocks,
      text: textOfBlocks(blocks),
      stopReason: acc.message.stop_reason,
      stopSequence: acc.message.stop_sequence,
      usage: acc.message.usage,
      violations: acc.violations,
      events: read.value,
      evidence,
    },
  };
}

/** The tool_use blocks of an answer. */
export function toolUses(answer: Answer): Json[] {
  return answer.blocks.filter((b) => b['type'] === 'tool_use');
}

/** The parsed JSON error body of a non-2xx answer, or null. */
export function errorBody(obs: Observation): { type: unknown; message: unknown } | null {
  const body = parseJson(obs.body);
  const err = isObject(body) && isObject(body['error']) ? body['error'] : null;
  return err ? { type: err['type'], message: err['message'] } : null;
}

/** The error message text of an answer (the envelope's message, else the raw body). */
export function errorText(obs: Observation): string {
  const err = errorBody(obs);
  if (err && typeof err.message === 'string') return err.message;
  return bodyText(obs);
}

// ─── Echo (what the upstream received) ───────────────────────────────────────

/** What the emulator's `echo` reports it received. */
export interface Echo {
  readonly path: string;
  readonly query: string;
  readonly activeGenerations: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Json;
}

/** The echo in an answer's text, or null when the upstream did not echo. */
export function echoOf(answer: Answer): Echo | null {
  const start = answer.text.indexOf('{"echo":"claude-bench-emulator"');
  if (start < 0) return null;
  const parsed = parseJson(answer.text.slice(start).trim());
  if (!isObject(parsed)) return null;
  const headers = isObject(parsed['headers']) ? parsed['headers'] : {};
  return {
    path: typeof parsed['path'] === 'string' ? parsed['path'] : '',
    query: typeof parsed['query'] === 'string' ? parsed['query'] : '',
    activeGenerations: typeof parsed['active_generations'] === 'number' ? parsed['active_generations'] : 0,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])),
    body: isObject(parsed['body']) ? parsed['body'] : {},
  };
}

/** A request whose answer is the upstream's echo (non-streaming, big enough a budget). */
export function echoSpec(target: Pick<Target, 'model'>, prompt: string, extra: Json = {}, options: { path?: string; headers?: Record<string, string> } = {}): RequestSpec {
  return messages(target, { max_tokens: 1024, messages: userTurn(`${prompt} ${emulate({ echo: true })}`), ...extra }, options);
}

// ─── Repeats and pass rates ──────────────────────────────────────────────────

/** One judged attempt. `counted` is false when the model did not do what the check needs (no verdict on the gateway). */
export interface Trial {
  readonly outcome: CheckOutcome;
  readonly counted: boolean;
}

export function counted(result: CheckOutcome): Trial {
  return { outcome: result, counted: true };
}

export function uncounted(detail: string, evidence?: string): Trial {
  return { outcome: outcome('skip', detail, evidence), counted: false };
}

const RANK = { pass: 0, skip: 0, warn: 1, fail: 2 } as const;

/**
 * Judge once on a scripted upstream; else MODEL_RUNS times and report the
 * pass rate. The worst counted attempt decides; none counted is a skip.
 */
export async function judgeRepeatedly(ctx: CheckContext, judge: (attempt: number, scripted: boolean) => Promise<Trial>): Promise<CheckOutcome> {
  const scripted = await isScripted(ctx);
  if (scripted) return (await judge(0, true)).outcome;
  const trials: Trial[] = [];
  for (let i = 0; i < MODEL_RUNS && !ctx.signal?.aborted; i++) trials.push(await judge(i, false));
  return summarizeTrials(trials);
}

/** The verdict over repeated attempts (pure). */
export function summarizeTrials(trials: readonly Trial[]): CheckOutcome {
  const runs = trials.length;
  const kept = trials.filter((t) => t.counted);
  if (kept.length === 0) {
    const first = trials[0]?.outcome.detail ?? 'no attempt ran';
    return outcome('skip', `in ${runs} run(s) against a real model: ${first}`);
  }
  const worst = kept.reduce((a, b) => (RANK[b.outcome.status] > RANK[a.outcome.status] ? b : a));
  const passes = kept.filter((t) => t.outcome.status === 'pass').length;
  const rate = `pass rate ${passes}/${kept.length}${kept.length < runs ? ` (${runs - kept.length} of ${runs} runs not judgeable)` : ''}`;
  const status = worst.outcome.status === 'skip' ? 'pass' : worst.outcome.status;
  return outcome(status, `${rate}; ${status === 'pass' ? '' : 'first problem: '}${worst.outcome.detail}`, worst.outcome.evidence);
}

// ─── Shared requests ─────────────────────────────────────────────────────────

/** A second small tool, for parallel calls. */
export const TIME_TOOL = {
  name: 'get_time',
  description: 'Get the current local time in a time zone.',
  input_schema: {
    type: 'object',
    properties: { timezone: { type: 'string', description: 'IANA time zone, e.g. Asia/Tokyo' } },
    required: ['timezone'],
  },
} as const;

/** The weather question without tool_choice: the model decides, as with Claude Code (which never forces a tool). */
export function autoToolSpec(target: Pick<Target, 'model'>, stream: boolean): RequestSpec {
  return messages(target, {
    max_tokens: 256,
    ...(stream ? { stream: true } : {}),
    tools: [WEATHER_TOOL],
    messages: userTurn(`What is the weather in Paris right now? Use the get_weather tool. ${emulate({ tool: WEATHER_TOOL.name, args: '{"city":"Paris","unit":"celsius"}' })}`),
  });
}

/** The auto tool-choice pair (stream, plain): U3, P4 and S13 read them. */
export const AUTO_TOOL_EXCHANGES = {
  'tool-auto-stream': 'the streamed tool call chosen by the model (no tool_choice)',
  'tool-auto-plain': 'the non-streamed tool call chosen by the model (no tool_choice)',
} as const;

export function autoToolExchange(ctx: CheckContext, name: keyof typeof AUTO_TOOL_EXCHANGES): Promise<Observation> {
  return send(ctx, name, autoToolSpec(ctx.target, name === 'tool-auto-stream'));
}

/** Sleep `ms`, ending early when the run is cancelled. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
