/**
 * The deployment guide's known mistakes, looked for in a stack spec before
 * anything runs (design.md "What the guide's own stack gets wrong"). Each
 * rule is a pure function of the spec returning findings with their fix.
 */
import { readFileSync } from 'node:fs';
import { MITM_ADDONS } from '../routes/mitmproxy.ts';
import { renderNginxServer } from '../routes/nginx-conf.ts';
import { contextWindow, flagValue, hasFlag, type SpecArg, type StackSpec } from '../stack/spec.ts';
import { mitmAddonFindings, nginxFindings } from './proxy-rules.ts';
import type { Finding } from './types.ts';

/** Claude Code's first request: ~49 KB of JSON, system prompt and a dozen tool schemas, about 12k tokens. */
export const CLAUDE_CODE_FIRST_REQUEST_TOKENS = 12_000;
/** max_tokens Claude Code asks of a model id it does not know (CLAUDE_CODE_MAX_OUTPUT_TOKENS lowers it). */
export const CLAUDE_CODE_DEFAULT_MAX_TOKENS = 32_000;
/** Ollama's default context below 24 GiB of VRAM. */
const OLLAMA_DEFAULT_CONTEXT = 4_096;
/** The model id Claude Code sends when nothing else is set, and the background (haiku) one. */
const CC_DEFAULT_MODEL = 'claude-opus-5-5';
const CC_DEFAULT_HAIKU = 'claude-haiku-4-5';
/** Flags people pass to Claude Code that it does not have. */
const NONEXISTENT_FLAGS = ['--api-key', '--api-base', '--base-url', '--api-url', '--endpoint', '--openai-api-base'];
const ANTHROPIC_HOST = /(^|\.)anthropic\.com$/i;

/** The output budget Claude Code asks for under this spec's client environment. */
export function outputBudget(spec: StackSpec): number {
  const v = Number(spec.client.env['CLAUDE_CODE_MAX_OUTPUT_TOKENS']);
  return Number.isInteger(v) && v > 0 ? v : CLAUDE_CODE_DEFAULT_MAX_TOKENS;
}

function windowFlag(spec: StackSpec): string {
  return spec.backend.kind === 'llamacpp' ? '-c' : spec.backend.kind === 'ollama' ? 'OLLAMA_CONTEXT_LENGTH' : '--max-model-len';
}

/** The per-request window of a backend configured with `args` (llama.cpp splits -c among its slots). */
function effectiveWindow(spec: StackSpec, args: readonly SpecArg[]): number | null {
  const b = spec.backend;
  const window = contextWindow(b.kind, args, b.env ?? {});
  if (window === null) return b.kind === 'ollama' ? OLLAMA_DEFAULT_CONTEXT : null;
  const slots = b.kind === 'llamacpp' ? Number(flagValue(args, '--parallel') ?? flagValue(args, '-np') ?? 1) : 1;
  return Math.floor(window / (Number.isInteger(slots) && slots > 0 ? slots : 1));
}

function windowFinding(spec: StackSpec, args: readonly SpecArg[], where: string, advice: string | null): Finding | null {
  const window = effectiveWindow(spec, args);
  if (window === null) return null;
  const budget = outputBudget(spec);
  const flag = windowFlag(spec);
  const need = CLAUDE_CODE_FIRST_REQUEST_TOKENS + budget;
  const said = advice === null ? '' : ` (the tuning advice "${advice}")`;
  if (window >= need) return null;
  const found =
    window < CLAUDE_CODE_FIRST_REQUEST_TOKENS
      ? `a context window of ${window} tokens${said} cannot hold even Claude Code's first request (~${CLAUDE_CODE_FIRST_REQUEST_TOKENS} tokens of system prompt and tool schemas): every session fails on its first turn`
      : `a context window of ${window} tokens${said} holds Claude Code's ~${CLAUDE_CODE_FIRST_REQUEST_TOKENS}-token first request but not the max_tokens ${budget} it asks for (${need} in all): the backend rejects it with a 400`;
  return {
    id: advice === null ? 'window' : 'window-tuning-advice',
    source: 'spec',
    severity: 'blocker',
    where,
    found,
    fix: `${flag} 65536 (Qwen2.5 with YaRN factor 2 past its native 32768), and CLAUDE_CODE_MAX_OUTPUT_TOKENS=16384 in Claude Code's environment; never below ${need} with Claude Code's default max_tokens`,
  };
}

