/**
 * Read a folder of recorded requests (`claude-bench record` output) for
 * replay: either one session folder holding `NNNN-….json` files, or a folder
 * of session folders (e.g. fixtures/sessions). Scrubbed and raw recordings
 * load alike.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BenchError } from '../../errors.ts';
import { isFixtureFileName, parseFixture, type Fixture } from '../../record/format.ts';

/** One recorded request, placed in its session. */
export interface ReplayFixture {
  /** Session folder name, e.g. `write-run-read`. */
  readonly session: string;
  /** File name without `.json`, e.g. `0002-post-v1-messages`. */
  readonly name: string;
  /** Absolute path of the file. */
  readonly file: string;
  readonly fixture: Fixture;
}

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir).filter(isFixtureFileName).sort();
}

function readFixture(file: string): Fixture {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BenchError('BAD_INPUT', `cannot read fixture ${file} (${(err as NodeJS.ErrnoException).code ?? 'read error'})`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BenchError('BAD_INPUT', `fixture ${file} is not valid JSON`, { cause: err, hint: 'see fixtures/sessions/README.md for the format' });
  }
  return parseFixture(value, file);
}

/**
 * Every recorded request under `dir`, sessions sorted by name, requests in
 * recording order. Throws BenchError BAD_INPUT when the folder is missing,
 * holds no recorded requests, or a file is not a fixture.
 */
export function loadReplayFixtures(dir: string): ReplayFixture[] {
  const root = path.resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new BenchError('BAD_INPUT', `--fixtures ${dir}: no such folder`, { hint: 'give a session folder written by `claude-bench record`, or a folder of them' });
  }
  const sessions: Array<{ session: string; folder: string }> = [];
  if (fixtureFiles(root).length > 0) {
    sessions.push({ session: path.basename(root), folder: root });
  } else {
    for (const entry of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
      const folder = path.join(root, entry);
      if (fixtureFiles(folder).length > 0) sessions.push({ session: entry, folder });
    }
  }
  const out: ReplayFixture[] = [];
  for (const { session, folder } of sessions) {
    for (const name of fixtureFiles(folder)) {
      const file = path.join(folder, name);
      out.push({ session, name: name.slice(0, -'.json'.length), file, fixture: readFixture(file) });
    }
  }
  if (out.length === 0) {
    throw new BenchError('BAD_INPUT', `--fixtures ${dir}: no recorded requests (NNNN-<method>-<path>.json) in it or in its sub-folders`, {
      hint: 'record a session with `claude-bench record --upstream URL --out DIR`',
    });
  }
  return out;
}
