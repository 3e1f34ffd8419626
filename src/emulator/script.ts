/**
 * Scripts: deterministic, data-only replies for the emulator (a JSON file
 * given to `claude-bench emulate --script FILE`, or `startEmulator({script})`).
 *
 * A script is an ordered list of rules; the first rule whose `match` holds
 * answers. Every condition in `match` must hold (an empty match always does).
 *
 *   {
 *     "rules": [
 *       { "name": "write", "match": { "turn": 0, "toolOffered": "Write" },
 *         "reply": { "toolCalls": [{ "name": "Write", "arguments": { "file_path": "/tmp/x/hello.py", "content": "print('hi')\n" } }] } },
 *       { "match": { "turn": 1, "toolResultIncludes": "created" },
 *         "reply": { "toolCalls": [{ "name": "Bash", "arguments": { "command": "python3 /tmp/x/hello.py" } }] } },
 *       { "match": { "turn": 2 }, "reply": { "toolCalls": [{ "name": "Read" }] } },
 *       { "match": { "toolsOffered": true }, "reply": { "text": "All done." } },
 *       { "reply": { "text": { "tokens": 40 } } }
 *     ]
 *   }
 *
 * Conditions (all optional):
 *   turn                number of assistant messages already in the history
 *   lastUserIncludes    text of the last `user` message contains this
 *   systemIncludes      text of the `system`/`developer` messages contains this
 *   toolsOffered        the request offers tools (true) / none (false)
 *   toolOffered         the request offers a tool of this name
 *   toolResultIncludes  a `tool` message after the last assistant message contains this
 *   model               the request's `model` equals this
 *
 * Reply fields (all optional):
 *   text         exact text, or { "tokens": N } filler tokens
 *   toolCalls    [{ name, arguments? }]; arguments default to a minimal value from the tool's schema
 *   ttftMs, itlMs       timing for this reply
 *   abortAfterTokens    drop the connection after N tokens (fault injection)
 *   failStatus          answer with this HTTP error status (fault injection)
 *
 * The request's `tool_choice` still binds the reply (see reply.ts).
 */
import { BenchError } from '../errors.ts';
import type { ChatMessage, ToolSpec } from './request.ts';
import { contentText } from './tokens.ts';

export interface ScriptMatch {
  readonly turn?: number;
  readonly lastUserIncludes?: string;
  readonly systemIncludes?: string;
  readonly toolsOffered?: boolean;
  readonly toolOffered?: string;
  readonly toolResultIncludes?: string;
  readonly model?: string;
}

export interface ScriptToolCall {
  readonly name: string;
  readonly arguments?: Readonly<Record<string, unknown>>;
}

export interface ScriptReply {
  readonly text?: string | { readonly tokens: number };
  readonly toolCalls?: readonly ScriptToolCall[];
  readonly ttftMs?: number;
  readonly itlMs?: number;
  readonly abortAfterTokens?: number;
  readonly failStatus?: number;
}

export interface ScriptRule {
  readonly name?: string;
  readonly match?: ScriptMatch;
  readonly reply: ScriptReply;
}

export interface Script {
  readonly rules: readonly ScriptRule[];
}

/** What a conversation looks like to the matcher. */
export interface ConversationFacts {
  readonly turn: number;
  readonly lastUserText: string;
  readonly systemText: string;
  /** Text of `tool` messages after the last assistant message. */
  readonly recentToolResults: readonly string[];
  readonly toolNames: readonly string[];
  readonly model: string | undefined;
}

/** Extract the facts rules match on. Pure. */
export function conversationFacts(
  messages: readonly ChatMessage[],
  tools: readonly ToolSpec[],
  model: string | undefined,
): ConversationFacts {
  let turn = 0;
  let lastUserText = '';
  const system: string[] = [];
  let recent: string[] = [];
  for (const m of messages) {
    if (m.role === 'assistant') {
      turn++;
      recent = [];
    } else if (m.role === 'user') {
      lastUserText = contentText(m.content);
    } else if (m.role === 'system' || m.role === 'developer') {
      system.push(contentText(m.content));
    } else if (m.role === 'tool') {
      recent.push(contentText(m.content));
    }
  }
  return { turn, lastUserText, systemText: system.join('\n'), recentToolResults: recent, toolNames: tools.map((t) => t.name), model };
}

/** True when every condition of `match` holds for `facts`. */
export function ruleMatches(match: ScriptMatch | undefined, facts: ConversationFacts): boolean {
  if (!match) return true;
  if (match.turn !== undefined && match.turn !== facts.turn) return false;
  if (match.lastUserIncludes !== undefined && !facts.lastUserText.includes(match.lastUserIncludes)) return false;
  if (match.systemIncludes !== undefined && !facts.systemText.includes(match.systemIncludes)) return false;
  if (match.toolsOffered !== undefined && match.toolsOffered !== facts.toolNames.length > 0) return false;
  if (match.toolOffered !== undefined && !facts.toolNames.includes(match.toolOffered)) return false;
  if (match.toolResultIncludes !== undefined) {
    const needle = match.toolResultIncludes;
    if (!facts.recentToolResults.some((r) => r.includes(needle))) return false;
  }
  if (match.model !== undefined && match.model !== facts.model) return false;
  return true;
}

/** The first matching rule and its position, or undefined. */
export function findRule(script: Script, facts: ConversationFacts): { rule: ScriptRule; index: number } | undefined {
  for (let index = 0; index < script.rules.length; index++) {
    const rule = script.rules[index];
    if (rule && ruleMatches(rule.match, facts)) return { rule, index };
  }
  return undefined;
}

