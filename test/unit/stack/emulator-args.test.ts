import { describe, expect, it } from 'vitest';
import { childEnv } from '../../../src/stack/child-process.ts';
import { buildEmulatorArgs, parseReadyLine } from '../../../src/stack/emulator.ts';

describe('buildEmulatorArgs', () => {
  it('asks for an ephemeral port, the ready line, and a correct tool-call setup, then the extras', () => {
    expect(buildEmulatorArgs({ servedModelName: 'm', autoToolChoice: true, extra: ['--max-model-len', '8192'] })).toEqual([
      'emulate',
      '--port',
      '0',
      '--ready-json',
      '--served-model-name',
      'm',
      '--max-model-len',
      '131072',
      '--enable-auto-tool-choice',
      '--tool-call-parser',
      'hermes',
      '--max-model-len',
      '8192',
    ]);
  });
  it('leaves the tool-call flags out when asked (the guide’s broken vLLM)', () => {
    expect(buildEmulatorArgs({ servedModelName: 'm', autoToolChoice: false })).not.toContain('--enable-auto-tool-choice');
  });
});

describe('parseReadyLine', () => {
  it('reads the ready event', () => {
    expect(parseReadyLine('{"event":"ready","url":"http://127.0.0.1:4000/","port":4000,"pid":12}')).toEqual({
      url: 'http://127.0.0.1:4000',
      port: 4000,
      pid: 12,
    });
  });
  it.each(['', 'listening on 4000', '{"event":"log"}', '{"event":"ready","port":"x"}', '{not json'])('ignores %j', (line) => {
    expect(parseReadyLine(line)).toBeUndefined();
  });
});

describe('childEnv', () => {
  it('passes what a process needs and our own variables, never keys or NODE_OPTIONS', () => {
    const env = childEnv(
      { HOME: '/private/home' },
      {
        PATH: '/usr/bin',
        HOME: '/root',
        ANTHROPIC_API_KEY: 'sk-ant-secret',
        OPENAI_API_KEY: 'sk-secret',
        NODE_OPTIONS: '--require evil.js',
        CLAUDE_BENCH_TEST_TAG: 'tag-1',
      },
    );
    expect(env).toEqual({ PATH: '/usr/bin', CLAUDE_BENCH_TEST_TAG: 'tag-1', HOME: '/private/home' });
  });
});
