/**
 * In-band directives: a request can tell the emulator what to answer by
 * putting a directive in its LAST message, when that message has role
 * `user`. (Only the last one, so a tool round trip does not repeat the
 * directive once the tool result comes back.)
 *
 * Grammar (whitespace separates pairs; several directives merge, later wins):
 *
 *   directive := "[[emulate" { pair } "]]"
 *   pair      := key "=" value
 *   value     := '"' chars '"' | "'" chars "'" | bare
 *   bare      := any run of characters other than whitespace and "]"
 *   escapes inside quotes: \\  \"  \'  \n  \t  \r
 *
 * Keys:
 *   tokens=N        answer N filler tokens (before the end-of-sequence token)
 *   say="text"      answer exactly this text (split into word-piece tokens)
 *   tool=NAME       call tool NAME, if the request offers it (ignored otherwise)
 *   args='{"k":1}'  JSON object of arguments for `tool` (default: generated from its schema)
 *   ttft=MS         time to first token for this request
 *   itl=MS          time between tokens for this request
 *   abort_after=N   drop the connection after N generated tokens (fault injection)
 *   fail=STATUS     answer with this HTTP error status instead of generating (fault injection)
 *   message="text"  the error message of `fail` (default: vLLM's own wording for the status)
 *   retry_after=S   with `fail`: send a `retry-after: S` header (seconds), as a rate-limiting upstream does
 *   think="text"    reason first: stream this text as vLLM `reasoning_content` deltas before the answer
 *   calls='[{"name":"a","arguments":{…}},{"name":"b"}]'  call several tools (those the request offers), in order
 *   echo            answer with a JSON description of the request as received (path, headers with
 *                   credentials redacted, body fields, message summaries, generations in flight), so a
 *                   test can see what a gateway forwarded
 *
 * Unknown keys and malformed values are ignored and listed in `problems`.
 *
 * Example: `[[emulate say="Hello, 世界" ttft=200]]`, `[[emulate tool=get_weather args='{"city":"Paris"}']]`.
 */

export interface Directive {
  readonly tokens?: number;
  readonly say?: string;
  readonly tool?: string;
  readonly args?: Record<string, unknown>;
  readonly ttftMs?: number;
  readonly itlMs?: number;
  readonly abortAfterTokens?: number;
  readonly failStatus?: number;
  readonly failMessage?: string;
  readonly retryAfterSeconds?: number;
  readonly think?: string;
  readonly calls?: readonly DirectiveCall[];
  readonly echo?: boolean;
}

/** One entry of `calls=`. */
export interface DirectiveCall {
  readonly name: string;
  readonly arguments?: Record<string, unknown>;
}

export interface ParsedDirectives {
  /** Merged directive, or null when the text holds none. */
  readonly directive: Directive | null;
  /** What was ignored and why (for debugging scripts). */
  readonly problems: readonly string[];
}

const OPEN = '[[emulate';

/** Parse every `[[emulate …]]` in `text`. Pure. */
export function parseDirectives(text: string): ParsedDirectives {
  const problems: string[] = [];
  let found = false;
  const merged: { -readonly [K in keyof Directive]: Directive[K] } = {};
  let from = 0;
  for (;;) {
    const at = text.indexOf(OPEN, from);
    if (at < 0) break;
    const next = text.charAt(at + OPEN.length);
    if (next !== ' ' && next !== ']' && next !== '\t' && next !== '\n') {
      from = at + OPEN.length;
      continue;
    }
    const parsed = parsePairs(text, at + OPEN.length);
    from = parsed.end;
    if (!parsed.closed) {
      problems.push(`unterminated directive at ${at}`);
      break;
    }
    found = true;
    for (const [key, value] of parsed.pairs) applyPair(merged, key, value, problems);
  }
  return { directive: found ? merged : null, problems };
}