// ─── Parsing (validation of untrusted JSON) ──────────────────────────────────

/**
 * Check a parsed JSON value and return it as a Script. Accepts `{ "rules": [...] }`
 * or a bare array of rules. Throws BenchError BAD_CONFIG naming `source` and the field.
 */
export function parseScript(value: unknown, source: string): Script {
  const where = (path: string, problem: string): BenchError =>
    new BenchError('BAD_CONFIG', `script ${source}: ${path}: ${problem}`, {
      hint: 'see the Script format in src/emulator/script.ts',
    });
  const rulesRaw = Array.isArray(value) ? value : isObject(value) ? value['rules'] : undefined;
  if (!Array.isArray(rulesRaw)) throw where('rules', 'expected an array of rules (or a top-level array)');
  if (isObject(value)) rejectUnknown(value, ['rules', '$schema', 'description'], '', where);

  const rules = rulesRaw.map((raw, i): ScriptRule => {
    const at = `rules[${i}]`;
    if (!isObject(raw)) throw where(at, 'expected an object');
    rejectUnknown(raw, ['name', 'match', 'reply', 'description'], at, where);
    const name = optString(raw, 'name', at, where);
    const match = raw['match'] === undefined ? undefined : parseMatch(raw['match'], `${at}.match`, where);
    if (raw['reply'] === undefined) throw where(`${at}.reply`, 'missing');
    const reply = parseReply(raw['reply'], `${at}.reply`, where);
    return { ...(name !== undefined ? { name } : {}), ...(match !== undefined ? { match } : {}), reply };
  });
  return { rules };
}

type Where = (path: string, problem: string) => BenchError;

function parseMatch(raw: unknown, at: string, where: Where): ScriptMatch {
  if (!isObject(raw)) throw where(at, 'expected an object');
  rejectUnknown(raw, ['turn', 'lastUserIncludes', 'systemIncludes', 'toolsOffered', 'toolOffered', 'toolResultIncludes', 'model'], at, where);
  const out: { -readonly [K in keyof ScriptMatch]: ScriptMatch[K] } = {};
  const turn = raw['turn'];
  if (turn !== undefined) {
    if (typeof turn !== 'number' || !Number.isInteger(turn) || turn < 0) throw where(`${at}.turn`, 'expected an integer ≥ 0');
    out.turn = turn;
  }
  for (const key of ['lastUserIncludes', 'systemIncludes', 'toolOffered', 'toolResultIncludes', 'model'] as const) {
    const v = optString(raw, key, at, where);
    if (v !== undefined) out[key] = v;
  }
  const offered = raw['toolsOffered'];
  if (offered !== undefined) {
    if (typeof offered !== 'boolean') throw where(`${at}.toolsOffered`, 'expected true or false');
    out.toolsOffered = offered;
  }
  return out;
}

function parseReply(raw: unknown, at: string, where: Where): ScriptReply {
  if (!isObject(raw)) throw where(at, 'expected an object');
  rejectUnknown(raw, ['text', 'toolCalls', 'ttftMs', 'itlMs', 'abortAfterTokens', 'failStatus'], at, where);
  const out: { -readonly [K in keyof ScriptReply]: ScriptReply[K] } = {};
  const text = raw['text'];
  if (text !== undefined) {
    if (typeof text === 'string') out.text = text;
    else if (isObject(text) && Object.keys(text).length === 1 && isCount(text['tokens'])) out.text = { tokens: text['tokens'] };
    else throw where(`${at}.text`, 'expected a string or { "tokens": N } with N an integer ≥ 0');
  }
  const calls = raw['toolCalls'];
  if (calls !== undefined) {
    if (!Array.isArray(calls)) throw where(`${at}.toolCalls`, 'expected an array');
    out.toolCalls = calls.map((c, j): ScriptToolCall => {
      const cat = `${at}.toolCalls[${j}]`;
      if (!isObject(c)) throw where(cat, 'expected an object');
      rejectUnknown(c, ['name', 'arguments'], cat, where);
      if (typeof c['name'] !== 'string' || c['name'].length === 0) throw where(`${cat}.name`, 'expected a non-empty string');
      const args = c['arguments'];
      if (args !== undefined && !isObject(args)) throw where(`${cat}.arguments`, 'expected a JSON object');
      return args === undefined ? { name: c['name'] } : { name: c['name'], arguments: args };
    });
  }
  for (const key of ['ttftMs', 'itlMs'] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw where(`${at}.${key}`, 'expected milliseconds ≥ 0');
    out[key] = v;
  }
  const abort = raw['abortAfterTokens'];
  if (abort !== undefined) {
    if (!isCount(abort)) throw where(`${at}.abortAfterTokens`, 'expected an integer ≥ 0');
    out.abortAfterTokens = abort;
  }
  const failStatus = raw['failStatus'];
  if (failStatus !== undefined) {
    if (typeof failStatus !== 'number' || !Number.isInteger(failStatus) || failStatus < 400 || failStatus > 599) {
      throw where(`${at}.failStatus`, 'expected an HTTP status 400–599');
    }
    out.failStatus = failStatus;
  }
  return out;
}

function optString(raw: Record<string, unknown>, key: string, at: string, where: Where): string | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw where(at ? `${at}.${key}` : key, 'expected a string');
  return v;
}

function rejectUnknown(raw: Record<string, unknown>, allowed: readonly string[], at: string, where: Where): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) throw where(at ? `${at}.${key}` : key, `unknown field (allowed: ${allowed.join(', ')})`);
  }
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
