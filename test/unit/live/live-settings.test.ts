import { describe, expect, it } from 'vitest';
import { claudeCodeMaxTokens, liveSettings } from '../../../src/live/live-task.ts';
import type { Target } from '../../../src/types.ts';

const target: Target = { baseUrl: 'http://127.0.0.1:1', apiKey: 'k', model: 'claude-opus-5-5', kind: 'embedded', emulated: true, description: 'x' };

describe('live settings', () => {
  it("ask Claude Code for max_tokens 32000 (its value for a local model) unless the user's CLAUDE_CODE_MAX_OUTPUT_TOKENS says otherwise", () => {
    expect(claudeCodeMaxTokens({})).toBe(32000);
    expect(claudeCodeMaxTokens({ CLAUDE_CODE_MAX_OUTPUT_TOKENS: '8192' })).toBe(8192);
    expect(claudeCodeMaxTokens({ CLAUDE_CODE_MAX_OUTPUT_TOKENS: 'lots' })).toBe(32000);
  });

  it('bound the embedded run tightly and an external one by the request timeout', () => {
    expect(liveSettings(target, 300_000, {})).toEqual({ model: 'claude-opus-5-5', maxOutputTokens: 32000, apiTimeoutMs: 60_000, runTimeoutMs: 120_000 });
    expect(liveSettings({ ...target, kind: 'external' }, 300_000, {})).toMatchObject({ apiTimeoutMs: 300_000, runTimeoutMs: 1_800_000 });
    expect(liveSettings({ ...target, kind: 'external' }, 10_000, {})).toMatchObject({ apiTimeoutMs: 10_000, runTimeoutMs: 60_000 });
  });
});
