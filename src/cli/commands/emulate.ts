import { InvalidArgumentError, type Command } from 'commander';
import { BenchError } from '../../errors.ts';
import type { FaultSchedule } from '../../emulator/faults.ts';
import type { ResolvedEmulatorOptions } from '../../emulator/options.ts';
import { parsePort } from '../options.ts';

/** Options of `claude-bench emulate`, as commander hands them over. */
export interface EmulateCliOptions {
  host: string;
  port: number;
  servedModelName?: string[];
  /** Unset: the profile's max-model-len, else 32768. */
  maxModelLen?: number;
  enableAutoToolChoice?: boolean;
  toolCallParser?: string;
  apiKey?: string;
  enableForceIncludeUsage?: boolean;
  ttftMs: number;
  itlMs: number;
  script?: string;
  readyJson?: boolean;
  /** Profile id or path: the continuous-batching timing model. */
  profile?: string;
  timeScale: number;
  eventLog?: string;
  /** `--fault KIND[:TRIGGER][:PARAM]`, repeatable (src/emulator/faults.ts). */
  fault?: string[];
  /** `--faults FILE`: a fault schedule (schemas/faults.schema.json). */
  faults?: string;
  faultSeed?: number;
}

/** Where `runEmulate` writes and how it learns to stop (injectable for tests). */
export interface EmulateIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Resolves when the server should stop. Default: the first SIGINT or SIGTERM. */
  readonly untilStopped: () => Promise<void>;
}

/**
 * `claude-bench emulate`: an EMULATED vLLM OpenAI server. Flags follow
 * `vllm serve`: auto tool choice is OFF unless --enable-auto-tool-choice is
 * given (unlike startEmulator(), whose programmatic default is on).
 */
export function registerEmulateCommand(program: Command): void {
  program
    .command('emulate')
    .description('Run an EMULATED vLLM OpenAI-compatible server (a test double: never a hardware result)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', parsePort, 8000)
    .option('--served-model-name <names...>', 'model name(s) to serve, as vLLM (default: Qwen/Qwen2.5-Coder-32B-Instruct)')
    .option('--max-model-len <tokens>', 'context window in tokens, as vLLM (default: the profile\'s, else 32768)', parsePositiveInt)
    .option('--enable-auto-tool-choice', 'allow tool_choice "auto" (needs --tool-call-parser), as vLLM; off by default')
    .option('--tool-call-parser <name>', 'tool call parser name, as vLLM (e.g. hermes)')
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" on /v1 routes, as vLLM')
    .option('--enable-force-include-usage', 'send the usage chunk on every stream, even without stream_options, as vLLM')
    .option('--ttft-ms <ms>', 'time to first token (fixed timing model, without --profile)', parseMillis, 50)
    .option('--itl-ms <ms>', 'time between tokens (fixed timing model, without --profile)', parseMillis, 5)
    .option('--profile <id|file>', 'hardware profile (profiles/*.json): continuous-batching timing model, its max-model-len and model name')
    .option('--time-scale <factor>', 'clock time per modelled time: 0.1 runs 10× faster (figures in /metrics stay in modelled time)', parseTimeScale, 1)
    .option('--event-log <file>', 'write one JSON line per response write: request_id, t_epoch_ms, kind, token_index (ground truth for perf)')
    .option('--script <file>', 'JSON script of replies (format: src/emulator/script.ts)')
    .option('--fault <spec>', 'inject a fault, KIND[:TRIGGER][:PARAM] (repeatable): reset, stall, bad_json, unknown_event, missing_blank, slow_headers, exit, http_NNN; TRIGGER: rate 0–1, @N (request N), *N (every Nth)', collect)
    .option('--faults <file>', 'fault schedule JSON (schemas/faults.schema.json): [{kind, at_request|every|rate, after_tokens, params}]')
    .option('--fault-seed <n>', 'seed of the fault rate draws (default: the file\'s seed, else 1)', parseSeed)
    .option('--ready-json', 'print {"event":"ready","url","port","pid"} on stdout once listening')
    .action(async (opts: EmulateCliOptions) => {
      await runEmulate(opts);
    });
}

