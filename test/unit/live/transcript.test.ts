import { describe, expect, it } from 'vitest';
import { deniedTools, parseTranscript } from '../../../src/live/transcript.ts';

const lines = [
  '{"type":"system","subtype":"init","cwd":"/tmp/w","tools":["Bash","Write"]}',
  '{"type":"assistant","message":{"content":[{"type":"text","text":"Creating it."},{"type":"tool_use","id":"toolu_1","name":"Write","input":{"file_path":"a.txt","content":"A"}}]}}',
  '{"type":"user","message":{"content":[{"tool_use_id":"toolu_1","type":"tool_result","content":"File created successfully at: a.txt"}]}}',
  '{"type":"assistant","message":{"content":[{"type":"tool_use","id":"toolu_2","name":"Bash","input":{"command":"cat a.txt"}}]}}',
  '{"type":"user","message":{"content":[{"tool_use_id":"toolu_2","type":"tool_result","content":[{"type":"text","text":"A"}],"is_error":true}]}}',
  'not json at all',
  '{"type":"result","subtype":"success","is_error":false,"num_turns":3,"result":"done","permission_denials":[{"tool_name":"Edit","tool_use_id":"x","tool_input":{}}],"duration_ms":700,"duration_api_ms":300,"ttft_ms":90,"terminal_reason":"completed","api_error_status":null,"stop_reason":"end_turn"}',
];

describe('parseTranscript', () => {
  it('reads tool uses, tool results, text and the final result from stream-json', () => {
    const t = parseTranscript(lines.join('\n'));
    expect(t.toolUses).toEqual([
      { id: 'toolu_1', name: 'Write', input: { file_path: 'a.txt', content: 'A' } },
      { id: 'toolu_2', name: 'Bash', input: { command: 'cat a.txt' } },
    ]);
    expect(t.toolResults).toEqual([
      { tool_use_id: 'toolu_1', text: 'File created successfully at: a.txt', is_error: false },
      { tool_use_id: 'toolu_2', text: 'A', is_error: true },
    ]);
    expect(t.assistantText).toEqual(['Creating it.']);
    expect(t.otherLines).toBe(1);
    expect(t.result).toMatchObject({ subtype: 'success', is_error: false, num_turns: 3, result: 'done', duration_ms: 700, ttft_ms: 90, terminal_reason: 'completed', api_error_status: null });
    expect(deniedTools(t.result!)).toEqual(['Edit']);
  });

  it('reads a single --output-format json object, and nothing from empty output', () => {
    const t = parseTranscript('{"type":"result","subtype":"success","is_error":true,"num_turns":1,"result":"Prompt is too long","api_error_status":400,"terminal_reason":"prompt_too_long"}\n');
    expect(t.result).toMatchObject({ is_error: true, api_error_status: 400, terminal_reason: 'prompt_too_long', permission_denials: [] });
    expect(parseTranscript('').result).toBeUndefined();
  });
});