function toolFlagFindings(spec: StackSpec): Finding[] {
  const b = spec.backend;
  if (b.kind === 'vllm' || b.kind === 'emulator') {
    const missing = ['--enable-auto-tool-choice', '--tool-call-parser'].filter((f) => !hasFlag(b.args, f));
    if (missing.length === 0) return [];
    return [
      {
        id: 'tool-flags',
        source: 'spec',
        severity: 'blocker',
        where: 'backend.args',
        found: `vLLM is started without ${missing.join(' and ')}: it rejects Claude Code's tool_choice "auto" with a 400, or the model's tool calls come back as plain text`,
        fix: '--enable-auto-tool-choice --tool-call-parser hermes (the parser for Qwen2.5-Coder)',
      },
    ];
  }
  if (b.kind === 'llamacpp' && !hasFlag(b.args, '--jinja')) {
    return [{ id: 'tool-flags', source: 'spec', severity: 'degraded', where: 'backend.args', found: 'llama-server runs without --jinja: tool calls depend on the model\'s own chat template', fix: '--jinja' }];
  }
  return [];
}

/** `os.environ/NAME` (LiteLLM) or `$NAME` / `${NAME}` (claude-code-router) → NAME. */
function envReference(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(value) ?? /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(value);
  return m?.[1] ?? null;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function masterKeyFindings(spec: StackSpec): Finding[] {
  const g = spec.gateway;
  if (g.kind === 'none') return [];
  const config = record(g.config);
  const [field, value] = g.kind === 'litellm' ? ['general_settings.master_key', record(config['general_settings'])['master_key']] : ['APIKEY', config['APIKEY']];
  const keyVar = g.master_key_env;
  const out: Finding[] = [];
  if (value !== undefined && keyVar !== undefined && envReference(value) !== keyVar) {
    const literal = envReference(value) === null;
    out.push({
      id: 'master-keys',
      source: 'spec',
      severity: 'blocker',
      where: `gateway.config.${field}`,
      found: `two different master keys: the gateway is given ${keyVar} in its environment, but its config sets ${field} to ${literal ? 'a literal key' : `another variable (${String(value)})`}, which wins; clients holding ${keyVar} get 401`,
      fix: g.kind === 'litellm' ? `master_key: os.environ/${keyVar} — one key, from one place` : `"APIKEY": "$${keyVar}"`,
    });
  }
  const clientVar = spec.client.api_key_env;
  if (keyVar !== undefined && clientVar !== undefined && clientVar !== keyVar) {
    out.push({
      id: 'master-keys',
      source: 'spec',
      severity: 'blocker',
      where: 'client.api_key_env',
      found: `clients send ${clientVar} but the gateway's key is ${keyVar}: two keys again`,
      fix: `send the gateway's own key (${keyVar}) as ANTHROPIC_AUTH_TOKEN or ANTHROPIC_API_KEY`,
    });
  }
  return out;
}

function cacheFindings(spec: StackSpec): Finding[] {
  if (spec.gateway.kind !== 'litellm') return [];
  const settings = record(record(spec.gateway.config)['litellm_settings']);
  if (settings['cache'] !== true) return [];
  const type = record(settings['cache_params'])['type'];
  return [
    {
      id: 'response-cache',
      source: 'spec',
      severity: 'degraded',
      where: 'gateway.config.litellm_settings.cache',
      found: `a response cache (${typeof type === 'string' ? type : 'default'}) in front of an agent loop: a re-sent or repeated request (a retry after a timeout, the startup probes) gets a stored answer — stale tool calls with reused tool_use ids — instead of a fresh one, and nothing is gained on the turns that differ`,
      fix: 'remove cache: true; for speed use the backend\'s prefix caching (vLLM --enable-prefix-caching), which reuses the shared prompt and still generates a fresh answer',
    },
  ];
}

function launchFindings(spec: StackSpec): Finding[] {
  const [program, ...args] = spec.client.command;
  const bad = args.filter((a) => NONEXISTENT_FLAGS.includes(a.split('=')[0] ?? a));
  const out: Finding[] = [];
  if (bad.length > 0 || program === 'claude-code') {
    const what = [program === 'claude-code' ? 'the command is claude, not claude-code' : '', bad.length > 0 ? `Claude Code has no ${bad.join(' / ')} flag${bad.length > 1 ? 's' : ''}` : ''].filter(Boolean).join('; ');
    out.push({
      id: 'client-flags',
      source: 'spec',
      severity: 'blocker',
      where: 'client.command',
      found: `${spec.client.command.join(' ')}: ${what}, so this launch line does not reach the gateway`,
      fix: 'configure Claude Code by environment: ANTHROPIC_BASE_URL=<gateway URL> and ANTHROPIC_AUTH_TOKEN (Bearer) or ANTHROPIC_API_KEY (x-api-key), then run claude',
    });
  }
  const base = spec.client.env['ANTHROPIC_BASE_URL'];
  const viaProxy = spec.client.env['HTTPS_PROXY'] !== undefined;
  let host: string | null = null;
  try {
    host = base === undefined ? null : new URL(base.replace(/<[^>]*>/g, '1')).hostname;
  } catch {
    host = null;
  }
  if (!viaProxy && (base === undefined || (host !== null && ANTHROPIC_HOST.test(host)))) {
    out.push({
      id: 'anthropic-host',
      source: 'spec',
      severity: 'blocker',
      where: 'client.env',
      found: base === undefined ? 'the Claude Code environment sets no ANTHROPIC_BASE_URL: Claude Code still talks to api.anthropic.com' : `ANTHROPIC_BASE_URL points at ${host ?? base}, the Anthropic API`,
      fix: `ANTHROPIC_BASE_URL=http://127.0.0.1:${spec.gateway.kind === 'none' ? spec.backend.port : (spec.gateway.port ?? '<port>')} (no /v1), or HTTPS_PROXY + NODE_EXTRA_CA_CERTS for an intercepting proxy`,
    });
  }
  return out;
}

/** `claude-*` style globs of LiteLLM model_name. */
function globMatches(pattern: string, id: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(id);
}

function modelFindings(spec: StackSpec): Finding[] {
  const env = spec.client.env;
  const ids = [
    ['main loop', env['ANTHROPIC_MODEL'] ?? CC_DEFAULT_MODEL],
    ['background (haiku) work', env['ANTHROPIC_DEFAULT_HAIKU_MODEL'] ?? env['ANTHROPIC_SMALL_FAST_MODEL'] ?? CC_DEFAULT_HAIKU],
  ] as const;
  const g = spec.gateway;
  const b = spec.backend;
  let accepts: (id: string) => boolean;
  let where: string;
  if (g.kind === 'litellm') {
    const names = (Array.isArray(record(g.config)['model_list']) ? (record(g.config)['model_list'] as unknown[]) : []).map((m) => record(m)['model_name']).filter((n): n is string => typeof n === 'string');
    accepts = (id) => names.some((n) => globMatches(n, id));
    where = 'gateway.config.model_list';
  } else if (g.kind === 'claude-code-router') {
    accepts = () => true; // Router.default takes every model id
    where = 'gateway.config.Router';
  } else if (b.kind === 'vllm') {
    accepts = (id) => id === (b.served_model_name ?? b.model);
    where = 'backend.served_model_name / client.env';
  } else if (b.kind === 'ollama') {
    accepts = (id) => id === b.model || `${id}:latest` === b.model;
    where = 'client.env';
  } else {
    accepts = () => true; // llama-server serves one model under any name
    where = '';
  }
  const missing = ids.filter(([, id]) => !accepts(id));
  if (missing.length === 0) return [];
  return [
    {
      id: 'model-names',
      source: 'spec',
      severity: 'blocker',
      where,
      found: `the model ids Claude Code sends are not served: ${missing.map(([what, id]) => `${id} (${what})`).join(', ')}: the gateway answers 400/404 "model not found"`,
      fix:
        g.kind === 'litellm'
          ? 'add a model_list entry with model_name "claude-*" routed to the local model (or set ANTHROPIC_MODEL and ANTHROPIC_DEFAULT_HAIKU_MODEL to a served name)'
          : 'set ANTHROPIC_MODEL and ANTHROPIC_DEFAULT_OPUS/SONNET/HAIKU_MODEL to the served model name in Claude Code\'s environment',
    },
  ];
}

function authFindings(spec: StackSpec): Finding[] {
  if (spec.gateway.kind !== 'none' || spec.backend.kind !== 'vllm' || spec.backend.api_key_env === undefined || spec.client.auth !== 'x-api-key') return [];
  return [
    {
      id: 'vllm-x-api-key',
      source: 'spec',
      severity: 'blocker',
      where: 'client.auth',
      found: "vLLM's --api-key accepts only Authorization: Bearer, but Claude Code is given the key as ANTHROPIC_API_KEY (x-api-key): every request gets 401",
      fix: 'give Claude Code the key as ANTHROPIC_AUTH_TOKEN (sent as Bearer)',
      refs: ['vllm-project/vllm#51572'],
    },
  ];
}

function routeFindings(spec: StackSpec): Finding[] {
  return (spec.routes ?? []).flatMap((route, i) => {
    const where = `routes[${i}] (${route.kind}, ${route.variant})`;
    if (route.kind === 'nginx') {
      return nginxFindings(renderNginxServer({ variant: route.variant, listen: String(route.port), upstream: 'http://gateway', certFile: 'c', keyFile: 'k' }), where);
    }
    return mitmAddonFindings(readFileSync(MITM_ADDONS[route.variant], 'utf8'), where);
  });
}

/** Every known mistake in `spec`, in the order a user would hit them. */
export function specFindings(spec: StackSpec): Finding[] {
  const window = windowFinding(spec, spec.backend.args, `backend.args ${windowFlag(spec)}`, null);
  const tuning = (spec.tuning ?? []).map((t, i) => windowFinding(spec, [...spec.backend.args, ...t.backend_args], `tuning[${i}]`, t.says));
  return [
    ...(window ? [window] : []),
    ...tuning.filter((f): f is Finding => f !== null),
    ...toolFlagFindings(spec),
    ...masterKeyFindings(spec),
    ...modelFindings(spec),
    ...authFindings(spec),
    ...cacheFindings(spec),
    ...routeFindings(spec),
    ...launchFindings(spec),
  ];
}
