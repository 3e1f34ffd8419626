import { InvalidArgumentError, type Command } from 'commander';
import { parseSeconds, parseTargetUrl } from '../options.ts';
import { addRouteOptions, type RouteCliOptions } from '../target-options.ts';

/** Options of `claude-bench perf`, as commander hands them over. */
export interface PerfCliOptions extends RouteCliOptions {
  profile?: string;
  target?: string;
  /** A stack spec to stand up (name or file), instead of perf's own embedded stack. */
  stack?: string;
  apiKey?: string;
  model?: string;
  workload?: string;
  /** 'sweep' or a list of user counts. */
  concurrency?: readonly number[] | 'sweep';
  requests?: number;
  duration?: number;
  repeat: number;
  out?: string;
  timeout: number;
  json?: boolean;
  timeScale?: number;
  rate?: number;
  arrival: 'constant' | 'poisson';
  api: 'messages' | 'chat';
  maxUsers: number;
  calibrate: boolean;
  maxModelLen?: number;
  /** Base URL of a vLLM backend whose /metrics to scrape (default: the embedded stack's emulator). */
  metricsUrl?: string;
  /** Run the workload direct to the backend too and attribute the gateway's share. */
  ab?: boolean;
  /** The backend behind the gateway, for --ab (default: the embedded stack's emulator). */
  backendUrl?: string;
  /** gateway-overhead: seconds of autocannon per side. */
  overheadDuration: number;
  /** gateway-overhead: autocannon connections. */
  overheadConnections: number;
}

/** `1,2,4` or `sweep`. */
export function parseConcurrency(value: string): readonly number[] | 'sweep' {
  if (value.trim() === 'sweep') return 'sweep';
  const parts = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const out = parts.map(Number);
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1 || n > 4096)) {
    throw new InvalidArgumentError('expected "sweep" or user counts like 1,2,4 (integers 1–4096)');
  }
  return [...new Set(out)];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function oneOf<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`);
    return value as T;
  };
}

export function registerPerfCommand(program: Command): void {
  const cmd = program
    .command('perf')
    .description('Measure TTFT, TPOT, ITL and capacity (max users) of a Messages endpoint, against a hardware profile\'s documented targets')
    .option('--profile <id>', 'hardware profile to judge against (e.g. e5-2680); with no --target the emulator runs it (EMULATED)')
    .option('--target <url>', 'base URL of a running gateway (as ANTHROPIC_BASE_URL); default: stand up the embedded stack', parseTargetUrl)
    .option('--api-key <key>', 'key for the target (default: $ANTHROPIC_API_KEY, then $ANTHROPIC_AUTH_TOKEN)')
    .option('--model <id>', 'model id to send (default: claude-opus-5-5, what Claude Code sends)')
    .option('--workload <name>', 'claude-code | synthetic[:IN:OUT] | replay[:DIR] | profile | gateway-overhead (default: profile with --profile, else claude-code)')
    .option('--concurrency <list>', 'closed-loop users per level, e.g. 1,2,4, or "sweep" for the capacity search (default: sweep with --profile, else 1,2,4)', parseConcurrency)
    .option('--requests <n>', 'request bound per level (default: a few per user)', positiveInt)
    .option('--duration <seconds>', 'wall-clock bound per level', parseSeconds)
    .option('--repeat <k>', 'run each level K times and report a confidence interval', positiveInt, 1)
    .option('--out <dir>', 'output folder (default: reports/<timestamp>/)')
    .option('--timeout <seconds>', 'per-request idle timeout', parseSeconds, 300)
    .option('--json', 'print results.json to stdout instead of the table')
    .option('--time-scale <x>', 'emulator clock per model time (0.05 = 20× faster); figures are scaled back (default 0.05 with --profile on the embedded stack)', positiveNumber)
    .option('--rate <rps>', 'open loop: sessions arriving per second (then --concurrency caps requests in flight)', positiveNumber)
    .option('--arrival <kind>', 'open-loop arrivals: constant or poisson', oneOf(['constant', 'poisson'] as const), 'poisson')
    .option('--api <kind>', 'messages (Anthropic, default) or chat (OpenAI chat completions, to measure a backend directly)', oneOf(['messages', 'chat'] as const), 'messages')
    .option('--max-users <n>', 'highest N the sweep tries', positiveInt, 64)
    .option('--max-model-len <tokens>', "embedded stack: the emulator's context window (default: the profile's, e.g. the guide's 8192; else 131072)", positiveInt)
    .option('--no-calibrate', 'skip the harness-accuracy burst against the emulator')
    .option('--metrics-url <url>', "base URL of the vLLM backend whose /metrics to scrape each level (default: the embedded stack's emulator)", parseTargetUrl)
    .option('--ab', 'also run the same workload (same seeds) straight to the backend (chat completions) and attribute what the gateway adds per level')
    .option('--backend-url <url>', "the vLLM backend behind the gateway, for --ab (default: the embedded stack's emulator; key from $VLLM_API_KEY)", parseTargetUrl)
    .option('--overhead-duration <seconds>', 'gateway-overhead: autocannon seconds per side (gateway, then backend)', parseSeconds, 3)
    .option('--overhead-connections <n>', 'gateway-overhead: autocannon connections', positiveInt, 8)
    .option('--stack <name|file>', "stand up this stack spec instead of perf's own embedded stack (no profile-driven emulator then)");
  addRouteOptions(cmd).action(async (opts: PerfCliOptions) => {
      const { runPerf } = await import('../run-perf.ts');
      process.exitCode = await runPerf(opts);
    });
}
