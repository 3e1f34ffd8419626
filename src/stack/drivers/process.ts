/**
 * The process driver, for users without Docker: spawns the programs the
 * spec names (`vllm serve …`, `llama-server …`, `ollama serve`, `litellm
 * --config …`, claude-code-router) as child processes in their own process
 * groups, waits for each health URL, and stops them by PID in reverse
 * order. The plan (argv, environment with ${VAR} references, health URLs)
 * is a pure function; keys are resolved only when spawning.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BenchError, isBenchError } from '../../errors.ts';
import { findProgram } from '../../routes/support.ts';
import { ccrPackage } from '../ccr.ts';
import { childEnv, spawnChild, type ManagedChild } from '../child-process.ts';
import { resolveEnvRefs, type StackSpec } from '../spec.ts';
import { backendCommand, backendEnv, backendSetup, flatten, gatewayCommand } from './commands.ts';
import { gatewayConfigFile, renderGatewayConfig } from './configs.ts';
import { clientHealthUrl, realTarget, specSecrets } from './target.ts';
import type { DriverStartOptions, StackDriver, StackHandle } from './types.ts';

/** Variables the user's own programs get from the parent environment (model caches, GPUs, HF token). */
const PASSED_THROUGH = ['HOME', 'HF_HOME', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'CUDA_VISIBLE_DEVICES', 'XDG_CACHE_HOME', 'LD_LIBRARY_PATH', 'VIRTUAL_ENV'];

/** One step of a process plan. */
export interface ProcessStep {
  /** 'backend', 'setup' or 'gateway'. */
  readonly part: 'backend' | 'setup' | 'gateway';
  readonly program: string;
  readonly args: readonly string[];
  /** Environment entries set for it (values may hold ${VAR} references). */
  readonly env: Readonly<Record<string, string>>;
  /** Health URL waited for (servers); setup steps run to completion instead. */
  readonly health?: string;
  /** A file the step needs written first (gateway config), and its text. */
  readonly file?: { readonly path: string; readonly text: string };
}

/** The exact commands the process driver runs for `spec`, files under `dir`. */
export function planProcesses(spec: StackSpec, dir: string): ProcessStep[] {
  const b = spec.backend;
  const backend = backendCommand(b, 'process');
  const steps: ProcessStep[] = [
    { part: 'backend', program: backend.program, args: flatten(backend.items), env: backendEnv(b, 'process'), health: `http://127.0.0.1:${b.port}${b.health}` },
  ];
  const setup = backendSetup(b);
  if (setup !== null) steps.push({ part: 'setup', program: backend.program, args: [...setup], env: { OLLAMA_HOST: `127.0.0.1:${b.port}` } });
  const g = spec.gateway;
  const configName = gatewayConfigFile(g);
  const configText = renderGatewayConfig(spec, 'process');
  if (g.kind !== 'none' && configName !== null && configText !== null) {
    // CCR reads $HOME/.claude-code-router/config.json: its HOME is a folder of the run.
    const home = path.join(dir, 'ccr-home');
    const configPath = g.kind === 'claude-code-router' ? path.join(home, '.claude-code-router', 'config.json') : path.join(dir, configName);
    const cmd = gatewayCommand(g, 'process', configPath);
    if (cmd) {
      steps.push({
        part: 'gateway',
        program: cmd.program,
        args: flatten(cmd.items),
        env: { ...(g.env ?? {}), ...(g.kind === 'claude-code-router' ? { HOME: home } : {}) },
        health: clientHealthUrl(spec),
        file: { path: configPath, text: configText },
      });
    }
  }
  return steps;
}

/** Resolve a step's program: `ccr` is the installed claude-code-router run by this Node; others come from PATH. */
function resolveProgram(step: ProcessStep): { command: string; prefix: string[] } {
  if (step.program === 'ccr') return { command: process.execPath, prefix: [ccrPackage().cliPath] };
  const found = findProgram(step.program);
  if (found === null) {
    const hint =
      step.program === 'vllm' ? 'pip install vllm (needs a GPU)' : step.program === 'litellm' ? "pip install 'litellm[proxy]'" : step.program === 'llama-server' ? 'build llama.cpp or install its release' : 'install Ollama';
    throw new BenchError('STACK_FAILED', `${step.program} is not installed (the process driver runs it as ${step.program} ${step.args.slice(0, 2).join(' ')} …)`, {
      hint: `${hint}, or use --driver docker`,
    });
  }
  return { command: found, prefix: [] };
}

export const processDriver: StackDriver = {
  name: 'process',
  async start(spec, options: DriverStartOptions): Promise<StackHandle> {
    const env = options.env ?? process.env;
    const dir = path.join(options.runDir, 'process');
    const logDir = options.logDir ?? path.join(options.runDir, 'logs');
    const steps = planProcesses(spec, dir);
    const secrets = specSecrets(spec, env);
    // Resolve everything before anything starts: a missing key or program fails cleanly.
    const resolved = steps.map((step) => ({
      step,
      program: resolveProgram(step),
      env: Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, resolveEnvRefs(v, env, `stack ${spec.name} (${step.part})`)])),
    }));
    const passed = Object.fromEntries(PASSED_THROUGH.flatMap((n) => (env[n] === undefined ? [] : [[n, env[n] as string]])));
    const children: ManagedChild[] = [];
    const logs: Record<string, string> = {};
    const pids: Record<string, number | undefined> = {};
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        for (const child of [...children].reverse()) await child.stop();
      })());
    const wait = options.signal ? { deadline: options.deadline, signal: options.signal } : { deadline: options.deadline };
    try {
      await mkdir(logDir, { recursive: true });
      for (const { step, program, env: stepEnv } of resolved) {
        if (step.file) {
          await mkdir(path.dirname(step.file.path), { recursive: true, mode: 0o700 });
          await writeFile(step.file.path, step.file.text, { mode: 0o600 });
        }
        const name = step.part === 'setup' ? `${spec.backend.kind}-setup` : step.part;
        const logFile = path.join(logDir, `${name}.log`);
        logs[name] = logFile;
        const child = spawnChild({
          name: `${spec.name} ${step.part} (${step.program})`,
          command: program.command,
          args: [...program.prefix, ...step.args],
          env: childEnv({ ...passed, ...stepEnv }),
          logFile,
          secrets,
        });
        children.push(child);
        if (step.part === 'setup') {
          const exit = await Promise.race([child.exited(), new Promise<null>((r) => setTimeout(() => r(null), Math.max(0, options.deadline - Date.now())))]);
          if (exit === null || exit.code !== 0) throw new BenchError('STACK_FAILED', `${step.program} ${step.args.join(' ')} did not finish cleanly`, { hint: `log: ${logFile}` });
          continue;
        }
        pids[step.part] = child.pid;
        if (step.health !== undefined) await child.waitForHealth(step.health, wait);
      }
    } catch (err) {
      await stop();
      throw isBenchError(err) ? err : new BenchError('STACK_FAILED', `could not stand up ${spec.name}: ${(err as Error).message}`, { cause: err });
    }
    return { driver: 'process', target: realTarget(spec, env, options.model, 'process'), secrets, logs, pids, stop };
  },
};
