/**
 * Recorded sessions as conformance checks: one Check per recorded request,
 * id `replay:<session>/<file>`, run by the ordinary engine (`conform
 * --fixtures DIR`). Each replays the request against the target with the
 * target's model and judges the answer (judge.ts).
 */
import type { Check } from '../check.ts';
import { judgeReplay } from './judge.ts';
import { loadReplayFixtures, type ReplayFixture } from './load.ts';
import { replayKind, replaySpec } from './request.ts';

/** Id of the check that replays `f`. */
export function replayCheckId(f: Pick<ReplayFixture, 'session' | 'name'>): string {
  return `replay:${f.session}/${f.name}`;
}

/** One check per fixture, in order. */
export function replayChecks(fixtures: readonly ReplayFixture[]): Check[] {
  return fixtures.map((f): Check => {
    const id = replayCheckId(f);
    const { method, url } = f.fixture;
    return {
      id,
      title: `Recorded request replayed: ${method} ${url.split('?')[0] ?? url} (${f.session} ${f.name.split('-')[0] ?? ''})`,
      area: 'request',
      severity: 'blocker',
      refs: [],
      async run(ctx) {
        const spec = replaySpec(f.fixture, ctx.target.model, id);
        if (spec === null) {
          const why = replayKind(f.fixture) === 'other' ? 'not a Messages API call' : 'its body is not a JSON object';
          return { status: 'skip', detail: `${method} ${url} is not replayed: ${why}` };
        }
        const observation = await ctx.exchange(id, spec);
        return judgeReplay(f.fixture, observation);
      },
    };
  });
}

/** Load `dir` (a session folder or a folder of them) and build its checks. Throws BenchError BAD_INPUT. */
export function loadReplayChecks(dir: string): Check[] {
  return replayChecks(loadReplayFixtures(dir));
}
