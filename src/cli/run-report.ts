import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EXIT } from '../errors.ts';
import { renderConformance, renderPerfSummary, renderSideBySide } from '../report/console.ts';
import { renderHtml } from '../report/html/index.ts';
import { renderJunit } from '../report/junit.ts';
import { loadRequestsNextTo, loadRunResult } from '../report/load.ts';
import { citedRequestIds, requestTexts } from '../report/observations.ts';
import { writeFileAtomic } from '../report/write.ts';
import type { RunResult } from '../types.ts';
import type { ReportCliOptions } from './commands/report.ts';

/** Write a report file, creating its folder. */
async function writeOut(file: string, text: string): Promise<string> {
  const abs = path.resolve(file);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFileAtomic(abs, text);
  return abs;
}

/**
 * `claude-bench report`: validate every input (exit 2 naming the file, the
 * JSON path and what was expected), print the summaries, write the files
 * asked for. Judges nothing: exit 0 when the inputs are valid.
 */
export async function runReport(files: readonly string[], opts: ReportCliOptions): Promise<number> {
  const results: RunResult[] = [];
  for (const file of files) results.push(await loadRunResult(file));

  if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else {
    const consoleOpts = { color: process.stdout.isTTY === true, width: process.stdout.columns ?? 120 };
    for (const r of results) {
      if (r.conformance) process.stdout.write(renderConformance(r, consoleOpts));
      const perf = renderPerfSummary(r, consoleOpts);
      if (perf) process.stdout.write(perf);
    }
    process.stdout.write(renderSideBySide(results, consoleOpts));
  }

  if (opts.html !== undefined) {
    const jsonl = (await Promise.all(files.map((f, i) => loadRequestsNextTo(f, citedRequestIds(results.slice(i, i + 1)).length > 0)))).filter(
      (t): t is string => t !== null,
    );
    const file = await writeOut(opts.html, renderHtml(results, { requests: requestTexts(results, jsonl) }));
    process.stderr.write(`claude-bench: wrote ${file}\n`);
  }
  if (opts.junit !== undefined) {
    const file = await writeOut(opts.junit, renderJunit(results));
    process.stderr.write(`claude-bench: wrote ${file}\n`);
  }
  return EXIT.ok;
}
