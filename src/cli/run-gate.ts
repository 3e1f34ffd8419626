import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BenchError, EXIT } from '../errors.ts';
import { compareFingerprints, defaultGateConfig, evaluateGate } from '../gate/index.ts';
import { applyThresholdFlags, parseGateConfig } from '../gate/thresholds.ts';
import type { GateConfig } from '../gate/types.ts';
import { renderGateTable } from '../report/gate-table.ts';
import { renderHtml } from '../report/html/index.ts';
import { compareFingerprints as comparePerfFingerprints, type Fingerprint } from '../perf/fingerprint.ts';
import { loadRequestsNextTo, loadRunResult, parseJsonFile } from '../report/load.ts';
import { citedRequestIds, requestTexts } from '../report/observations.ts';
import { writeFileAtomic } from '../report/write.ts';
import type { RunResult } from '../types.ts';
import type { GateCliOptions } from './commands/gate.ts';

/** The perf stage's fingerprint (machine incl. memory and GPUs, target versions), when the run stored one. */
function perfFingerprint(r: RunResult): Fingerprint | null {
  const fp = r.perf?.extra?.['fingerprint'];
  if (typeof fp !== 'object' || fp === null) return null;
  const f = fp as Partial<Fingerprint>;
  return typeof f.machine === 'object' && f.machine !== null && typeof f.target === 'object' && f.target !== null ? (fp as Fingerprint) : null;
}

/** The newest `reports/<run>/results.json` under `root` (baselines excluded), or null. */
export async function newestResults(root: string): Promise<string | null> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return null;
  }
  let best: { file: string; mtime: number } | null = null;
  for (const e of entries) {
    if (!e.isDirectory() || e.name === 'baselines') continue;
    const file = path.join(root, e.name, 'results.json');
    try {
      const s = await stat(file);
      if (!best || s.mtimeMs > best.mtime) best = { file, mtime: s.mtimeMs };
    } catch {
      // a run folder without results.json (still running, or failed to stand up)
    }
  }
  return best?.file ?? null;
}

async function loadConfig(opts: GateCliOptions): Promise<GateConfig> {
  let config = defaultGateConfig();
  if (opts.thresholds !== undefined) {
    let text: string;
    try {
      text = await readFile(opts.thresholds, 'utf8');
    } catch (err) {
      throw new BenchError('BAD_CONFIG', `cannot read thresholds file ${opts.thresholds}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    config = parseGateConfig(parseJsonFile(text, opts.thresholds), opts.thresholds);
  }
  return applyThresholdFlags(config, opts.threshold ?? []);
}

/**
 * `claude-bench gate`: compare the current run with the baseline. Exit 1 on
 * a regression, 0 otherwise, 2 on bad input or runs that are not comparable
 * (unless --allow-different-env).
 */
export async function runGate(opts: GateCliOptions): Promise<number> {
  const config = await loadConfig(opts);
  const currentFile = opts.current ?? (await newestResults(path.resolve('reports')));
  if (currentFile === null) {
    throw new BenchError('BAD_USAGE', 'no --current given and no reports/*/results.json found', { hint: 'run claude-bench conform (or perf) first, or pass --current FILE' });
  }
  const baseline = await loadRunResult(opts.baseline);
  const current = await loadRunResult(currentFile);

  const fingerprint = compareFingerprints(baseline, current, { perf: baseline.perf !== undefined && current.perf !== undefined });
  const differences = [...fingerprint.differences];
  const fb = perfFingerprint(baseline);
  const fc = perfFingerprint(current);
  // Perf runs carry a fuller fingerprint (memory, GPUs, gateway/backend versions): use it too.
  if (fb && fc) for (const d of comparePerfFingerprints(fb, fc).differences) if (!differences.includes(d)) differences.push(d);
  if (differences.length > 0 && opts.allowDifferentEnv !== true) {
    throw new BenchError('BAD_INPUT', `the baseline and the current run are not comparable: ${differences.join('; ')}`, {
      hint: 'record a baseline on this machine and target, or pass --allow-different-env to compare anyway',
    });
  }
  const evaluated = evaluateGate(baseline, current, config);
  const gate = { ...evaluated, fingerprint: { same: differences.length === 0, differences } };
  if (opts.json) process.stdout.write(`${JSON.stringify(gate, null, 2)}\n`);
  else process.stdout.write(renderGateTable(gate, { color: process.stdout.isTTY === true }));

  if (opts.html !== undefined) {
    const jsonl = await loadRequestsNextTo(currentFile, citedRequestIds([current]).length > 0);
    const file = path.resolve(opts.html);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, renderHtml([current], { gate, requests: jsonl === null ? {} : requestTexts([current], [jsonl]) }));
    process.stderr.write(`claude-bench: wrote ${file}\n`);
  }
  if (opts.current === undefined) process.stderr.write(`claude-bench: compared ${currentFile}\n`);
  return gate.passed ? EXIT.ok : EXIT.failed;
}
