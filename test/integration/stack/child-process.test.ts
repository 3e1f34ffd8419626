import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { childEnv, liveChildPids, spawnChild, startChild, type ManagedChild } from '../../../src/stack/child-process.ts';
import { parseReadyLine, type ReadyLine } from '../../../src/stack/emulator.ts';
import { probe } from '../../../src/stack/http-probe.ts';
import { isAlive, waitGone } from '../../support/stack-pids.ts';

const FIXTURE = fileURLToPath(new URL('../../support/stack-child.mjs', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'cb-child-'));
const started: ManagedChild[] = [];
afterEach(async () => {
  // Whatever a failed test left behind, by the PIDs it started.
  await Promise.all(started.splice(0).map((c) => c.stop(500)));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

let seq = 0;
function spec(args: string[], secrets: string[] = []) {
  seq += 1;
  return {
    name: `fixture-${seq}`,
    command: process.execPath,
    args: [FIXTURE, ...args],
    env: childEnv({ HOME: work }),
    logFile: path.join(work, `fixture-${seq}.log`),
    secrets,
  };
}
const soon = (ms = 20_000): number => Date.now() + ms;

async function expectRejection(promise: Promise<unknown>): Promise<BenchError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BenchError);
  return err as BenchError;
}

describe('ManagedChild', () => {
  it('starts a child, waits for its ready line and health, then stops it and logs its output redacted', async () => {
    const secret = 'cb-ccr-fixtureSECRET42';
    const { child, ready } = await startChild<ReadyLine>(spec(['--serve', '--echo', secret], [secret]), {
      line: parseReadyLine,
      healthUrl: (r) => `${r?.url ?? ''}/health`,
      deadline: soon(),
    });
    started.push(child);
    expect(ready?.pid).toBe(child.pid);
    expect((await probe(`${ready?.url ?? ''}/v1/models`, { timeoutMs: 5_000 })).status).toBe(200);
    expect(liveChildPids()).toContain(child.pid);

    await child.stop();
    expect(child.exitStatus()).not.toBeNull();
    expect(await waitGone([child.pid ?? -1])).toEqual([]);
    expect(liveChildPids()).not.toContain(child.pid);
    const log = readFileSync(child.logFile, 'utf8');
    expect(log).toContain('stdout says [REDACTED]');
    expect(log).toContain('stderr says [REDACTED]');
    expect(log).toContain('"event":"ready"');
    expect(log).not.toContain(secret);
    // Idempotent.
    await child.stop();
  });

  it('reports a child that exits before it is ready as STACK_FAILED, naming it and quoting its last output', async () => {
    const s = spec(['--exit', '1']);
    const err = await expectRejection(startChild(s, { line: parseReadyLine, deadline: soon() }));
    expect(err.code).toBe('STACK_FAILED');
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(s.name);
    expect(err.message).toContain('exited with code 1');
    expect(err.message).toContain('failing on purpose');
    expect(err.message).not.toContain('\n');
    expect(err.hint).toContain(s.logFile);
  });

  it('stops the whole process group: the grandchild goes too', async () => {
    const child = spawnChild(spec(['--grandchild', '--serve']));
    started.push(child);
    const grandchild = await child.waitForLine((line) => {
      const v = JSON.parse(line) as { event?: string; pid?: number };
      return v.event === 'grandchild' ? v.pid : undefined;
    }, { deadline: soon() });
    await child.waitForLine(parseReadyLine, { deadline: soon() });
    const pids = [child.pid ?? -1, grandchild];
    expect(pids.every(isAlive)).toBe(true);

    await child.stop(2_000);
    expect(await waitGone(pids)).toEqual([]);
  });

  it('escalates to SIGKILL when the child ignores SIGTERM', async () => {
    const child = spawnChild(spec(['--ignore-term']));
    started.push(child);
    await child.waitForLine((line) => (line.includes('"armed"') ? true : undefined), { deadline: soon() });
    expect(child.exitStatus()).toBeNull();
    await child.stop(300);
    expect(child.exitStatus()?.signal).toBe('SIGKILL');
    expect(await waitGone([child.pid ?? -1])).toEqual([]);
  });

  it('gives up at the deadline with STACK_FAILED and stops the child', async () => {
    const s = spec([]);
    const err = await expectRejection(startChild(s, { line: parseReadyLine, deadline: Date.now() + 500 }));
    expect(err.code).toBe('STACK_FAILED');
    expect(err.message).toMatch(/printed no ready line before the start-up deadline/);
    expect(liveChildPids()).toEqual([]);
  });

  it('turns an abort during the wait into INTERRUPTED and leaves nothing running', async () => {
    const controller = new AbortController();
    const s = spec(['--grandchild', '--serve', '--delay', '60000']);
    let grandchild = 0;
    const pending = startChild(s, {
      line: (line) => {
        const v = JSON.parse(line) as { event?: string; pid?: number };
        if (v.event === 'grandchild' && v.pid) {
          grandchild = v.pid;
          controller.abort();
        }
        return parseReadyLine(line);
      },
      deadline: soon(),
      signal: controller.signal,
    });
    const err = await expectRejection(pending);
    expect(err.code).toBe('INTERRUPTED');
    expect(err.exitCode).toBe(130);
    expect(grandchild).toBeGreaterThan(0);
    expect(liveChildPids()).toEqual([]);
    expect(await waitGone([grandchild])).toEqual([]);
  });

  it('reports a command that cannot be spawned', async () => {
    const s = { ...spec([]), command: path.join(work, 'no-such-binary') };
    const err = await expectRejection(startChild(s, { healthUrl: 'http://127.0.0.1:9/', deadline: soon() }));
    expect(err.code).toBe('STACK_FAILED');
    expect(err.message).toMatch(/could not be started \(spawn .*ENOENT\)/);
  });
});

describe('last-resort cleanup', () => {
  it('kills the process groups of children still running when the harness exits', async () => {
    const { spawn } = await import('node:child_process');
    const script = fileURLToPath(new URL('../../support/stack-exit-hook.ts', import.meta.url));
    const harness = spawn(process.execPath, ['--import', 'tsx', script, path.join(work, 'exit-hook.log')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    harness.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => harness.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => harness.on('close', resolve));
    clearTimeout(timer);
    expect(code).toBe(0);
    const pids = JSON.parse(out.trim()) as { child: number; grandchild: number };
    expect(pids.child).toBeGreaterThan(0);
    expect(pids.grandchild).toBeGreaterThan(0);
    expect(await waitGone([pids.child, pids.grandchild])).toEqual([]);
  });
});
