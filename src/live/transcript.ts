/**
 * Parse what `claude -p --output-format stream-json --verbose` prints: one
 * JSON object per line (system init, assistant and user messages, then one
 * `result`). The result carries the same fields as `--output-format json`;
 * the messages before it show which tools ran and what they returned.
 * Pure: text in, data out.
 */

/** The final `{"type":"result"}` object, the fields claude-bench reads. */
export interface ClaudeResult {
  /** "success", "error_max_turns", "error_during_execution", … (is_error can be true with "success"). */
  readonly subtype: string | undefined;
  readonly is_error: boolean | undefined;
  /** Tool uses + 1 (not the number of API calls). */
  readonly num_turns: number | undefined;
  /** The final text, or the error Claude Code shows. */
  readonly result: string | undefined;
  /** Tool calls Claude Code refused (not allowed); each an object with tool_name. */
  readonly permission_denials: readonly unknown[];
  readonly duration_ms: number | undefined;
  readonly duration_api_ms: number | undefined;
  readonly ttft_ms: number | undefined;
  /** "completed", "prompt_too_long", "api_error", … */
  readonly terminal_reason: string | undefined;
  readonly api_error_status: number | null | undefined;
  readonly stop_reason: string | undefined;
}

/** One tool call the model made, as Claude Code received it. */
export interface TranscriptToolUse {
  readonly id: string;
  readonly name: string;
  readonly input: unknown;
}

/** What a tool returned, as Claude Code sent it back to the model. */
export interface TranscriptToolResult {
  readonly tool_use_id: string;
  /** The result's text (text parts joined). */
  readonly text: string;
  readonly is_error: boolean;
}

/** Everything read from the output. */
export interface ClaudeTranscript {
  readonly result: ClaudeResult | undefined;
  readonly toolUses: readonly TranscriptToolUse[];
  readonly toolResults: readonly TranscriptToolResult[];
  /** Text blocks of assistant messages, in order. */
  readonly assistantText: readonly string[];
  /** Lines that were not JSON objects (diagnostics). */
  readonly otherLines: number;
}

/** Parse stream-json (or a single `--output-format json` object). */
export function parseTranscript(stdout: string): ClaudeTranscript {
  let result: ClaudeResult | undefined;
  const toolUses: TranscriptToolUse[] = [];
  const toolResults: TranscriptToolResult[] = [];
  const assistantText: string[] = [];
  let otherLines = 0;
  for (const line of stdout.split('\n')) {
    const text = line.trim();
    if (text.length === 0) continue;
    const value = parseObject(text);
    if (!value) {
      otherLines++;
      continue;
    }
    const type = value['type'];
    if (type === 'result') result = toResult(value);
    else if (type === 'assistant' || type === 'user') {
      const message = asObject(value['message']);
      const content = message ? message['content'] : undefined;
      if (!Array.isArray(content)) continue;
      for (const raw of content) {
        const block = asObject(raw);
        if (!block) continue;
        if (type === 'assistant' && block['type'] === 'tool_use' && typeof block['name'] === 'string') {
          toolUses.push({ id: String(block['id'] ?? ''), name: block['name'], input: block['input'] });
        } else if (type === 'assistant' && block['type'] === 'text' && typeof block['text'] === 'string') {
          assistantText.push(block['text']);
        } else if (type === 'user' && block['type'] === 'tool_result') {
          toolResults.push({ tool_use_id: String(block['tool_use_id'] ?? ''), text: blockText(block['content']), is_error: block['is_error'] === true });
        }
      }
    }
  }
  return { result, toolUses, toolResults, assistantText, otherLines };
}

function toResult(v: Record<string, unknown>): ClaudeResult {
  const status = v['api_error_status'];
  return {
    subtype: str(v['subtype']),
    is_error: typeof v['is_error'] === 'boolean' ? v['is_error'] : undefined,
    num_turns: num(v['num_turns']),
    result: str(v['result']),
    permission_denials: Array.isArray(v['permission_denials']) ? v['permission_denials'] : [],
    duration_ms: num(v['duration_ms']),
    duration_api_ms: num(v['duration_api_ms']),
    ttft_ms: num(v['ttft_ms']),
    terminal_reason: str(v['terminal_reason']),
    api_error_status: status === null ? null : num(status),
    stop_reason: str(v['stop_reason']),
  };
}

/** Names of the tools in permission_denials (each `{tool_name, …}`). */
export function deniedTools(result: ClaudeResult): string[] {
  return result.permission_denials.map((d) => {
    const o = asObject(d);
    return o && typeof o['tool_name'] === 'string' ? o['tool_name'] : JSON.stringify(d);
  });
}

function blockText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content === undefined || content === null ? '' : JSON.stringify(content);
  return content
    .map((part) => {
      const o = asObject(part);
      return o && typeof o['text'] === 'string' ? o['text'] : JSON.stringify(part);
    })
    .join('\n');
}

function parseObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
