/**
 * What a driver would do for a spec, in words and exact command lines,
 * plus the files it would write (`claude-bench up --dry-run`). Pure.
 */
import path from 'node:path';
import { buildCcrConfig } from '../ccr.ts';
import { buildEmulatorArgs } from '../emulator.ts';
import { hasFlag, type DriverName, type StackSpec } from '../spec.ts';
import { planDocker } from './docker.ts';
import { embeddedOptions } from './embedded.ts';
import { planProcesses } from './process.ts';

/** One token as a POSIX shell would need it written. */
export function shellQuote(token: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(token) ? token : `'${token.replace(/'/g, `'\\''`)}'`;
}

/** A command line for display. */
export function commandLine(program: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  const prefix = Object.entries(env).map(([k, v]) => `${k}=${/\$\{/.test(v) ? `"${v}"` : shellQuote(v)}`);
  return [...prefix, shellQuote(program), ...args.map(shellQuote)].join(' ');
}

/** A dry-run plan: lines to print and files to write (relative to the run folder). */
export interface DriverPlan {
  readonly lines: readonly string[];
  readonly files: Readonly<Record<string, string>>;
}

/** The plan of `driver` for `spec` with run folder `runDir`. */
export function planStack(spec: StackSpec, driver: DriverName, runDir: string): DriverPlan {
  const head = [`# stack ${spec.name} — ${spec.title}`, `# driver: ${driver}; where it has run: ${spec.ran_here}`];
  switch (driver) {
    case 'docker': {
      const dir = path.join(runDir, 'docker');
      const plan = planDocker(spec, dir);
      return {
        lines: [
          ...head,
          `# files: ${Object.keys(plan.files).map((f) => path.join(dir, f)).join(', ')}`,
          ...(plan.requiredEnv.length > 0 ? [`# needs in the environment: ${plan.requiredEnv.join(', ')}`] : []),
          commandLine('docker', plan.up),
          ...plan.setup.map((s) => commandLine('docker', s)),
          `# then: wait for ${spec.gateway.kind === 'none' ? spec.backend.health : (spec.gateway.health ?? '/health')} to answer 2xx; at stop:`,
          commandLine('docker', plan.logs),
          commandLine('docker', plan.down),
        ],
        files: Object.fromEntries(Object.entries(plan.files).map(([f, t]) => [path.join('docker', f), t])),
      };
    }
    case 'process': {
      const dir = path.join(runDir, 'process');
      const steps = planProcesses(spec, dir);
      const files: Record<string, string> = {};
      for (const s of steps) if (s.file) files[path.relative(runDir, s.file.path)] = s.file.text;
      return {
        lines: [
          ...head,
          ...steps.flatMap((s) => [
            `# ${s.part}${s.health ? ` (ready when ${s.health} answers 2xx)` : ' (runs to completion)'}${s.file ? `, config ${s.file.path}` : ''}`,
            commandLine(s.program, s.args, s.env),
          ]),
        ],
        files,
      };
    }
    case 'embedded': {
      const o = embeddedOptions(spec, { runDir });
      const served = o.servedModelName ?? spec.backend.model;
      const ccr = buildCcrConfig({ port: 0, apiKey: '<per-run key>', upstreamBaseUrl: 'http://127.0.0.1:<emulator port>', upstreamApiKey: '<per-run key>', servedModelName: served });
      return {
        lines: [
          ...head,
          '# backend (the vLLM emulator, EMULATED figures):',
          commandLine('claude-bench', buildEmulatorArgs({ servedModelName: served, autoToolChoice: hasFlag(spec.backend.args, '--enable-auto-tool-choice'), extra: o.emulatorArgs ?? [] })),
          '# gateway (claude-code-router 1.0.73, own HOME holding .claude-code-router/config.json, free loopback port):',
          commandLine('ccr', ['start']),
          `# its config: ${JSON.stringify(ccr)}`,
        ],
        files: {},
      };
    }
  }
}
