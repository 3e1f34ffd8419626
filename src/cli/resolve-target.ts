/**
 * One way for every command to get its target: a running endpoint
 * (--target), or a stack stood up from its spec (--stack, default
 * embedded), optionally behind a route (--via) and reached through a proxy
 * and CA the way Claude Code would (--proxy, --ca-cert, HTTPS_PROXY,
 * NODE_EXTRA_CA_CERTS). conform uses it; perf can too.
 */
import path from 'node:path';
import { readCaFile, resolveProxy } from '../client/proxy.ts';
import { BenchError } from '../errors.ts';
import { embeddedStackSettings, isEmbeddedStackName } from '../live/stack-settings.ts';
import { redactUrl } from '../results/redact.ts';
import { startRoute, type RouteName, type RunningRoute } from '../routes/index.ts';
import { chooseDriver, startStack, type StackHandle } from '../stack/drivers/index.ts';
import { loadStackSpec } from '../stack/spec.ts';
import type { Target } from '../types.ts';
import { resolveApiKey } from './run-session.ts';
import type { RouteCliOptions } from './target-options.ts';

/** What Claude Code sends by default; a gateway must map whatever model arrives. */
export const DEFAULT_CLIENT_MODEL = 'claude-opus-5-5';
const EMBEDDED_START_S = 60;
const REAL_START_S = 1800;

/** The target flags, as the commands hand them over. */
export interface TargetCliOptions extends RouteCliOptions {
  target?: string;
  apiKey?: string;
  model?: string;
  stack?: string;
}

/** Where and how to resolve. */
export interface ResolveContext {
  /** The run's output folder: stack logs go to <outDir>/stack-logs, route files to <outDir>/route. */
  readonly outDir: string;
  readonly signal?: AbortSignal;
  /** Suites about to run (the embedded stacks adapt their emulator to Claude Code's own requests). */
  readonly suites?: readonly string[];
  /** Environment for keys, HTTPS_PROXY/NO_PROXY (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
  /**
   * Stand up the default stack (no --target, no --stack) this way instead of
   * from the 'embedded' spec: perf starts the emulator with its profile's
   * flags and time scale. Routes and proxies still apply on top.
   */
  readonly standUpDefault?: () => Promise<StackHandle>;
}

/** Client options that take the route (pass them to createClient). */
export interface ClientRoute {
  readonly proxy?: string;
  readonly caCert?: string;
}

/** A target ready to be measured, and the means to take down what was stood up for it. */
export interface ResolvedTarget {
  readonly target: Target;
  readonly client: ClientRoute;
  /** Every key in play, for redaction. */
  readonly secrets: readonly string[];
  /** The stack stood up for this run, if any. */
  readonly stack?: StackHandle;
  /** The route put in front, if any. */
  readonly route?: RunningRoute;
  /** True when a proxy layer (route or forward proxy) is in the path: the proxy checks apply. */
  readonly proxied: boolean;
  /** Stop the route, then the stack. Idempotent; never throws. */
  stop(): Promise<void>;
}

/** The checks that judge a proxy layer, added when one is in the path: one-lump streams (D6), a 1.5 MB body (T12). */
export const ROUTE_CHECK_IDS = ['D6', 'T12'] as const;

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

/** Combine PEM texts (an explicit --ca-cert and a route's CA). */
function joinPem(...pems: (string | undefined)[]): string | undefined {
  const present = pems.filter((p): p is string => p !== undefined && p !== '');
  return present.length === 0 ? undefined : present.join('\n');
}

/**
 * Resolve the target of a run. Anything stood up is torn down again when a
 * later step fails; the caller calls stop() when done.
 */
