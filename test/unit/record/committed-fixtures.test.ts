/**
 * Guard against committing an unscrubbed recording: every fixture under
 * fixtures/sessions must be a scrubbed recording with keys redacted, and
 * none of the real client's prose (its system prompt, the user prompts of
 * the recorded sessions, tool inputs and results) may appear in any value.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildFixture } from '../../../src/record/fixture.ts';
import { isFixtureFileName, parseFixture } from '../../../src/record/format.ts';

const ROOT = fileURLToPath(new URL('../../../fixtures/sessions/', import.meta.url));

/** Phrases that only unscrubbed recordings of these sessions (or Claude Code's prompt) contain. */
const FORBIDDEN = [
  /sk-/,
  /Claude Code/i,
  /Anthropic/,
  /You are/,
  /capital of France/i,
  /France/,
  /hello\.py/,
  /python3/,
  /two small notes/i,
  /buy milk/i,
  /plumber/i,
  /greeting/i,
  /\/tmp\//,
  /cb-ccr-|cb-upstream-/,
];

function sessionFiles(): string[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(path.join(ROOT, d.name)).filter(isFixtureFileName).map((f) => path.join(ROOT, d.name, f)));
}

/** Every string value (not object keys) with where it sits. */
function stringValues(value: unknown, at = '$', out: Array<[string, string]> = []): Array<[string, string]> {
  if (typeof value === 'string') out.push([at, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => stringValues(v, `${at}[${i}]`, out));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) stringValues(v, `${at}.${k}`, out);
  return out;
}

describe('committed fixtures (fixtures/sessions)', () => {
  const files = sessionFiles();

  it('exist: at least three sessions recorded from the real client', () => {
    const sessions = new Set(files.map((f) => path.basename(path.dirname(f))));
    expect(sessions.size).toBeGreaterThanOrEqual(3);
    for (const s of sessions) expect(readdirSync(path.join(ROOT, s))).toContain('SESSION.md');
  });

  it.each(files.map((f) => [path.relative(ROOT, f), f]))('%s is scrubbed, with keys redacted and no prose left', (_name, file) => {
    const fixture = parseFixture(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
    expect(fixture.scrubbed).toBe(true);
    for (const [name, value] of Object.entries(fixture.headers)) {
      if (['x-api-key', 'authorization', 'proxy-authorization', 'cookie'].includes(name)) expect(value).toMatch(/^(Bearer )?\[REDACTED\]$/);
    }
    expect(offending(JSON.parse(readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('the scan itself catches an unscrubbed recording and an unredacted key', () => {
    const capture = {
      method: 'POST',
      url: '/v1/messages?beta=true',
      headers: { 'x-api-key': 'sk-ant-live-key' },
      body: JSON.stringify({ system: 'You are Claude Code, Anthropic\'s official CLI.', messages: [{ role: 'user', content: 'What is the capital of France?' }] }),
      recordedAt: new Date(),
      response: null,
    };
    const raw = JSON.parse(JSON.stringify(buildFixture(capture, { keys: [], scrub: false }))) as { body: unknown };
    expect(offending(raw).length).toBeGreaterThanOrEqual(2);
    expect(offending({ note: 'key sk-ant-abc' })).toHaveLength(1);
    const scrubbed = JSON.parse(JSON.stringify(buildFixture(capture, { keys: ['sk-ant-live-key'], scrub: true }))) as unknown;
    expect(offending(scrubbed)).toEqual([]);
  });
});

/** The string values that hold a forbidden phrase, with where they sit. */
function offending(value: unknown): string[] {
  return stringValues(value)
    .filter(([, v]) => FORBIDDEN.some((re) => re.test(v)))
    .map(([at, v]) => `${at}: ${v.slice(0, 80)}`);
}
