import { InvalidArgumentError } from 'commander';

/** Parse a positive number of seconds (commander argParser). */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

/** Parse a TCP port; 0 means "any free port". */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0–65535');
  return n;
}

/** Parse an http(s) URL given as a target. */
export function parseTargetUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected a URL like http://127.0.0.1:3456');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`expected an http:// or https:// URL, got ${url.protocol}`);
  }
  // A base URL as Claude Code's ANTHROPIC_BASE_URL: no trailing slash, no /v1.
  return value.replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** Split a comma-separated list, dropping empties. */
export function parseList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