function applyPair(d: { -readonly [K in keyof Directive]: Directive[K] }, key: string, value: string, problems: string[]): void {
  const int = (min: number): number | undefined => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) {
      problems.push(`${key}=${value}: expected an integer ≥ ${min}`);
      return undefined;
    }
    return n;
  };
  const ms = (): number | undefined => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
      problems.push(`${key}=${value}: expected milliseconds ≥ 0`);
      return undefined;
    }
    return n;
  };
  switch (key) {
    case 'tokens': {
      const n = int(0);
      if (n !== undefined) d.tokens = n;
      return;
    }
    case 'say':
      d.say = value;
      return;
    case 'tool':
      if (value.length > 0) d.tool = value;
      else problems.push('tool=: empty name');
      return;
    case 'args': {
      try {
        const parsed: unknown = JSON.parse(value);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) d.args = parsed as Record<string, unknown>;
        else problems.push('args: expected a JSON object');
      } catch {
        problems.push('args: not valid JSON');
      }
      return;
    }
    case 'ttft': {
      const n = ms();
      if (n !== undefined) d.ttftMs = n;
      return;
    }
    case 'itl': {
      const n = ms();
      if (n !== undefined) d.itlMs = n;
      return;
    }
    case 'abort_after': {
      const n = int(0);
      if (n !== undefined) d.abortAfterTokens = n;
      return;
    }
    case 'fail': {
      const n = int(400);
      if (n !== undefined && n <= 599) d.failStatus = n;
      else if (n !== undefined) problems.push(`fail=${value}: expected an HTTP status 400–599`);
      return;
    }
    case 'message':
      d.failMessage = value;
      return;
    case 'retry_after': {
      const n = int(0);
      if (n !== undefined) d.retryAfterSeconds = n;
      return;
    }
    case 'think':
      d.think = value;
      return;
    case 'calls': {
      const calls = parseCalls(value);
      if (calls) d.calls = calls;
      else problems.push('calls: expected a JSON array of {"name": string, "arguments"?: object}');
      return;
    }
    case 'echo':
      if (value === '' || value === 'true' || value === '1') d.echo = true;
      else problems.push(`echo=${value}: takes no value`);
      return;
    default:
      problems.push(`unknown key ${key}`);
  }
}

function parseCalls(value: string): DirectiveCall[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return undefined;
  const calls: DirectiveCall[] = [];
  for (const entry of parsed) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
    const { name, arguments: args } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || name.length === 0) return undefined;
    if (args === undefined) calls.push({ name });
    else if (typeof args === 'object' && args !== null && !Array.isArray(args)) calls.push({ name, arguments: args as Record<string, unknown> });
    else return undefined;
  }
  return calls;
}

interface PairScan {
  readonly pairs: Array<[string, string]>;
  readonly closed: boolean;
  readonly end: number;
}

function parsePairs(text: string, start: number): PairScan {
  const pairs: Array<[string, string]> = [];
  let i = start;
  const n = text.length;
  for (;;) {
    while (i < n && /\s/.test(text.charAt(i))) i++;
    if (text.startsWith(']]', i)) return { pairs, closed: true, end: i + 2 };
    if (i >= n) return { pairs, closed: false, end: n };
    const keyMatch = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i, i + 64));
    if (!keyMatch) {
      // Skip one stray character; keeps the scanner moving on garbage.
      i++;
      continue;
    }
    const key = keyMatch[0].toLowerCase();
    i += keyMatch[0].length;
    if (text.charAt(i) !== '=') {
      pairs.push([key, '']);
      continue;
    }
    i++;
    const quote = text.charAt(i);
    if (quote === '"' || quote === "'") {
      i++;
      let value = '';
      let closed = false;
      while (i < n) {
        const c = text.charAt(i);
        if (c === '\\' && i + 1 < n) {
          const e = text.charAt(i + 1);
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          i += 2;
          continue;
        }
        if (c === quote) {
          closed = true;
          i++;
          break;
        }
        value += c;
        i++;
      }
      if (!closed) return { pairs, closed: false, end: n };
      pairs.push([key, value]);
    } else {
      const bare = /^[^\s\]]*/.exec(text.slice(i))?.[0] ?? '';
      i += bare.length;
      pairs.push([key, bare]);
    }
  }
}
