/**
 * The embedded driver: the spec's emulator flags and names handed to the
 * existing embedded stack (src/stack/embedded.ts: vLLM emulator + real
 * claude-code-router as child processes).
 */
import path from 'node:path';
import { BenchError } from '../../errors.ts';
import { startEmbeddedStack, type EmbeddedStackOptions } from '../embedded.ts';
import { hasFlag, type StackSpec } from '../spec.ts';
import type { DriverStartOptions, StackDriver, StackHandle } from './types.ts';

/** Flags the embedded stack sets itself (tool choice is its own option). */
const OWN_FLAGS = new Set(['--enable-auto-tool-choice', '--tool-call-parser', '--port', '--host', '--served-model-name']);

/** The startEmbeddedStack options a spec stands for (exposed for tests and --dry-run). */
export function embeddedOptions(spec: StackSpec, options: Pick<DriverStartOptions, 'runDir' | 'model' | 'logDir' | 'extraEmulatorArgs'>): EmbeddedStackOptions {
  if (spec.backend.kind !== 'emulator' || spec.gateway.kind !== 'claude-code-router') {
    throw new BenchError('BAD_CONFIG', `stack ${spec.name}: the embedded driver runs the emulator behind claude-code-router only`);
  }
  const args = spec.backend.args;
  const parser = args.find((a) => a.flag === '--tool-call-parser')?.value;
  if (hasFlag(args, '--enable-auto-tool-choice') && parser !== undefined && parser !== 'hermes') {
    throw new BenchError('BAD_CONFIG', `stack ${spec.name}: backend.args: the emulator knows the hermes tool-call parser only`);
  }
  return {
    logDir: options.logDir ?? path.join(options.runDir, 'logs'),
    model: options.model ?? spec.client.model,
    servedModelName: spec.backend.served_model_name ?? spec.backend.model,
    autoToolChoice: hasFlag(args, '--enable-auto-tool-choice'),
    // Later flags win in `emulate`, so the caller's extras override the spec's.
    emulatorArgs: [...args.filter((a) => !OWN_FLAGS.has(a.flag)).flatMap((a) => (a.value === undefined ? [a.flag] : [a.flag, a.value])), ...(options.extraEmulatorArgs ?? [])],
  };
}

export const embeddedDriver: StackDriver = {
  name: 'embedded',
  async start(spec, options): Promise<StackHandle> {
    const stack = await startEmbeddedStack({
      ...embeddedOptions(spec, options),
      startTimeoutMs: Math.max(1_000, options.deadline - Date.now()),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      driver: 'embedded',
      target: stack.target,
      secrets: stack.secrets,
      logs: stack.logs,
      pids: stack.pids,
      stop: () => stack.stop(),
    };
  },
};
