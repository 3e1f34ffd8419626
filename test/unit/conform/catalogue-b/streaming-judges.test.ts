import { describe, expect, it } from 'vitest';
import { SSE_COMMENT_TYPE } from '../../../../src/client/sse-framer.ts';
import {
  MIDSTREAM_TEXT,
  judgeIncremental,
  judgeMidstreamFailure,
  judgePrecontentFailure,
  prefillTimeline,
  textCorruption,
} from '../../../../src/conform/checks/streaming-catalogue.ts';
import { blockStop, ev, messageDelta, messageStart, messageStop, ping, textDelta, textStart } from '../sse-fixtures.ts';
import { at, errorObs, obs, streamObs } from './fixtures.ts';

const head = [messageStart(), textStart(0), textDelta(0, 'The quick'), textDelta(0, ' brown fox')];

describe('prefillTimeline', () => {
  it('times headers, message_start, pings and the first token, and the longest silence', () => {
    const comment = { type: SSE_COMMENT_TYPE, data: '', t_ms: 2000, raw: ': keep-alive\n\n' };
    const t = prefillTimeline(streamObs([at(messageStart(), 10), at(ping(), 1000), comment, at(textStart(0), 3000), at(textDelta(0, 'hi'), 3001)], { t_hdr_ms: 8 }));
    expect(t).toEqual({ headersMs: 8, messageStartMs: 10, firstDeltaMs: 3001, keepAlivesMs: [1000, 2000], longestSilenceMs: 1000 });
  });

  it('a stream silent until the first token has one long silence', () => {
    const t = prefillTimeline(streamObs([at(messageStart(), 3000), at(textStart(0), 3000), at(textDelta(0, 'hi'), 3000)], { t_hdr_ms: 3000 }));
    expect(t.longestSilenceMs).toBe(3000);
    expect(t.keepAlivesMs).toEqual([]);
  });
});

describe('judgeMidstreamFailure', () => {
  it('passes an Anthropic error event as the last frame', () => {
    const r = judgeMidstreamFailure(streamObs([...head, ev('error', { error: { type: 'api_error', message: 'upstream lost' } }), ping()]), MIDSTREAM_TEXT);
    expect(r.status).toBe('pass');
  });

  it('fails a dropped socket, a stream closed as if complete, and an error event with a foreign shape', () => {
    expect(judgeMidstreamFailure(streamObs(head, { error: { kind: 'reset', message: 'ECONNRESET' } }), MIDSTREAM_TEXT)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/dropped the connection/) });
    expect(judgeMidstreamFailure(streamObs([...head, blockStop(0), messageDelta('end_turn'), messageStop()]), MIDSTREAM_TEXT)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/as complete/) });
    const foreign = ev('error', { message: { type: 'api_error', message: 'x' } });
    expect(judgeMidstreamFailure(streamObs([...head, foreign]), MIDSTREAM_TEXT).status).toBe('fail');
    expect(judgeMidstreamFailure(streamObs([...head, ev('error', { error: { type: 'api_error', message: 'x' } }), messageStop()]), MIDSTREAM_TEXT).detail).toMatch(/must end the stream/);
  });

  it('skips when no failure was injected (the whole text, or a model’s own words)', () => {
    const whole = [messageStart(), textStart(0), textDelta(0, MIDSTREAM_TEXT), blockStop(0), messageDelta(), messageStop()];
    expect(judgeMidstreamFailure(streamObs(whole), MIDSTREAM_TEXT).status).toBe('skip');
    const own = [messageStart(), textStart(0), textDelta(0, 'Sure! Here it is'), blockStop(0), messageDelta(), messageStop()];
    expect(judgeMidstreamFailure(streamObs(own), MIDSTREAM_TEXT).status).toBe('skip');
  });

  it('accepts a gateway that buffered and answered an HTTP JSON error', () => {
    expect(judgeMidstreamFailure(errorObs(502, 'api_error', 'upstream failed'), MIDSTREAM_TEXT).status).toBe('pass');
    expect(judgeMidstreamFailure(obs({ status: 502, body: '<html>bad gateway</html>' }), MIDSTREAM_TEXT).status).toBe('fail');
  });
});

describe('judgePrecontentFailure', () => {
  it('passes an HTTP error with a JSON body', () => {
    expect(judgePrecontentFailure(errorObs(503, 'overloaded_error', 'busy')).status).toBe('pass');
    expect(judgePrecontentFailure(obs({ status: 503, body: 'Service Unavailable' })).status).toBe('fail');
  });

  it('fails 200 + message_start + error event (litellm#38610), skips a normal answer', () => {
    expect(judgePrecontentFailure(streamObs([messageStart(), ev('error', { error: { type: 'api_error', message: 'no' } })])).status).toBe('fail');
    expect(judgePrecontentFailure(streamObs([...head, blockStop(0), messageDelta(), messageStop()])).status).toBe('skip');
  });
});

describe('judgeIncremental', () => {
  const deltas = (times: number[]) => streamObs([at(messageStart(), 0), at(textStart(0), times[0] ?? 0), ...times.map((t, i) => at(textDelta(0, ` w${i}`), t))]);

  it('passes deltas spread over the answer', () => {
    expect(judgeIncremental(deltas([100, 200, 300, 400, 500])).status).toBe('pass');
  });

  it('fails deltas that all arrive at the end, or one delta carrying everything', () => {
    expect(judgeIncremental(deltas([900, 901, 901, 902, 902])).status).toBe('fail');
    expect(judgeIncremental(deltas([900])).detail).toMatch(/one content_block_delta/);
  });

  it('skips an answer too fast to judge', () => {
    expect(judgeIncremental(deltas([10, 11, 12])).status).toBe('skip');
  });
});

describe('textCorruption', () => {
  it('finds replacement characters and lone surrogates, accepts whole emoji', () => {
    expect(textCorruption('caf\uFFFD')).toMatch(/U\+FFFD/);
    expect(textCorruption('half \uD83D here')).toMatch(/surrogate/);
    expect(textCorruption('whole 👩‍💻 𝔘 世界')).toBeNull();
  });
});
