import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmulate, type EmulateCliOptions } from '../../../src/cli/commands/emulate.ts';
import { BenchError } from '../../../src/errors.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-emulate-faults-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const base: EmulateCliOptions = { host: '127.0.0.1', port: 0, ttftMs: 1, itlMs: 1, timeScale: 1 };

describe('claude-bench emulate --fault / --faults', () => {
  it('file rules then flag rules, announced on stderr, served', async () => {
    const file = path.join(work, 'faults.json');
    writeFileSync(file, JSON.stringify({ seed: 5, faults: [{ kind: 'http_529', at_request: 1, params: { retry_after: 4 } }] }));
    let stderr = '';
    const statuses: Array<[number, string | null]> = [];
    await runEmulate(
      { ...base, faults: file, fault: ['http_500:@2'], readyJson: true },
      {
        stdout: {
          write: () => true,
        },
        stderr: { write: (t: string) => (stderr += t) },
        untilStopped: async () => {
          const url = /at (http:\/\/[^ ]+)/.exec(stderr)?.[1] ?? '';
          for (let i = 0; i < 3; i++) {
            const res = await fetch(`${url}/v1/chat/completions`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ model: 'Qwen/Qwen2.5-Coder-32B-Instruct', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
            });
            await res.text();
            statuses.push([res.status, res.headers.get('retry-after')]);
          }
        },
      },
    );
    expect(stderr).toContain('FAULTS INJECTED: http_529, http_500 (seed 5)');
    expect(statuses).toEqual([
      [529, '4'],
      [500, null],
      [200, null],
    ]);
  });

  it.each([
    [{ fault: ['bogus'] }, 'BAD_USAGE', '--fault bogus'],
    [{ faults: path.join(work, 'missing.json') }, 'BAD_CONFIG', 'missing.json'],
  ])('refuses %j before listening', async (extra, code, text) => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, untilStopped: () => Promise.resolve() };
    const err = await runEmulate({ ...base, ...extra }, io).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe(code);
    expect((err as BenchError).message).toContain(text);
  });
});
