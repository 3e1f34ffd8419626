/**
 * `npm run bench` (tsx bench/run.ts): micro-benchmarks of the client's hot
 * paths, then the accuracy and overhead benchmark against the emulator with
 * a vLLM-style aiohttp client side by side. Not part of `npm test`: timings
 * on a shared machine are for reading, not for asserting.
 *
 *   --quick          1 round per stream count, 250 streams for CPU
 *   --micro-only     skip the emulator benchmark
 *   --accuracy-only  skip the micro-benchmarks
 */
import { medianP99, runAccuracyBench } from './accuracy.ts';
import { runMicro } from './micro.ts';

const args = new Set(process.argv.slice(2));
const out = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  out(`claude-bench bench — Node ${process.version}, ${process.platform}/${process.arch}`);
  if (!args.has('--accuracy-only')) {
    out('\nMicro-benchmarks (tinybench):');
    for (const r of await runMicro()) {
      out(`  ${r.name.padEnd(66)} ${r.mean_us.toFixed(2).padStart(9)} µs/op  p99 ${r.p99_us.toFixed(2).padStart(9)} µs${r.per_event_us !== null && r.per_event_us !== r.mean_us ? `  (${r.per_event_us.toFixed(3)} µs/event)` : ''}`);
    }
  }
  if (args.has('--micro-only')) return;

  out('\nAccuracy and overhead vs the emulator ground truth (200 ms TTFT, 20 ms ITL, ~100 events/stream):');
  const quick = args.has('--quick');
  const result = await runAccuracyBench({ rounds: quick ? 1 : 3, cpuStreams: quick ? 250 : 1000, log: (l) => out(l) });
  out('\nSummary (median over rounds of each run\'s p99 timing error):');
  for (const streams of [16, 256]) {
    const ours = medianP99(result.runs, 'claude-bench', streams);
    if (!result.aiohttp) {
      out(`  ${streams} streams: claude-bench p99 ${ours.toFixed(3)} ms (no aiohttp reference)`);
      continue;
    }
    const theirs = medianP99(result.runs, 'aiohttp', streams);
    const verdict =
      streams === 16
        ? `${ours - theirs <= 0.5 ? 'MEETS' : 'MISSES'} target (≤ aiohttp + 0.5 ms)`
        : `${ours <= theirs / 2 ? 'MEETS' : 'MISSES'} target (≤ ½ aiohttp)`;
    out(`  ${streams} streams: claude-bench p99 ${ours.toFixed(3)} ms vs aiohttp ${theirs.toFixed(3)} ms — difference ${(ours - theirs).toFixed(3)} ms, ratio ${(ours / theirs).toFixed(2)}: ${verdict}`);
  }
  for (const c of result.cpu) {
    const target = c.client === 'claude-bench' ? ` — ${c.cpu_us_per_event <= 15 ? 'MEETS' : 'MISSES'} target (≤ 15 µs)` : '';
    out(`  CPU per SSE event at ${c.streams} streams: ${c.client} ${c.cpu_us_per_event.toFixed(1)} µs${target}`);
  }
  const ours = result.cpu.find((c) => c.client === 'claude-bench');
  const theirs = result.cpu.find((c) => c.client === 'aiohttp');
  if (ours && theirs) out(`  CPU ratio claude-bench / aiohttp: ${(ours.cpu_us_per_event / theirs.cpu_us_per_event).toFixed(2)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
