/**
 * Claude Code's environment as this process sees it: does a `claude` started
 * from this shell talk to the gateway under test, with a key? Claude Code is
 * configured only by environment (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY →
 * x-api-key, ANTHROPIC_AUTH_TOKEN → Bearer); it has no --api-key or
 * --api-base flags, whatever a guide says. Pure.
 */
import type { Target } from '../types.ts';

/** Hosts that mean "the real Anthropic API", not a local gateway. */
const ANTHROPIC_HOST = /(^|\.)anthropic\.com$/i;
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** A key to try against the gateway before judging. */
export interface KeyProbe {
  readonly auth: 'x-api-key' | 'bearer';
  readonly key: string;
  /** The variable it came from. */
  readonly variable: 'ANTHROPIC_API_KEY' | 'ANTHROPIC_AUTH_TOKEN';
}

/** Either a finished judgement, or one that depends on whether the gateway accepts the user's key. */
export type EnvAssessment =
  | { readonly kind: 'done'; readonly status: 'pass' | 'fail' | 'warn' | 'skip'; readonly detail: string }
  | { readonly kind: 'probe-key'; readonly probe: KeyProbe; readonly note: string };

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v.length === 0 ? undefined : v;
}

/** `scheme://host:port/path` with loopback names unified and the trailing slash dropped, for comparison. */
export function normalizeBaseUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    const host = LOOPBACK_NAMES.has(u.hostname) ? 'loopback' : u.hostname.toLowerCase();
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return `${u.protocol}//${host}:${port}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

/** The line a user can paste (never with the key itself). */
export function envFix(target: Target): string {
  return `export ANTHROPIC_BASE_URL=${target.baseUrl.replace(/\/+$/, '')} ANTHROPIC_API_KEY=<the gateway's key> (Claude Code has no --api-base/--api-key flags)`;
}

/**
 * Judge ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN in
 * `env` against `target`. For the embedded stack (an ephemeral gateway no
 * shell can point at) anything but an exact match is a skip.
 */
export function assessClaudeEnv(env: NodeJS.ProcessEnv, target: Target): EnvAssessment {
  const fix = envFix(target);
  const embedded = target.kind === 'embedded';
  const done = (status: 'pass' | 'fail' | 'warn' | 'skip', detail: string): EnvAssessment => ({ kind: 'done', status, detail });
  const elsewhere = (detail: string): EnvAssessment =>
    embedded ? done('skip', `${detail}; this run tested the ephemeral embedded stack (the live-client suite points Claude Code at it itself). For your gateway: ${fix}`) : done('fail', `${detail}. Fix: ${fix}`);

  const base = nonEmpty(env['ANTHROPIC_BASE_URL']);
  if (base === undefined) return elsewhere(`ANTHROPIC_BASE_URL is not set: a claude started from this shell talks to api.anthropic.com, not to ${target.baseUrl}`);
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return elsewhere(`ANTHROPIC_BASE_URL is not a URL: ${JSON.stringify(base)}`);
  }
  if (ANTHROPIC_HOST.test(url.hostname)) return elsewhere(`ANTHROPIC_BASE_URL points at ${url.host}, the Anthropic API, not at the gateway under test`);
  if (/\/v1(\/messages)?\/?$/.test(url.pathname)) {
    return elsewhere(`ANTHROPIC_BASE_URL ends in ${url.pathname}: Claude Code appends /v1/messages itself, so it would post to ${url.pathname.replace(/\/+$/, '')}/v1/messages`);
  }
  if (normalizeBaseUrl(base) !== normalizeBaseUrl(target.baseUrl)) {
    const detail = `ANTHROPIC_BASE_URL is ${base}, not the gateway under test (${target.baseUrl})`;
    return embedded ? elsewhere(detail) : done('warn', `${detail}: Claude Code from this shell would use another gateway. Fix: ${fix}`);
  }

  const apiKey = nonEmpty(env['ANTHROPIC_API_KEY']);
  const token = nonEmpty(env['ANTHROPIC_AUTH_TOKEN']);
  if (apiKey === undefined && token === undefined) {
    return done('fail', `ANTHROPIC_BASE_URL points at the gateway, but neither ANTHROPIC_API_KEY nor ANTHROPIC_AUTH_TOKEN is set: claude -p stops with "Invalid API key". Fix: ${fix}`);
  }
  const probe: KeyProbe = apiKey !== undefined ? { auth: 'x-api-key', key: apiKey, variable: 'ANTHROPIC_API_KEY' } : { auth: 'bearer', key: token as string, variable: 'ANTHROPIC_AUTH_TOKEN' };
  const note =
    apiKey !== undefined && token !== undefined
      ? 'both ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN are set: Claude Code sends x-api-key and Authorization: Bearer, and gateways that check both refuse differing values; keep one'
      : '';
  return { kind: 'probe-key', probe, note };
}