/** Start the emulator, announce it, serve until stopped, close cleanly. Never calls process.exit. */
export async function runEmulate(opts: EmulateCliOptions, io: EmulateIo = processIo()): Promise<void> {
  if (opts.enableAutoToolChoice && !opts.toolCallParser) {
    throw new BenchError('BAD_USAGE', '--enable-auto-tool-choice requires --tool-call-parser to be set', {
      hint: 'as vLLM, e.g. --enable-auto-tool-choice --tool-call-parser hermes',
    });
  }
  const [{ startEmulator }, { loadScriptFile }] = await Promise.all([
    import('../../emulator/server.ts'),
    import('../../emulator/script-file.ts'),
  ]);
  const script = opts.script !== undefined ? await loadScriptFile(opts.script) : undefined;
  const faults = await faultSchedule(opts);
  const emulator = await startEmulator({
    host: opts.host,
    port: opts.port,
    ...(opts.servedModelName !== undefined ? { servedModelName: opts.servedModelName } : {}),
    ...(opts.maxModelLen !== undefined ? { maxModelLen: opts.maxModelLen } : {}),
    ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
    ...(opts.eventLog !== undefined ? { eventLog: opts.eventLog } : {}),
    timeScale: opts.timeScale,
    enableAutoToolChoice: opts.enableAutoToolChoice === true,
    ...(opts.toolCallParser !== undefined ? { toolCallParser: opts.toolCallParser } : {}),
    ...(opts.apiKey !== undefined ? { apiKey: opts.apiKey } : {}),
    enableForceIncludeUsage: opts.enableForceIncludeUsage === true,
    timing: { ttftMs: opts.ttftMs, itlMs: opts.itlMs },
    ...(script !== undefined ? { script } : {}),
    ...(faults !== undefined ? { faults, onFaultExit: () => dieHard(io) } : {}),
  });
  try {
    const o = emulator.options;
    io.stderr.write(
      `claude-bench emulate: EMULATED vLLM (OpenAI-compatible test double, not real hardware) at ${emulator.url}` +
        ` — model ${o.servedModelNames.join(', ')}, max-model-len ${o.maxModelLen},` +
        ` auto tool choice ${o.enableAutoToolChoice ? `on (${o.toolCallParser ?? ''})` : 'off'},` +
        ` ${timingLine(o)}${script ? `, script ${opts.script ?? ''} (${script.rules.length} rules)` : ''}` +
        `${o.apiKey !== undefined ? ', api key required' : ''}${o.enableForceIncludeUsage ? ', usage forced' : ''}` +
        `${o.faults ? `, FAULTS INJECTED: ${o.faults.rules.map((r) => r.kind).join(', ')} (seed ${o.faults.seed ?? 1})` : ''}\n`,
    );
    if (opts.readyJson) {
      // The ready line stays exactly {event,url,port,pid} (the stack layer and tests parse it);
      // the time scale and timing model are on GET /claude-bench/info.
      io.stdout.write(`${JSON.stringify({ event: 'ready', url: emulator.url, port: emulator.port, pid: process.pid })}\n`);
    }
    await io.untilStopped();
  } finally {
    await emulator.close();
  }
  io.stderr.write('claude-bench emulate: stopped\n');
}

/** The fault schedule of --faults FILE then --fault flags (file rules first), or undefined for none. */
async function faultSchedule(opts: EmulateCliOptions): Promise<FaultSchedule | undefined> {
  if (opts.faults === undefined && (opts.fault ?? []).length === 0) return undefined;
  const [{ parseFaultFlag }, { loadFaultsFile }] = await Promise.all([import('../../emulator/faults.ts'), import('../../emulator/faults-file.ts')]);
  const file = opts.faults !== undefined ? await loadFaultsFile(opts.faults) : undefined;
  const rules = [...(file?.rules ?? []), ...(opts.fault ?? []).map(parseFaultFlag)];
  const seed = opts.faultSeed ?? file?.seed;
  return { rules, ...(seed !== undefined ? { seed } : {}) };
}

/**
 * The `exit` fault from the CLI: the process dies at once, as a killed
 * server does — no close, no goodbye on open sockets (the kernel resets them).
 */
function dieHard(io: EmulateIo): void {
  io.stderr.write('claude-bench emulate: fault exit: killing this process (SIGKILL)\n');
  process.kill(process.pid, 'SIGKILL');
}

/** The timing part of the start-up line. */
function timingLine(o: ResolvedEmulatorOptions): string {
  const scale = o.timeScale === 1 ? '' : `, time scale ${o.timeScale} (${(1 / o.timeScale).toFixed(1)}× faster)`;
  if (!o.batching) return `fixed timing: ttft ${o.timing.ttftMs} ms, itl ${o.timing.itlMs} ms${scale}`;
  const b = o.batching;
  const from = o.profile ? `profile ${o.profile.id}` : 'batching model';
  return (
    `${from}: continuous batching, max-num-seqs ${b.maxNumSeqs}, prefill ${b.prefillTokensPerS} tok/s,` +
    ` decode step ${b.decodeStepMs} ms (+${Math.round(b.decodeStepGrowth * 1000) / 10}%/seq), overhead ${b.requestOverheadMs} ms, prefix cache ${b.prefixCacheBlocks} blocks${scale}`
  );
}

function processIo(): EmulateIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    untilStopped: () =>
      new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      }),
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function parseTimeScale(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a factor > 0 (0.1 = ten times faster)');
  return n;
}

function parseMillis(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected milliseconds ≥ 0');
  return n;
}
