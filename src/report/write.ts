/**
 * The one writer of the report files of a run: report.html and junit.xml
 * next to results.json and requests.jsonl, whatever the run's outcome.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GateResult } from '../gate/types.ts';
import { redactSecrets } from '../secrets.ts';
import type { RunResult } from '../types.ts';
import { renderHtml } from './html/index.ts';
import { renderJunit } from './junit.ts';
import { citedRequestIds, requestTexts } from './observations.ts';

export interface WriteReportsOptions {
  /** Strings that must not appear in the files (API keys): the result is scrubbed before rendering. */
  readonly secrets?: readonly string[];
  /** The gate's comparison, when the reports are written by `gate`. */
  readonly gate?: GateResult;
}

/** Write `text` to `file` through a temporary name: a crash never leaves half a file. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text, 'utf8');
  await rename(`${file}.tmp`, file);
}

/** requests.jsonl of a run folder (secrets scrubbed again, as defence in depth), or nothing. */
async function readJsonl(outDir: string, secrets: readonly string[]): Promise<string[]> {
  try {
    return [redactSecrets(await readFile(path.join(outDir, 'requests.jsonl'), 'utf8'), secrets)];
  } catch {
    return [];
  }
}

/**
 * Render and write `report.html` and `junit.xml` into `outDir`. The HTML
 * inlines the requests behind failing checks from `outDir/requests.jsonl`
 * when it exists (call after the observation log is flushed).
 */
export async function writeReports(outDir: string, result: RunResult, options: WriteReportsOptions = {}): Promise<{ html: string; junit: string }> {
  const secrets = options.secrets ?? [];
  const clean = secrets.length > 0 ? (JSON.parse(redactSecrets(JSON.stringify(result), secrets)) as RunResult) : result;
  const requests = citedRequestIds([clean]).length === 0 ? {} : requestTexts([clean], await readJsonl(outDir, secrets));
  const html = path.join(outDir, 'report.html');
  const junit = path.join(outDir, 'junit.xml');
  await writeFileAtomic(html, renderHtml([clean], { requests, ...(options.gate ? { gate: options.gate } : {}) }));
  await writeFileAtomic(junit, renderJunit([clean]));
  return { html, junit };
}
