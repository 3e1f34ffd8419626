/**
 * Verdicts on one live task (pure): did the agent loop complete, is the file
 * there with the right content, was it really run and read back. Every
 * detail says what Claude Code itself reported, so a failure can be acted on.
 */
import type { CheckOutcome } from '../conform/check.ts';
import { LIVE_FILE, LIVE_OUTPUT, LIVE_SOURCE } from './prompt.ts';
import type { LiveOutcome } from './live-task.ts';
import { deniedTools, type TranscriptToolResult, type TranscriptToolUse } from './transcript.ts';

/** Tool-call markup models emit (hermes, Llama, Mistral, functionary) when the server did not parse it. */
const TOOL_CALL_MARKUP = /<tool_call>|<\|tool_call\|>|<\|python_tag\|>|\[TOOL_CALLS\]|<function=/;

/**
 * True when `text` looks like a tool call written out as plain text: known
 * tool-call markup, or a JSON object naming one of `toolNames`. Pure.
 */
export function looksLikeTextToolCall(text: string, toolNames: readonly string[] = ['Write', 'Bash', 'Read', 'Edit']): boolean {
  if (TOOL_CALL_MARKUP.test(text)) return true;
  return toolNames.some((name) => new RegExp(`"name"\\s*:\\s*"${name.replace(/[^\w-]/g, '')}"`).test(text));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function clip(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** "model claude-opus-5-5, max_tokens 32000" — what the run asked of the gateway. */
function asked(o: LiveOutcome): string {
  return `ANTHROPIC_MODEL=${o.settings.model}, CLAUDE_CODE_MAX_OUTPUT_TOKENS=${o.settings.maxOutputTokens}`;
}

/** L1: the agent loop ran to completion, with tools, without errors or refusals. */
export function judgeLoop(o: LiveOutcome): CheckOutcome {
  const r = o.transcript.result;
  const cli = `Claude Code ${o.binary.version}`;
  if (o.exit.aborted) return { status: 'fail', detail: `${cli} was stopped: the run was interrupted` };
  if (o.exit.timedOut) {
    return {
      status: 'fail',
      detail: `${cli} did not finish within ${seconds(o.settings.runTimeoutMs)} and was killed (API_TIMEOUT_MS=${o.settings.apiTimeoutMs}); a request hung or the model looped`,
      evidence: o.stderrTail || o.stdoutTail,
    };
  }
  if (!r) {
    return {
      status: 'fail',
      detail: `${cli} exited (code ${String(o.exit.code)}${o.exit.signal ? `, ${o.exit.signal}` : ''}) without a result${o.stderrTail ? `: ${clip(o.stderrTail, 200)}` : ''}`,
      evidence: o.stderrTail || o.stdoutTail,
    };
  }
  if (r.is_error === true || o.exit.code !== 0) {
    const why = [r.terminal_reason ? `terminal_reason ${r.terminal_reason}` : '', r.api_error_status ? `API status ${r.api_error_status}` : '']
      .filter(Boolean)
      .join(', ');
    return {
      status: 'fail',
      detail: `${cli} stopped with an error after ${r.num_turns ?? '?'} turn(s)${why ? ` (${why})` : ''}: ${clip(r.result ?? '')} [${asked(o)}]`,
      evidence: r.result ?? '',
    };
  }
  const denied = deniedTools(r);
  if (denied.length > 0) {
    return { status: 'fail', detail: `${cli} refused to run ${denied.join(', ')} (permission denials); the loop finished without doing the work`, evidence: JSON.stringify(r.permission_denials) };
  }
  const uses = o.transcript.toolUses;
  if (uses.length === 0) {
    const text = r.result ?? '';
    if (looksLikeTextToolCall(text)) {
      return {
        status: 'fail',
        detail: `the model's tool call came back as plain text, so ${cli} ran nothing and ended the turn; the backend needs tool-call parsing (vLLM: --enable-auto-tool-choice --tool-call-parser …)`,
        evidence: text,
      };
    }
    return { status: 'fail', detail: `the loop ended after ${r.num_turns ?? 1} turn(s) without a single tool call; the model answered: ${clip(text, 200)}`, evidence: text };
  }
  const names = uses.map((u) => u.name).join(' → ');
  const timing = [`wall ${Math.round(o.wallMs)} ms`, r.duration_ms !== undefined ? `duration_ms ${r.duration_ms}` : '', r.ttft_ms !== undefined ? `ttft_ms ${r.ttft_ms}` : '']
    .filter(Boolean)
    .join(', ');
  return { status: 'pass', detail: `${cli} completed the loop: ${r.num_turns ?? '?'} turns, tools ${names}, terminal_reason ${r.terminal_reason ?? 'n/a'}; ${timing}` };
}

/** L2: the file exists in the working folder with exactly the requested line. */
export function judgeFile(o: LiveOutcome): CheckOutcome {
  const writes = o.transcript.toolUses.filter((u) => u.name === 'Write');
  if (o.fileContent === null) {
    const tried = writes.length > 0 ? `; Write was called with ${clip(JSON.stringify(writes[0]?.input ?? null), 160)}` : '; Write was never called';
    const result = writes[0] ? resultOf(o.transcript.toolResults, writes[0]) : undefined;
    return { status: 'fail', detail: `${LIVE_FILE} is not in Claude Code's working folder${tried}`, evidence: result?.text ?? o.transcript.result?.result ?? '' };
  }
  if (o.fileContent.trim() !== LIVE_SOURCE) {
    return { status: 'fail', detail: `${LIVE_FILE} was written, but its content is not the requested line`, evidence: o.fileContent };
  }
  return { status: 'pass', detail: `${LIVE_FILE} exists with the requested content (${Buffer.byteLength(o.fileContent)} bytes)` };
}

/** L3: Bash ran the file and its output came back in a tool_result; Read returned the source. */
export function judgeRan(o: LiveOutcome): CheckOutcome {
  const { toolUses, toolResults } = o.transcript;
  const bash = toolUses.filter((u) => u.name === 'Bash');
  if (bash.length === 0) {
    return { status: 'fail', detail: `Claude Code never called Bash, so ${LIVE_FILE} was not run`, evidence: o.transcript.result?.result ?? '' };
  }
  const ran = bash.map((u) => resultOf(toolResults, u)).find((res) => res !== undefined && !res.is_error && res.text.includes(LIVE_OUTPUT));
  if (!ran) {
    const first = resultOf(toolResults, bash[0] as TranscriptToolUse);
    return {
      status: 'fail',
      detail: `Bash was called (${clip(JSON.stringify(bash[0]?.input ?? null), 120)}) but no tool_result carried the program's output "${LIVE_OUTPUT}"`,
      evidence: first?.text ?? 'no tool_result for the Bash call',
    };
  }
  const read = toolUses
    .filter((u) => u.name === 'Read')
    .map((u) => resultOf(toolResults, u))
    .find((res) => res !== undefined && !res.is_error && res.text.includes(LIVE_SOURCE));
  const answered = (o.transcript.result?.result ?? '').includes(LIVE_OUTPUT);
  const tail = `${answered ? '; the final answer quotes it' : '; the final answer does not quote it'}`;
  if (!read) {
    return { status: 'warn', detail: `Bash ran ${LIVE_FILE} and its output "${LIVE_OUTPUT}" came back, but the file was not read back with Read${tail}` };
  }
  return { status: 'pass', detail: `Bash ran ${LIVE_FILE} ("${LIVE_OUTPUT}" came back in a tool_result) and Read returned its source${tail}` };
}

function resultOf(results: readonly TranscriptToolResult[], use: TranscriptToolUse): TranscriptToolResult | undefined {
  return results.find((r) => r.tool_use_id === use.id);
}
