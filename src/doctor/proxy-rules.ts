/**
 * Reading a reverse proxy's configuration for the guide's mistakes: an
 * nginx.conf without `proxy_buffering off`, with nginx's 60 s read timeout
 * or 1 MB body limit; a mitmproxy addon that never sets
 * `flow.response.stream`. Pure: works on the file's text.
 */
import { MIN_BODY_SIZE_MB, MIN_READ_TIMEOUT_S } from '../routes/nginx-conf.ts';
import type { Finding } from './types.ts';

/** nginx.conf text with comments removed. */
function stripComments(text: string): string {
  return text.replace(/#[^\n]*/g, '');
}

/** The last value of a directive in the text, or undefined. */
function directive(text: string, name: string): string | undefined {
  const matches = [...text.matchAll(new RegExp(`(?:^|[;{}\\s])${name}\\s+([^;]+);`, 'g'))];
  return matches[matches.length - 1]?.[1]?.trim();
}

/** nginx time ("600s", "10m", "1h", "600") in seconds. */
export function nginxSeconds(value: string): number | null {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? n / 1000 : unit === 's' ? n : unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n * 86400;
}

/** nginx size ("32m", "1M", "512k", "0" = unlimited) in megabytes. */
export function nginxMegabytes(value: string): number | null {
  const m = /^(\d+)([kKmMgG])?$/.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (n === 0) return Infinity;
  const unit = (m[2] ?? '').toLowerCase();
  return unit === 'k' ? n / 1024 : unit === 'm' ? n : unit === 'g' ? n * 1024 : n / (1024 * 1024);
}

/** Findings in an nginx configuration that proxies to a Claude Code gateway. */
export function nginxFindings(confText: string, where: string): Finding[] {
  const text = stripComments(confText);
  const out: Finding[] = [];
  const buffering = directive(text, 'proxy_buffering');
  if (buffering !== 'off') {
    out.push({
      id: 'proxy-buffering',
      source: 'spec',
      severity: 'degraded',
      where,
      found: `proxy_buffering is ${buffering ?? 'not set (nginx default: on)'}: nginx holds the SSE stream and delivers it in one lump at the end, so Claude Code shows nothing until the answer is complete and TTFT equals the whole response time`,
      fix: 'proxy_buffering off; (and proxy_http_version 1.1; gzip off; in the location that proxies /v1/messages)',
      refs: ['ggml-org/llama.cpp#20872'],
    });
  }
  const timeout = directive(text, 'proxy_read_timeout');
  const seconds = timeout === undefined ? 60 : nginxSeconds(timeout);
  if (seconds !== null && seconds < MIN_READ_TIMEOUT_S) {
    out.push({
      id: 'proxy-read-timeout',
      source: 'spec',
      severity: 'blocker',
      where,
      found: `proxy_read_timeout is ${timeout ?? 'not set (nginx default: 60s)'}: a local model's prefill of Claude Code's ~12k-token requests is silent for longer, and nginx cuts it with a 504`,
      fix: `proxy_read_timeout ${MIN_READ_TIMEOUT_S}s; proxy_send_timeout ${MIN_READ_TIMEOUT_S}s; (Claude Code itself waits up to API_TIMEOUT_MS = 600 s)`,
    });
  }
  const body = directive(text, 'client_max_body_size');
  const mb = body === undefined ? 1 : nginxMegabytes(body);
  if (mb !== null && mb < MIN_BODY_SIZE_MB) {
    out.push({
      id: 'proxy-body-size',
      source: 'spec',
      severity: 'blocker',
      where,
      found: `client_max_body_size is ${body ?? 'not set (nginx default: 1m)'}: Claude Code's requests grow with the conversation past 1 MB, and nginx answers 413 with an HTML page Claude Code cannot read`,
      fix: `client_max_body_size ${MIN_BODY_SIZE_MB}m; (Anthropic accepts 32 MB)`,
    });
  }
  return out;
}

/** Findings in a mitmproxy addon used to rewrite Claude Code's traffic. */
export function mitmAddonFindings(addonText: string, where: string): Finding[] {
  const code = addonText.replace(/#[^\n]*/g, '');
  if (/\.response\.stream\s*=\s*True/.test(code)) return [];
  return [
    {
      id: 'mitm-buffering',
      source: 'spec',
      severity: 'degraded',
      where,
      found: 'the addon rewrites requests but never sets flow.response.stream: mitmproxy reads each SSE response whole and delivers it at the end (TTFT = whole response time)',
      fix: 'add a responseheaders hook: def responseheaders(flow): flow.response.stream = True',
      refs: ['alibaba/OpenSandbox#898'],
    },
  ];
}