export async function resolveTargetFromOptions(opts: TargetCliOptions, ctx: ResolveContext): Promise<ResolvedTarget> {
  const env = ctx.env ?? process.env;
  const log = ctx.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (opts.target !== undefined && opts.stack !== undefined) {
    throw new BenchError('BAD_USAGE', '--target and --stack exclude each other', { hint: 'give a running endpoint with --target, or a stack to stand up with --stack' });
  }
  const explicitCa = opts.caCert !== undefined ? readCaFile(opts.caCert) : undefined;
  const secrets: string[] = [];
  let stack: StackHandle | undefined;
  let route: RunningRoute | undefined;
  const stop = async (): Promise<void> => {
    await route?.stop();
    await stack?.stop();
  };
  try {
    let target: Target;
    if (opts.target !== undefined) {
      if (opts.driver !== undefined) throw new BenchError('BAD_USAGE', '--driver applies to --stack, not to --target');
      const apiKey = resolveApiKey(opts.apiKey, env);
      secrets.push(apiKey);
      target = {
        baseUrl: opts.target,
        apiKey,
        model: opts.model ?? DEFAULT_CLIENT_MODEL,
        kind: 'external',
        emulated: false,
        description: `external target ${redactUrl(opts.target)}`,
      };
    } else if (opts.stack === undefined && ctx.standUpDefault !== undefined) {
      if (opts.driver !== undefined && opts.driver !== 'embedded') throw new BenchError('BAD_USAGE', `--driver ${opts.driver} applies to --stack; the default stack is the embedded one`);
      stack = await ctx.standUpDefault();
      target = stack.target;
      secrets.push(target.apiKey, ...stack.secrets);
    } else {
      const name = opts.stack ?? 'embedded';
      const { spec } = loadStackSpec(name);
      const driver = chooseDriver(spec, opts.driver);
      const startS = opts.startTimeout ?? (driver === 'embedded' ? EMBEDDED_START_S : REAL_START_S);
      const settings = driver === 'embedded' && isEmbeddedStackName(spec.name) ? embeddedStackSettings(spec.name, ctx.suites ?? []) : undefined;
      log(
        settings
          ? `claude-bench: standing up the embedded stack '${spec.name}': ${settings.description}…`
          : `claude-bench: standing up stack '${spec.name}' with the ${driver} driver (${spec.title})…`,
      );
      stack = await startStack(spec, driver, {
        runDir: path.join(ctx.outDir, 'stack'),
        logDir: path.join(ctx.outDir, 'stack-logs'),
        env,
        deadline: Date.now() + startS * 1000,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(opts.model !== undefined ? { model: opts.model } : {}),
        ...(settings ? { extraEmulatorArgs: settings.emulatorArgs } : {}),
      });
      target = stack.target;
      secrets.push(target.apiKey, ...stack.secrets);
    }

    let client: ClientRoute = {};
    if (opts.via !== undefined) {
      if (opts.proxy !== undefined) throw new BenchError('BAD_USAGE', '--via and --proxy exclude each other', { hint: 'a mitmproxy route is itself the proxy' });
      if (!isLoopback(target.baseUrl)) {
        throw new BenchError('BAD_USAGE', `--via runs the proxy on loopback in front of a loopback gateway; ${redactUrl(target.baseUrl)} is not one`);
      }
      log(`claude-bench: putting ${opts.via} in front of ${redactUrl(target.baseUrl)}…`);
      route = await startRoute(opts.via as RouteName, {
        upstream: target.baseUrl,
        logDir: path.join(ctx.outDir, 'route'),
        deadline: Date.now() + 60_000,
        secrets,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      const caCert = joinPem(explicitCa, route.client.caCert);
      client = { ...(route.client.proxy ? { proxy: route.client.proxy } : {}), ...(caCert ? { caCert } : {}) };
      target = { ...target, baseUrl: route.client.baseUrl, description: `${target.description}, via ${route.description}` };
    } else {
      // The environment's proxy applies to a target the user named, as it would for Claude Code; a stack we stood up on loopback is reached directly.
      const proxy = resolveProxy(new URL(target.baseUrl), opts.proxy, target.kind === 'external' ? env : {});
      client = { ...(proxy !== null ? { proxy } : {}), ...(explicitCa ? { caCert: explicitCa } : {}) };
      if (proxy !== null) target = { ...target, description: `${target.description}, through proxy ${redactUrl(proxy)}` };
    }
    return { target, client, secrets, ...(stack ? { stack } : {}), ...(route ? { route } : {}), proxied: route !== undefined || client.proxy !== undefined, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
