import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { binaryCandidates, claudeCodeDir, defaultCacheRoot, ensureClaudeCode, parseVersionLine } from '../../../src/live/install.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function script(file: string, body: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A fake `claude` that answers --version like the real one. */
const fakeClaude = (version: string) => `echo "${version} (Claude Code)"`;

async function caught(promise: Promise<unknown>): Promise<BenchError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(BenchError);
    return err as BenchError;
  }
  throw new Error('expected a BenchError');
}

describe('install paths', () => {
  it('keeps the cache out of the repo: $CLAUDE_BENCH_CACHE, else ~/.cache/claude-bench', () => {
    expect(defaultCacheRoot({ CLAUDE_BENCH_CACHE: '/srv/cache' })).toBe('/srv/cache');
    expect(defaultCacheRoot({})).toMatch(/\.cache[/\\]claude-bench$/);
    expect(claudeCodeDir('/c', '2.1.332')).toBe(path.join('/c', 'claude-code', '2.1.332'));
  });

  it('prefers the native binary of the platform, then musl, then the package bin', () => {
    const [native, musl, bin] = binaryCandidates('/p', 'linux', 'x64');
    expect(native).toBe(path.join('/p', 'node_modules', '@anthropic-ai', 'claude-code-linux-x64', 'claude'));
    expect(musl).toContain('claude-code-linux-x64-musl');
    expect(bin).toBe(path.join('/p', 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe'));
    expect(parseVersionLine('2.1.332 (Claude Code)\n')).toBe('2.1.332');
    expect(parseVersionLine('claude native binary not installed')).toBeUndefined();
  });
});

describe('ensureClaudeCode', () => {
  it('uses a cached binary that reports the version, without npm', async () => {
    const root = path.join(work, 'cached');
    const bin = script(binaryCandidates(claudeCodeDir(root, '9.9.1'))[0] as string, fakeClaude('9.9.1'));
    const found = await ensureClaudeCode({ version: '9.9.1', cacheRoot: root, npm: '/nonexistent/npm' });
    expect(found).toEqual({ path: bin, version: '9.9.1' });
  });

  it('installs with npm into a staging folder and moves it into place', async () => {
    const root = path.join(work, 'fresh');
    // A fake npm that "installs" the native binary under --prefix.
    const npm = script(
      path.join(work, 'bin', 'npm-ok'),
      `while [ "$1" != "--prefix" ]; do shift; done; p="$2"\nmkdir -p "$p/node_modules/@anthropic-ai/claude-code-${process.platform}-${process.arch}"\nf="$p/node_modules/@anthropic-ai/claude-code-${process.platform}-${process.arch}/claude"\nprintf '#!/bin/sh\\necho "9.9.2 (Claude Code)"\\n' > "$f"; chmod 755 "$f"`,
    );
    const lines: string[] = [];
    const got = await ensureClaudeCode({ version: '9.9.2', cacheRoot: root, npm, onProgress: (l) => lines.push(l) });
    expect(got.version).toBe('9.9.2');
    expect(got.path.startsWith(claudeCodeDir(root, '9.9.2'))).toBe(true);
    expect(lines[0]).toContain('installing @anthropic-ai/claude-code@9.9.2');
    expect(readdirSync(path.join(root, 'claude-code'))).toEqual(['9.9.2']);
  });

  it('turns an npm failure into one clear line and leaves nothing half-installed', async () => {
    const root = path.join(work, 'npm-fails');
    const npm = script(path.join(work, 'bin', 'npm-404'), 'echo "npm error code E404" >&2; echo "npm error 404 Not Found - GET https://registry.npmjs.org/x" >&2; exit 1');
    const err = await caught(ensureClaudeCode({ version: '9.9.3', cacheRoot: root, npm }));
    expect(err.code).toBe('STACK_FAILED');
    expect(err.message).toContain('exited with code 1');
    expect(err.message).toContain('404 Not Found');
    expect(err.hint).toContain('registry');
    expect(readdirSync(path.join(root, 'claude-code'))).toEqual([]);
  });

  it('bounds npm in time, and refuses an install without a runnable binary', async () => {
    const root = path.join(work, 'npm-slow');
    const slow = script(path.join(work, 'bin', 'npm-slow'), 'sleep 30');
    const err = await caught(ensureClaudeCode({ version: '9.9.4', cacheRoot: root, npm: slow, installTimeoutMs: 300 }));
    expect(err.message).toContain('did not finish within');
    const empty = script(path.join(work, 'bin', 'npm-empty'), 'exit 0');
    const err2 = await caught(ensureClaudeCode({ version: '9.9.4', cacheRoot: root, npm: empty }));
    expect(err2.message).toContain('no runnable claude binary');
    expect(existsSync(claudeCodeDir(root, '9.9.4'))).toBe(false);
  });
});
