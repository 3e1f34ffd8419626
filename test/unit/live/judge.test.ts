import { describe, expect, it } from 'vitest';
import { judgeFile, judgeLoop, judgeRan, looksLikeTextToolCall } from '../../../src/live/judge.ts';
import type { LiveOutcome } from '../../../src/live/live-task.ts';
import { LIVE_OUTPUT, LIVE_SOURCE } from '../../../src/live/prompt.ts';
import type { ClaudeResult, ClaudeTranscript } from '../../../src/live/transcript.ts';

const okResult: ClaudeResult = {
  subtype: 'success',
  is_error: false,
  num_turns: 4,
  result: `hello.mjs printed: ${LIVE_OUTPUT}`,
  permission_denials: [],
  duration_ms: 900,
  duration_api_ms: 600,
  ttft_ms: 200,
  terminal_reason: 'completed',
  api_error_status: null,
  stop_reason: 'end_turn',
};

const okTranscript: ClaudeTranscript = {
  result: okResult,
  toolUses: [
    { id: 'w', name: 'Write', input: { file_path: 'hello.mjs', content: LIVE_SOURCE } },
    { id: 'b', name: 'Bash', input: { command: 'node hello.mjs' } },
    { id: 'r', name: 'Read', input: { file_path: 'hello.mjs' } },
  ],
  toolResults: [
    { tool_use_id: 'w', text: 'File created successfully at: hello.mjs', is_error: false },
    { tool_use_id: 'b', text: LIVE_OUTPUT, is_error: false },
    { tool_use_id: 'r', text: `1\t${LIVE_SOURCE}\n2\t`, is_error: false },
  ],
  assistantText: [],
  otherLines: 0,
};

function outcome(over: Partial<LiveOutcome> = {}, transcript: Partial<ClaudeTranscript> = {}): LiveOutcome {
  return {
    binary: { path: '/x/claude', version: '2.1.332' },
    settings: { model: 'claude-opus-5-5', maxOutputTokens: 32000, apiTimeoutMs: 60000, runTimeoutMs: 120000 },
    exit: { code: 0, signal: null, timedOut: false, aborted: false },
    wallMs: 1200,
    transcript: { ...okTranscript, ...transcript },
    fileContent: `${LIVE_SOURCE}\n`,
    stderrTail: '',
    stdoutTail: '',
    ...over,
  };
}

describe('live-client judgements', () => {
  it('pass on a complete run', () => {
    expect(judgeLoop(outcome()).status).toBe('pass');
    expect(judgeLoop(outcome()).detail).toContain('Write → Bash → Read');
    expect(judgeFile(outcome()).status).toBe('pass');
    expect(judgeRan(outcome()).status).toBe('pass');
  });

  it('L1 fails on an error result, a timeout, no result, refused tools, text tool calls, or no tool call', () => {
    const error = judgeLoop(outcome({ exit: { code: 1, signal: null, timedOut: false, aborted: false } }, {
      result: { ...okResult, is_error: true, num_turns: 1, terminal_reason: 'prompt_too_long', api_error_status: 400, result: 'Prompt is too long' },
      toolUses: [],
    }));
    expect(error.status).toBe('fail');
    expect(error.detail).toContain('terminal_reason prompt_too_long, API status 400');
    expect(error.detail).toContain('CLAUDE_CODE_MAX_OUTPUT_TOKENS=32000');

    expect(judgeLoop(outcome({ exit: { code: null, signal: 'SIGTERM', timedOut: true, aborted: false } }, { result: undefined })).detail).toContain('did not finish');
    expect(judgeLoop(outcome({ exit: { code: 2, signal: null, timedOut: false, aborted: false }, stderrTail: 'boom' }, { result: undefined })).detail).toContain('without a result: boom');

    const denied = judgeLoop(outcome({}, { result: { ...okResult, permission_denials: [{ tool_name: 'Write' }, { tool_name: 'Bash' }] } }));
    expect(denied.status).toBe('fail');
    expect(denied.detail).toContain('refused to run Write, Bash');

    const text = judgeLoop(outcome({}, { toolUses: [], result: { ...okResult, num_turns: 1, result: '<tool_call>{"name":"Write","arguments":{}}</tool_call>' } }));
    expect(text.status).toBe('fail');
    expect(text.detail).toContain('plain text');

    const none = judgeLoop(outcome({}, { toolUses: [], result: { ...okResult, num_turns: 1, result: 'I cannot do that.' } }));
    expect(none.status).toBe('fail');
    expect(none.detail).toContain('without a single tool call');
  });

  it('L2 fails when the file is missing or differs', () => {
    const missing = judgeFile(outcome({ fileContent: null }));
    expect(missing.status).toBe('fail');
    expect(missing.detail).toContain('Write was called with');
    const differs = judgeFile(outcome({ fileContent: 'console.log(1)\n' }));
    expect(differs.status).toBe('fail');
    expect(differs.evidence).toBe('console.log(1)\n');
  });

  it('L3 fails without Bash or without the output, warns without the Read', () => {
    const noBash = judgeRan(outcome({}, { toolUses: okTranscript.toolUses.filter((u) => u.name !== 'Bash') }));
    expect(noBash.status).toBe('fail');
    const noOutput = judgeRan(outcome({}, { toolResults: okTranscript.toolResults.map((r) => (r.tool_use_id === 'b' ? { ...r, text: 'node: not found', is_error: true } : r)) }));
    expect(noOutput.status).toBe('fail');
    expect(noOutput.evidence).toBe('node: not found');
    const noRead = judgeRan(outcome({}, { toolUses: okTranscript.toolUses.filter((u) => u.name !== 'Read') }));
    expect(noRead.status).toBe('warn');
  });

  it('recognises tool calls written as text', () => {
    expect(looksLikeTextToolCall('<tool_call>\n{"name": "get_weather"}\n</tool_call>')).toBe(true);
    expect(looksLikeTextToolCall('[TOOL_CALLS] [{"name": "x"}]')).toBe(true);
    expect(looksLikeTextToolCall('{"name": "get_weather", "arguments": {}}', ['get_weather'])).toBe(true);
    expect(looksLikeTextToolCall('The weather in Paris is mild.', ['get_weather'])).toBe(false);
  });
});
