/**
 * The pinned Claude Code CLI, installed on demand into a cache folder (never
 * the repo): `<cache>/claude-code/<version>/node_modules/…`. The npm package
 * ships a native binary in a per-platform optional dependency; that binary is
 * what runs, because the package's own `bin/claude.exe` is only the binary
 * once its postinstall script has run (a stub otherwise).
 */
import { execFile, spawn } from 'node:child_process';
import { access, constants, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { BenchError } from '../errors.ts';

/** The Claude Code version claude-bench is validated against (design.md). */
export const CLAUDE_CODE_VERSION = '2.1.332';
/** The npm package that carries it. */
export const CLAUDE_CODE_PACKAGE = '@anthropic-ai/claude-code';
/** Bound on `npm install` (the first install downloads ~400 MB). */
export const DEFAULT_INSTALL_TIMEOUT_MS = 300_000;
/** Bound on `claude --version` (it answers in ~15 ms). */
const VERSION_PROBE_TIMEOUT_MS = 15_000;
/** npm's output kept for an error message. */
const MAX_NPM_OUTPUT = 16 * 1024;

/** A runnable Claude Code CLI. */
export interface ClaudeCodeBinary {
  /** Absolute path of the executable. */
  readonly path: string;
  /** What `--version` reported, e.g. "2.1.332". */
  readonly version: string;
}

/** Options of ensureClaudeCode. */
export interface EnsureClaudeCodeOptions {
  /** Version to install; default CLAUDE_CODE_VERSION. */
  readonly version?: string;
  /** Cache root; default $CLAUDE_BENCH_CACHE, else ~/.cache/claude-bench. */
  readonly cacheRoot?: string;
  /** Bound on npm install; default 300 s. */
  readonly installTimeoutMs?: number;
  /** npm executable; default `npm` on PATH (then the one next to node). */
  readonly npm?: string;
  /** Progress lines for the user (stderr in the CLI). */
  readonly onProgress?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** The cache root: $CLAUDE_BENCH_CACHE, else ~/.cache/claude-bench. */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['CLAUDE_BENCH_CACHE'];
  return fromEnv !== undefined && fromEnv.length > 0 ? path.resolve(fromEnv) : path.join(homedir(), '.cache', 'claude-bench');
}

/** Where one version lives: `<root>/claude-code/<version>`. */
export function claudeCodeDir(cacheRoot: string, version: string): string {
  return path.join(cacheRoot, 'claude-code', version);
}

/**
 * Candidate executables inside an install prefix, best first: the native
 * binary of this platform (glibc, then musl), then the package's own bin.
 * Pure.
 */
export function binaryCandidates(prefix: string, platform: NodeJS.Platform = process.platform, arch: string = process.arch): string[] {
  const scope = path.join(prefix, 'node_modules', '@anthropic-ai');
  const exe = platform === 'win32' ? 'claude.exe' : 'claude';
  const base = `claude-code-${platform}-${arch}`;
  return [path.join(scope, base, exe), path.join(scope, `${base}-musl`, exe), path.join(scope, 'claude-code', 'bin', 'claude.exe')];
}

/** "2.1.332 (Claude Code)" → "2.1.332"; undefined for anything else (e.g. the stub's message). */
export function parseVersionLine(text: string): string | undefined {
  const match = /^(\d+\.\d+\.\d+)\s+\(Claude Code\)/m.exec(text.trim());
  return match?.[1];
}

/**
 * Make sure the pinned Claude Code CLI is in the cache, installing it with
 * npm when absent, and return the executable that reports the right version.
 * Throws BenchError STACK_FAILED when npm fails or nothing runnable results.
 */
export async function ensureClaudeCode(options: EnsureClaudeCodeOptions = {}): Promise<ClaudeCodeBinary> {
  const version = options.version ?? CLAUDE_CODE_VERSION;
  const env = options.env ?? process.env;
  const dir = claudeCodeDir(options.cacheRoot ?? defaultCacheRoot(env), version);
  const found = await findRunnable(dir, version);
  if (found) return found;

  options.onProgress?.(`claude-bench: installing ${CLAUDE_CODE_PACKAGE}@${version} into ${dir} (about 400 MB, once)…`);
  // Install beside the final folder and rename: a run killed half-way leaves
  // no half-installed cache, and two installs racing leave one whole copy.
  const staging = `${dir}.partial-${process.pid}-${Date.now()}`;
  await mkdir(staging, { recursive: true });
  try {
    await npmInstall(staging, `${CLAUDE_CODE_PACKAGE}@${version}`, options.npm ?? (await findNpm(env)), options.installTimeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS, env);
    if (!(await findRunnable(staging, version))) {
      throw new BenchError('STACK_FAILED', `npm installed ${CLAUDE_CODE_PACKAGE}@${version} but no runnable claude binary for ${process.platform}-${process.arch} came with it`, {
        hint: `looked for: ${binaryCandidates(staging).join(', ')}`,
      });
    }
    // Another install may have finished meanwhile: keep theirs (it may be running), drop ours.
    if (!(await findRunnable(dir, version))) {
      await rm(dir, { recursive: true, force: true });
      try {
        await rename(staging, dir);
      } catch (err) {
        if (!(await findRunnable(dir, version))) throw err;
      }
    }
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
  const installed = await findRunnable(dir, version);
  if (!installed) throw new BenchError('STACK_FAILED', `the Claude Code CLI in ${dir} does not run`, { hint: `remove ${dir} and retry` });
  return installed;
}

/** The first candidate in `prefix` whose `--version` reports `version`. */
async function findRunnable(prefix: string, version: string): Promise<ClaudeCodeBinary | undefined> {
  for (const candidate of binaryCandidates(prefix)) {
    if (!(await isExecutable(candidate))) continue;
    const reported = await probeVersion(candidate);
    if (reported === version) return { path: candidate, version: reported };
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Run `<bin> --version` with an empty environment; undefined when it fails or prints something else. */
export function probeVersion(bin: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      bin,
      ['--version'],
      { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' }, timeout: VERSION_PROBE_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (err, stdout) => resolve(err ? undefined : parseVersionLine(String(stdout))),
    );
  });
}

/** `npm` on PATH, else the one installed next to this Node. */
async function findNpm(env: NodeJS.ProcessEnv): Promise<string> {
  const dirs = (env['PATH'] ?? '').split(path.delimiter).filter(Boolean);
  dirs.push(path.dirname(process.execPath));
  const names = process.platform === 'win32' ? ['npm.cmd', 'npm'] : ['npm'];
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  throw new BenchError('STACK_FAILED', 'npm was not found, so the Claude Code CLI cannot be installed', {
    hint: 'install Node.js with npm, or put npm on PATH',
  });
}

/** `npm install --prefix DIR --no-audit --no-fund SPEC`, bounded; throws STACK_FAILED with npm's last words. */
function npmInstall(prefix: string, spec: string, npm: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(npm, ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-update-notifier', spec], {
      env,
      cwd: prefix,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-MAX_NPM_OUTPUT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onExit = (): void => killGroup();
    process.once('exit', onExit);
    child.once('error', (err) => {
      clearTimeout(timer);
      process.off('exit', onExit);
      reject(new BenchError('STACK_FAILED', `could not run ${npm}: ${err.message}`, { cause: err }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      process.off('exit', onExit);
      if (code === 0) return resolve();
      const last = lastLines(output, 3);
      const how = timedOut ? `did not finish within ${Math.round(timeoutMs / 1000)} s` : code !== null ? `exited with code ${code}` : `was killed by ${signal ?? 'a signal'}`;
      reject(
        new BenchError('STACK_FAILED', `npm install ${spec} ${how}${last ? `: ${last}` : ''}`, {
          hint: 'check that the npm registry is reachable (npm config get registry), or run: npx tsx scripts/ensure-claude-code.ts',
        }),
      );
    });
  });
}

function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ');
}
