import { describe, expect, it } from 'vitest';
import { outcome } from '../../../../src/conform/check.ts';
import { counted, echoOf, emulate, readAnswer, summarizeTrials, uncounted } from '../../../../src/conform/checks/scripted.ts';
import { parseDirectives } from '../../../../src/emulator/directives.ts';
import { blockStop, jsonDelta, messageDelta, messageStart, messageStop, textDelta, textStart, toolStart } from '../sse-fixtures.ts';
import { jsonObs, message, streamObs } from './fixtures.ts';

describe('emulate', () => {
  it('writes directives the emulator reads back exactly, whatever the text holds', () => {
    const hard = `it's "quoted" \\ and a literal \\n, a tab\tand 世界 🚀 ]] inside`;
    const text = `before ${emulate({ say: hard, tool: 'get_weather', tokens: 3, echo: true, think: undefined, abort_after: 0 })} after`;
    const { directive, problems } = parseDirectives(text);
    expect(problems).toEqual([]);
    expect(directive).toEqual({ say: hard, tool: 'get_weather', tokens: 3, echo: true, abortAfterTokens: 0, ttftMs: 0, itlMs: 0 });
  });

  it('keeps plain words bare, so simple parsers read them too, and answers at once unless timed', () => {
    expect(emulate({ tool: 'get_weather', ttft: 3000 })).toBe('[[emulate ttft=3000 itl=0 tool=get_weather]]');
    expect(emulate({ args: '{"a":1}' })).toBe(`[[emulate ttft=0 itl=0 args='{"a":1}']]`);
  });
});

describe('readAnswer', () => {
  it('reads a stream as Claude Code builds it: blocks, parsed tool input, stop reason', () => {
    const stream = streamObs([messageStart(), textStart(0), textDelta(0, 'Hi'), blockStop(0), toolStart(1), jsonDelta(1, '{"city":'), jsonDelta(1, '"Oslo"}'), blockStop(1), messageDelta('tool_use'), messageStop()]);
    const read = readAnswer(stream, 'x');
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.value.streamed).toBe(true);
    expect(read.value.text).toBe('Hi');
    expect(read.value.blocks[1]).toMatchObject({ type: 'tool_use', input: { city: 'Oslo' } });
    expect(read.value.stopReason).toBe('tool_use');
  });

  it('reads a Message the same way, and turns a failure into a fail outcome', () => {
    const read = readAnswer(jsonObs(200, message([{ type: 'text', text: 'ok' }])), 'x');
    expect(read.ok && read.value.text).toBe('ok');
    const failed = readAnswer(jsonObs(400, { type: 'error', error: { type: 'invalid_request_error', message: 'no' } }), 'the request');
    expect(failed.ok).toBe(false);
    if (!failed.ok) expect(failed.outcome).toMatchObject({ status: 'fail' });
  });
});

describe('echoOf', () => {
  it('finds the echo in the text and reads its fields', () => {
    const text = JSON.stringify({ echo: 'claude-bench-emulator', path: '/v1/chat/completions', query: '', active_generations: 2, headers: { a: 'b' }, body: { max_tokens: 5 } });
    const read = readAnswer(jsonObs(200, message([{ type: 'text', text }])), 'x');
    expect(read.ok && echoOf(read.value)).toEqual({ path: '/v1/chat/completions', query: '', activeGenerations: 2, headers: { a: 'b' }, body: { max_tokens: 5 } });
    const plain = readAnswer(jsonObs(200, message([{ type: 'text', text: 'hello' }])), 'x');
    expect(plain.ok && echoOf(plain.value)).toBeNull();
  });
});

describe('summarizeTrials', () => {
  it('reports the pass rate; the worst counted attempt decides', () => {
    const r = summarizeTrials([counted(outcome('pass', 'fine')), counted(outcome('fail', 'broke', 'EVIDENCE')), counted(outcome('pass', 'fine'))]);
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/^pass rate 2\/3; first problem: broke/);
    expect(r.evidence).toBe('EVIDENCE');
  });

  it('leaves attempts the model did not make out of the rate, and skips when none counted', () => {
    expect(summarizeTrials([counted(outcome('pass', 'fine')), uncounted('no call')]).detail).toMatch(/^pass rate 1\/1 \(1 of 2 runs not judgeable\)/);
    const none = summarizeTrials([uncounted('no call'), uncounted('no call')]);
    expect(none.status).toBe('skip');
    expect(none.detail).toMatch(/in 2 run\(s\) against a real model: no call/);
  });
});
