import type { Command } from 'commander';
import { parseSeconds, parseTargetUrl } from '../options.ts';

/** Options of `claude-bench doctor`, as commander hands them over. */
export interface DoctorCliOptions {
  stack?: string;
  target?: string;
  apiKey?: string;
  model?: string;
  proxy?: string;
  caCert?: string;
  nginxConf?: string;
  mitmAddon?: string;
  timeout: number;
  json?: boolean;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description("List the deployment guide's known mistakes in a stack spec, a running target or this shell's Claude Code environment, each with its fix")
    .option('--stack <name|file>', 'read this stack spec (nothing is started)')
    .option('--target <url>', 'probe this running gateway (a few small requests)', parseTargetUrl)
    .option('--api-key <key>', 'key for --target (default: $ANTHROPIC_API_KEY, then $ANTHROPIC_AUTH_TOKEN)')
    .option('--model <id>', 'model id for --target (default: claude-opus-5-5)')
    .option('--proxy <url>', 'reach --target through this HTTP proxy (default: $HTTPS_PROXY / $HTTP_PROXY)')
    .option('--ca-cert <file>', 'also trust this CA certificate (PEM) for --target')
    .option('--nginx-conf <file>', 'also read this nginx configuration')
    .option('--mitm-addon <file>', 'also read this mitmproxy addon')
    .option('--timeout <seconds>', 'per-request idle timeout for --target', parseSeconds, 120)
    .option('--json', 'print the findings as JSON')
    .action(async (opts: DoctorCliOptions) => {
      const { runDoctor } = await import('../run-doctor.ts');
      process.exitCode = await runDoctor(opts);
    });
}
