/**
 * The real CLI against servers that misbehave on purpose (issue 7 item 5):
 * huge events, endless streams, invalid UTF-8, deeply nested JSON, HTML/JS
 * in model output. The harness never crashes (exit 0/1, never 4), holds a
 * bounded amount of memory, ends within its bounds, and report.html shows
 * hostile strings only escaped.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateRunResult } from '../../src/results/validate.ts';
import { HOSTILE_HTML, startHostileServer, type HostileMode } from '../support/hostile-server.ts';
import { hasStackTrace, runCli } from '../support/run-cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-hostile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Peak resident memory of a child, read from /proc while it runs (0 where /proc is missing). */
function watchRss(): { onSpawn: (pid: number) => void; peakMb: () => number; stop: () => void } {
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;
  return {
    onSpawn: (pid) => {
      timer = setInterval(() => {
        try {
          const status = readFileSync(`/proc/${pid}/status`, 'utf8');
          const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
          if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
        } catch {
          // the child has exited
        }
      }, 50);
    },
    peakMb: () => peak,
    stop: () => clearInterval(timer),
  };
}

/**
 * The child runs with its heap capped: a run holds every observation its
 * checks cite (each bounded: 64 MB of body, 16 MB per frame, 100 000 events),
 * so what it keeps is bounded, and under the cap V8 collects instead of
 * growing lazily. Unbounded growth would end in an out-of-memory crash (no
 * exit 0/1) or RSS far past the generous bound.
 */
const HEAP_CAP_MB = 1_024;
const RSS_BOUND_MB = 1_800;

describe('conform against hostile servers', () => {
  const modes: HostileMode[] = ['huge-event', 'endless', 'invalid-utf8', 'deep-json', 'html'];
  it.each(modes)('%s: no crash, bounded memory, bounded time, inert report', async (mode) => {
    const server = await startHostileServer(mode);
    const rss = watchRss();
    const out = path.join(work, mode);
    try {
      const run = await runCli(['conform', '--target', server.url, '--api-key', 'hostile-key', '--suite', 'core', '--timeout', '20', '--out', out], {
        timeoutMs: 170_000,
        env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB}` },
        onSpawn: rss.onSpawn,
      });
      rss.stop();
      expect(hasStackTrace(run.stderr), run.stderr).toBe(false);
      expect([0, 1], `exit ${run.code}: ${run.stderr}`).toContain(run.code);
      expect(server.requests()).toBeGreaterThan(0);
      console.log(`[hostile] ${mode}: exit ${run.code}, ${server.requests()} requests, peak RSS ${rss.peakMb().toFixed(0)} MB, ${(run.ms / 1000).toFixed(1)} s`);
      expect(rss.peakMb()).toBeLessThan(RSS_BOUND_MB);

      const resultsFile = path.join(out, 'results.json');
      expect(validateRunResult(JSON.parse(readFileSync(resultsFile, 'utf8'))).ok).toBe(true);
      // What was written stays bounded too: nothing near the 50 MB event ends up on disk whole.
      expect(readFileSync(path.join(out, 'requests.jsonl')).length).toBeLessThan(400 * 1024 * 1024);

      const html = path.join(out, 'report.html');
      const report = await runCli(['report', resultsFile, '--html', html], { timeoutMs: 60_000 });
      expect(hasStackTrace(report.stderr)).toBe(false);
      expect([0, 1]).toContain(report.code);
      const page = readFileSync(html, 'utf8');
      for (const hostile of [...HOSTILE_HTML, '<script>alert', 'onerror="alert']) expect(page).not.toContain(hostile);
      if (mode === 'html') {
        // The hostile text is shown (escaped), not dropped: the user can read what the model said.
        const cited = readFileSync(path.join(out, 'requests.jsonl'), 'utf8').includes('cb-xss');
        expect(cited).toBe(true);
      }
    } finally {
      rss.stop();
      await server.close();
    }
  }, 180_000);
});
