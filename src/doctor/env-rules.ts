/**
 * The Claude Code environment of this shell: would a `claude` started here
 * reach the local stack, or still the Anthropic host? Pure: works on an
 * environment object.
 */
import type { Finding } from './types.ts';

const ANTHROPIC_HOST = /(^|\.)anthropic\.com$/i;

function set(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Findings about Claude Code's environment. `expected` is the base URL the
 * stack documents (when one is known), to spot a shell pointed elsewhere.
 */
export function envFindings(env: NodeJS.ProcessEnv, expected?: string): Finding[] {
  const out: Finding[] = [];
  const base = set(env, 'ANTHROPIC_BASE_URL');
  const proxy = set(env, 'HTTPS_PROXY') ?? set(env, 'https_proxy');
  let host: string | null = null;
  if (base !== undefined) {
    try {
      host = new URL(base).hostname;
    } catch {
      out.push({ id: 'env-base-url', source: 'environment', severity: 'blocker', where: 'ANTHROPIC_BASE_URL', found: `ANTHROPIC_BASE_URL is not a URL: ${JSON.stringify(base)}`, fix: 'export ANTHROPIC_BASE_URL=http://127.0.0.1:<gateway port>' });
      return out;
    }
  }
  const toAnthropic = base === undefined || (host !== null && ANTHROPIC_HOST.test(host));
  if (toAnthropic && proxy === undefined) {
    out.push({
      id: 'env-anthropic-host',
      source: 'environment',
      severity: 'blocker',
      where: 'ANTHROPIC_BASE_URL',
      found: base === undefined ? 'ANTHROPIC_BASE_URL is not set in this shell: a claude started here talks to api.anthropic.com, not to the local stack' : `ANTHROPIC_BASE_URL points at ${host ?? base}: Claude Code from this shell still talks to the Anthropic host`,
      fix: `export ANTHROPIC_BASE_URL=${expected ?? 'http://127.0.0.1:<gateway port>'} (or, behind an intercepting proxy, HTTPS_PROXY and NODE_EXTRA_CA_CERTS)`,
    });
  }
  if (toAnthropic && proxy !== undefined && set(env, 'NODE_EXTRA_CA_CERTS') === undefined) {
    out.push({
      id: 'env-proxy-ca',
      source: 'environment',
      severity: 'blocker',
      where: 'NODE_EXTRA_CA_CERTS',
      found: `HTTPS_PROXY is ${proxy} but NODE_EXTRA_CA_CERTS is not set: Claude Code will not trust the intercepting proxy's certificate for api.anthropic.com`,
      fix: 'export NODE_EXTRA_CA_CERTS=<the proxy CA, e.g. ~/.mitmproxy/mitmproxy-ca-cert.pem>',
    });
  }
  if (base !== undefined && /\/v1(\/messages)?\/?$/.test(new URL(base).pathname)) {
    out.push({
      id: 'env-base-url',
      source: 'environment',
      severity: 'blocker',
      where: 'ANTHROPIC_BASE_URL',
      found: `ANTHROPIC_BASE_URL ends in ${new URL(base).pathname}: Claude Code appends /v1/messages itself`,
      fix: `export ANTHROPIC_BASE_URL=${base.replace(/\/v1(\/messages)?\/?$/, '')}`,
    });
  }
  if (!toAnthropic && expected !== undefined && !/[<>]/.test(expected) && base !== undefined && base.replace(/\/+$/, '') !== expected.replace(/\/+$/, '')) {
    out.push({
      id: 'env-elsewhere',
      source: 'environment',
      severity: 'degraded',
      where: 'ANTHROPIC_BASE_URL',
      found: `ANTHROPIC_BASE_URL is ${base}, not this stack's ${expected}`,
      fix: `export ANTHROPIC_BASE_URL=${expected}`,
    });
  }
  const key = set(env, 'ANTHROPIC_API_KEY');
  const token = set(env, 'ANTHROPIC_AUTH_TOKEN');
  if (!toAnthropic && key === undefined && token === undefined) {
    out.push({ id: 'env-no-key', source: 'environment', severity: 'blocker', where: 'ANTHROPIC_AUTH_TOKEN', found: 'neither ANTHROPIC_API_KEY nor ANTHROPIC_AUTH_TOKEN is set: claude stops with "Invalid API key"', fix: "export ANTHROPIC_AUTH_TOKEN=<the gateway's key>" });
  }
  if (key !== undefined && token !== undefined && key !== token) {
    out.push({
      id: 'env-two-keys',
      source: 'environment',
      severity: 'degraded',
      where: 'ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN',
      found: 'both ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN are set, to different values: Claude Code sends both headers and gateways that check both refuse',
      fix: 'keep one of them',
    });
  }
  return out;
}
