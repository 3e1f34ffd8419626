import { describe, expect, it } from 'vitest';
import {
  CC_BETA_FLAGS,
  CC_BILLING_BLOCK_TEXT,
  CC_MAX_TOKENS_UNKNOWN_MODEL,
  CC_MESSAGES_PATH,
  CC_OBSERVED_SIZES,
  ccHeaders,
  ccRequestBody,
  ccRequestSpec,
  ccSystemBlocks,
  ccSystemMessage,
  ccTools,
  fillerText,
} from '../../../../src/claude-code/shapes.ts';

describe('fillerText', () => {
  it('is exactly the asked length, ASCII, and deterministic', () => {
    for (const n of [0, 1, 17, 580, 7030]) {
      const text = fillerText(n, 2);
      expect(text.length).toBe(n);
      expect(Buffer.byteLength(text)).toBe(n);
      expect(fillerText(n, 2)).toBe(text);
    }
    expect(fillerText(200, 1)).not.toBe(fillerText(200, 2));
  });
});

describe('the Claude-Code-shaped first request', () => {
  it('has the system blocks of the real client: billing block first, then two cached blocks, 7374 bytes of text', () => {
    const blocks = ccSystemBlocks();
    expect(blocks).toHaveLength(3);
    expect(blocks[0]).toEqual({ type: 'text', text: CC_BILLING_BLOCK_TEXT });
    expect(CC_BILLING_BLOCK_TEXT).toMatch(/^x-anthropic-billing-header: cc_version=2\.1\.332\.\w+; cc_entrypoint=sdk-cli;$/);
    expect(CC_BILLING_BLOCK_TEXT.length).toBe(74);
    expect(blocks[1]?.['cache_control']).toEqual({ type: 'ephemeral' });
    expect(blocks[2]?.['cache_control']).toEqual({ type: 'ephemeral' });
    const bytes = blocks.reduce((n, b) => n + Buffer.byteLength(String(b['text'])), 0);
    expect(bytes).toBe(CC_OBSERVED_SIZES.systemBytes);
  });

  it('has the twelve tools with their observed sizes, 31058 bytes in all', () => {
    const tools = ccTools();
    expect(tools.map((t) => t['name'])).toEqual([
      'Agent', 'Bash', 'Edit', 'ListAgents', 'Read', 'ReportFindings', 'ScheduleWakeup', 'Skill', 'ToolSearch', 'Workflow', 'DeferredToolPlaceholder', 'Write',
    ]);
    expect(JSON.stringify(tools).length).toBe(CC_OBSERVED_SIZES.toolsBytes);
    const write = tools.find((t) => t['name'] === 'Write');
    expect(write?.['input_schema']).toMatchObject({ type: 'object', required: ['file_path', 'content'], additionalProperties: false });
    const deferred = tools.find((t) => t['name'] === 'DeferredToolPlaceholder');
    expect(deferred?.['defer_loading']).toBe(true);
    expect(JSON.stringify(deferred).length).toBe(204);
  });

  it('sends a role:"system" environment message as an array (first request) or a string (later ones)', () => {
    const array = ccSystemMessage('array');
    expect(array['role']).toBe('system');
    expect(Array.isArray(array['content'])).toBe(true);
    const text = ccSystemMessage('string')['content'];
    expect(typeof text).toBe('string');
    expect(String(text).length).toBe(CC_OBSERVED_SIZES.environmentChars);
  });

  it('carries every top-level field Claude Code sends, at about the real size', () => {
    const body = ccRequestBody({ model: 'local-model' });
    expect(Object.keys(body).sort()).toEqual(
      ['context_management', 'max_tokens', 'messages', 'metadata', 'model', 'output_config', 'stream', 'system', 'thinking', 'tools'].sort(),
    );
    expect(body['max_tokens']).toBe(CC_MAX_TOKENS_UNKNOWN_MODEL);
    expect(body['stream']).toBe(true);
    expect(typeof (body['metadata'] as Record<string, unknown>)['user_id']).toBe('string');
    const size = JSON.stringify(body).length;
    expect(Math.abs(size - CC_OBSERVED_SIZES.firstRequestBytes) / CC_OBSERVED_SIZES.firstRequestBytes).toBeLessThan(0.02);
    const messages = body['messages'] as Record<string, unknown>[];
    expect(messages.map((m) => m['role'])).toEqual(['user', 'system']);
  });

  it('is posted to ?beta=true with the eight beta flags and Claude Code\'s headers', () => {
    const spec = ccRequestSpec({ model: 'm' }, { maxTokens: 4096, stream: false });
    expect(spec.path).toBe(CC_MESSAGES_PATH);
    expect(spec.headers?.['anthropic-beta']?.split(',')).toEqual([...CC_BETA_FLAGS]);
    expect(CC_BETA_FLAGS).toHaveLength(8);
    expect(spec.body).toMatchObject({ model: 'm', max_tokens: 4096, stream: false });
    const headers = ccHeaders();
    expect(headers['user-agent']).toMatch(/^claude-cli\/2\.1\.332 /);
    expect(headers['x-app']).toBe('cli');
    for (const name of Object.keys(headers)) expect(name).toBe(name.toLowerCase());
  });
});
