/**
 * nginx configurations for the guide's plan 2 (TLS nginx in front of the
 * gateway): the guide's server block as written, and a corrected one whose
 * every change is commented. The same server block is wrapped for a
 * loopback run (own prefix, pid, logs, temp paths) or for a container. Pure.
 */

export type RouteVariant = 'guide' | 'corrected';

/** What a server block needs. */
export interface NginxServerInput {
  readonly variant: RouteVariant;
  /** `listen` argument without `ssl`, e.g. `127.0.0.1:8443` or `443`. */
  readonly listen: string;
  /** Gateway URL, e.g. `http://127.0.0.1:3456`. */
  readonly upstream: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** The least a Claude Code route needs: Anthropic allows 32 MB bodies. */
export const MIN_BODY_SIZE_MB = 32;
/** A silent local prefill may last minutes; Claude Code itself waits 600 s (API_TIMEOUT_MS). */
export const MIN_READ_TIMEOUT_S = 600;

/** The server block. */
export function renderNginxServer(input: NginxServerInput): string {
  const common = [
    `    listen ${input.listen} ssl;`,
    '    server_name api.anthropic.com localhost;',
    `    ssl_certificate     ${input.certFile};`,
    `    ssl_certificate_key ${input.keyFile};`,
  ];
  if (input.variant === 'guide') {
    return [
      '# The deployment guide\'s server block, as written: nginx defaults for everything else',
      '# (proxy_buffering on, proxy_read_timeout 60s, client_max_body_size 1m).',
      'server {',
      ...common,
      '',
      '    location / {',
      `        proxy_pass ${input.upstream};`,
      '        proxy_set_header Host $host;',
      '        proxy_set_header X-Real-IP $remote_addr;',
      '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      '        proxy_set_header X-Forwarded-Proto $scheme;',
      '    }',
      '}',
    ].join('\n');
  }
  return [
    '# Corrected for Claude Code: every change from the guide is commented.',
    'server {',
    ...common,
    `    # Fix: Claude Code requests are ~50 KB at the start and grow with the conversation;`,
    `    # the 1m default answers 413 with an HTML page Claude Code cannot read.`,
    `    client_max_body_size ${MIN_BODY_SIZE_MB}m;`,
    '',
    '    location / {',
    `        proxy_pass ${input.upstream};`,
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Real-IP $remote_addr;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        # HTTP/1.1 upstream: chunked streaming and keep-alive to the gateway.',
    '        proxy_http_version 1.1;',
    '        proxy_set_header Connection "";',
    '        # Fix: pass the SSE stream on event by event; buffered, it arrives in one lump',
    '        # at the end and TTFT becomes the whole response time.',
    '        proxy_buffering off;',
    '        proxy_cache off;',
    '        # Fix: a slow local prefill is silent for minutes; the 60s default cuts it.',
    `        proxy_read_timeout ${MIN_READ_TIMEOUT_S}s;`,
    `        proxy_send_timeout ${MIN_READ_TIMEOUT_S}s;`,
    '        # Fix: compressing text/event-stream holds events back in the compressor.',
    '        gzip off;',
    '        # Tells any nginx further along the path not to buffer this response either.',
    '        add_header X-Accel-Buffering no always;',
    '    }',
    '}',
  ].join('\n');
}

/** A whole nginx.conf for a loopback run under `prefix` (non-daemon, own pid, logs and temp paths). */
export function renderNginxLoopbackConf(input: NginxServerInput & { readonly prefix: string }): string {
  const p = input.prefix;
  const server = indent(renderNginxServer(input));
  return [
    `# claude-bench route: nginx (${input.variant}), generated for one run on loopback.`,
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `pid ${p}/nginx.pid;`,
    `error_log ${p}/logs/error.log info;`,
    '',
    'events {',
    '    worker_connections 256;',
    '}',
    '',
    'http {',
    `    access_log ${p}/logs/access.log;`,
    `    client_body_temp_path ${p}/tmp/client_body;`,
    `    proxy_temp_path ${p}/tmp/proxy;`,
    `    fastcgi_temp_path ${p}/tmp/fastcgi;`,
    `    uwsgi_temp_path ${p}/tmp/uwsgi;`,
    `    scgi_temp_path ${p}/tmp/scgi;`,
    '',
    server,
    '}',
    '',
  ].join('\n');
}

/** A whole nginx.conf for the stack's nginx container (certificates mounted at /etc/nginx/certs). */
export function renderNginxContainerConf(input: Omit<NginxServerInput, 'certFile' | 'keyFile'>, header: readonly string[]): string {
  const server = indent(renderNginxServer({ ...input, certFile: '/etc/nginx/certs/server.pem', keyFile: '/etc/nginx/certs/server.key' }));
  return [
    ...header.map((h) => `# ${h}`),
    'events {',
    '    worker_connections 1024;',
    '}',
    '',
    'http {',
    server,
    '}',
    '',
  ].join('\n');
}

/** Indent non-empty lines by one level. */
function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '    ');
}
