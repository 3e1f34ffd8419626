import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { openEventLog } from '../../../src/emulator/event-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'event-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openEventLog', () => {
  it('writes one JSON line per event, in order, and flushes on close', async () => {
    const file = join(dir, 'events.jsonl');
    const log = await openEventLog(file);
    const t = performance.timeOrigin + performance.now();
    log.write({ request_id: 'r1', t_epoch_ms: t, kind: 'headers' });
    for (let i = 0; i < 2000; i++) log.write({ request_id: 'r1', t_epoch_ms: t + i, kind: 'chunk', token_index: i });
    log.write({ request_id: 'r1', t_epoch_ms: t + 2000, kind: 'done' });
    await log.close();
    await log.close();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2002);
    expect(lines[0]).toEqual({ request_id: 'r1', t_epoch_ms: t, kind: 'headers' });
    expect(lines[1]).toEqual({ request_id: 'r1', t_epoch_ms: t, kind: 'chunk', token_index: 0 });
    expect(lines[2001]).toMatchObject({ kind: 'done' });
    expect(lines.slice(1, -1).map((l) => l['token_index'])).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('drops writes after close instead of throwing', async () => {
    const file = join(dir, 'closed.jsonl');
    const log = await openEventLog(file);
    await log.close();
    expect(() => log.write({ request_id: 'x', t_epoch_ms: 1, kind: 'done' })).not.toThrow();
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('a file that cannot be created is a BAD_CONFIG error naming it', async () => {
    const file = join(dir, 'no-such-dir', 'events.jsonl');
    const err = await openEventLog(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('BAD_CONFIG');
    expect((err as BenchError).message).toContain(file);
  });
});
