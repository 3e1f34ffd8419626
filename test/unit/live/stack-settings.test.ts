import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { conversationFacts, findRule, parseScript } from '../../../src/emulator/script.ts';
import { LIVE_FILE, LIVE_MARKER, LIVE_OUTPUT, LIVE_PROMPT, LIVE_SCRIPT_PATH, LIVE_SOURCE } from '../../../src/live/prompt.ts';
import { embeddedStackSettings, isEmbeddedStackName } from '../../../src/live/stack-settings.ts';

describe('embedded stack settings', () => {
  it('give the correct stack the tool-call flags, one window for every suite, and the script only for live-client', () => {
    expect(embeddedStackSettings('embedded', ['core'])).toMatchObject({ autoToolChoice: true, emulatorArgs: [] });
    expect(embeddedStackSettings('embedded', ['guide']).emulatorArgs).toEqual([]);
    expect(embeddedStackSettings('embedded', ['core', 'live-client']).emulatorArgs).toEqual(['--script', LIVE_SCRIPT_PATH]);
    expect(embeddedStackSettings('embedded', ['core']).description).toContain('--max-model-len 131072');
  });

  it("give the guide stack the guide's configuration", () => {
    const s = embeddedStackSettings('embedded-guide', ['live-client']);
    expect(s.autoToolChoice).toBe(false);
    expect(s.emulatorArgs).toEqual(['--max-model-len', '8192', '--script', LIVE_SCRIPT_PATH]);
    expect(s.description).toContain('guide');
    expect(isEmbeddedStackName('embedded-guide')).toBe(true);
    expect(isEmbeddedStackName('docker')).toBe(false);
  });
});

describe('the live-client script', () => {
  const script = parseScript(JSON.parse(readFileSync(LIVE_SCRIPT_PATH, 'utf8')), LIVE_SCRIPT_PATH);
  const tools = ['Bash', 'Write', 'Read', 'Edit'].map((name) => ({ name, parameters: {} }));
  const facts = (turn: number, toolResult: string | undefined, user = LIVE_PROMPT) => {
    const messages: Array<{ role: string; content: string }> = [{ role: 'user', content: user }];
    for (let i = 0; i < turn; i++) messages.push({ role: 'assistant', content: '' });
    if (toolResult !== undefined) messages.push({ role: 'tool', content: toolResult });
    return conversationFacts(messages, tools, 'm');
  };

  it('plays Write → Bash → Read → answer with the prompt’s values', () => {
    const write = findRule(script, facts(0, undefined))?.rule.reply.toolCalls?.[0];
    expect(write).toEqual({ name: 'Write', arguments: { file_path: LIVE_FILE, content: `${LIVE_SOURCE}\n` } });
    expect(findRule(script, facts(1, `File created successfully at: ${LIVE_FILE}`))?.rule.reply.toolCalls?.[0]?.arguments).toMatchObject({ command: `node ${LIVE_FILE}` });
    expect(findRule(script, facts(2, LIVE_OUTPUT))?.rule.reply.toolCalls?.[0]).toEqual({ name: 'Read', arguments: { file_path: LIVE_FILE } });
    expect(findRule(script, facts(3, `1\t${LIVE_SOURCE}`))?.rule.reply.text).toContain(LIVE_OUTPUT);
  });

  it('stops the loop when an expected result is missing, and leaves requests without the marker alone', () => {
    expect(findRule(script, facts(2, 'command not found'))?.rule.name).toBe('cc-off-script');
    expect(findRule(script, facts(0, undefined, 'What is the weather?'))).toBeUndefined();
    expect(LIVE_PROMPT.startsWith(LIVE_MARKER)).toBe(true);
  });
});
