import type { Command } from 'commander';
import { parseList, parseSeconds, parseTargetUrl } from '../options.ts';
import { addRouteOptions, type RouteCliOptions } from '../target-options.ts';

/** Options of `claude-bench conform`, as commander hands them over. */
export interface ConformCliOptions extends RouteCliOptions {
  target?: string;
  apiKey?: string;
  model?: string;
  stack?: string;
  suite: string[];
  out?: string;
  timeout: number;
  json?: boolean;
  strict?: boolean;
  fixtures?: string;
}

export function registerConformCommand(program: Command): void {
  const cmd = program
    .command('conform')
    .description('Check that a gateway speaks the Anthropic Messages API well enough for Claude Code')
    .option('--target <url>', 'base URL of a running gateway (as ANTHROPIC_BASE_URL); default: stand up the embedded stack', parseTargetUrl)
    .option('--api-key <key>', 'key for the target (default: $ANTHROPIC_API_KEY, then $ANTHROPIC_AUTH_TOKEN)')
    .option('--model <id>', 'model id to send (default: claude-opus-5-5, what Claude Code sends; the gateway must map it)')
    .option('--stack <name|file>', 'stack spec to stand up (stacks/<name>.json or a file) when no --target is given (default: embedded)')
    .option('--suite <names>', 'comma-separated suites to run (default: every suite but live-client)', parseList, ['default'])
    .option('--out <dir>', 'output folder (default: reports/<timestamp>/)')
    .option('--timeout <seconds>', 'per-request idle timeout', parseSeconds, 300)
    .option('--json', 'print results.json to stdout instead of the table')
    .option('--strict', 'exit 1 on any failed check, not only blockers')
    .option('--fixtures <dir>', 'also replay recorded requests (claude-bench record output: a session folder or a folder of them), one check each');
  addRouteOptions(cmd).action(async (opts: ConformCliOptions) => {
      const { runConform } = await import('../run-conform.ts');
      process.exitCode = await runConform(opts);
    });
}
