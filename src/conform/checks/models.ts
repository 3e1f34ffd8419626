/**
 * /v1/models (catalogue M1–M3): what Claude Code's opt-in gateway model
 * discovery (CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1) reads.
 */
import type { Observation, RequestSpec } from '../../types.ts';
import { defineChecks, outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { answered, cleanRejectionProblems, send, within } from './catalogue-support.ts';
import { bodyText, describeAnswer, isObject, listSome, parseJson, type Json } from './support.ts';

/** Claude Code's discovery gives up after this. */
export const DISCOVERY_TIMEOUT_MS = 3000;
const LIST_PATH = '/v1/models?limit=1000';

type Listing =
  | { readonly kind: 'list'; readonly obs: Observation; readonly ids: string[]; readonly shapeProblems: string[] }
  | { readonly kind: 'absent'; readonly obs: Observation }
  | { readonly kind: 'bad'; readonly obs: Observation | null; readonly detail: string };

function listSpec(auth: 'bearer' | 'x-api-key'): RequestSpec {
  return { method: 'GET', path: LIST_PATH, auth };
}

/** What an Anthropic model page lacks (beyond `data[].id`, which is all Claude Code reads). */
function pageProblems(body: Json, data: readonly Json[]): string[] {
  const problems: string[] = [];
  if (typeof body['has_more'] !== 'boolean') problems.push('no has_more');
  if (!('first_id' in body) || !('last_id' in body)) problems.push('no first_id/last_id');
  const first = data[0];
  if (first && first['type'] !== 'model') problems.push(`data[].type is ${quote(first['type'])}, expected "model"`);
  if (first && typeof first['created_at'] !== 'string') problems.push('data[].created_at missing (RFC 3339 string)');
  return problems;
}

async function listing(ctx: CheckContext, auth: 'bearer' | 'x-api-key'): Promise<Listing> {
  const got = await within(send(ctx, `models-${auth}`, listSpec(auth)), DISCOVERY_TIMEOUT_MS);
  if (got === 'timeout') return { kind: 'bad', obs: null, detail: `no answer within ${DISCOVERY_TIMEOUT_MS / 1000} s (Claude Code's discovery timeout)` };
  const obs = answered(got);
  const status = obs.status ?? 0;
  if (obs.error) return { kind: 'bad', obs, detail: describeAnswer(obs) };
  if (obs.t_end_ms !== null && obs.t_end_ms > DISCOVERY_TIMEOUT_MS) return { kind: 'bad', obs, detail: `answered after ${Math.round(obs.t_end_ms)} ms, past Claude Code's ${DISCOVERY_TIMEOUT_MS / 1000} s discovery timeout` };
  if (status >= 300 && status < 400) {
    return { kind: 'bad', obs, detail: `HTTP ${status} redirect to ${quote(obs.headers['location'] ?? '')}; Claude Code treats any redirect as a failure` };
  }
  if (status === 401 || status === 403) return { kind: 'bad', obs, detail: `the key was refused (${describeAnswer(obs)})` };
  if (status === 404 || status === 405 || status === 501) return { kind: 'absent', obs };
  if (status !== 200) return { kind: 'bad', obs, detail: describeAnswer(obs) };
  const body = parseJson(obs.body);
  const data = isObject(body) && Array.isArray(body['data']) ? body['data'] : null;
  if (!isObject(body) || data === null) return { kind: 'bad', obs, detail: 'HTTP 200 but no data array' };
  const entries = data.filter(isObject);
  const ids = entries.map((m) => m['id']).filter((id): id is string => typeof id === 'string' && id !== '');
  if (ids.length !== data.length) return { kind: 'bad', obs, detail: 'HTTP 200 but some data[] entries have no string id' };
  return { kind: 'list', obs, ids, shapeProblems: pageProblems(body, entries) };
}

const DISCOVERY = 'only matters with CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1';

export const MODEL_CHECKS = defineChecks({
  M1: {
    title: 'GET /v1/models?limit=1000 lists models (Bearer and x-api-key, no redirect, < 3 s)',
    area: 'models',
    severity: 'degraded',
    refs: [],
    async run(ctx): Promise<CheckOutcome> {
      const results = [
        { how: 'Bearer', l: await listing(ctx, 'bearer') },
        { how: 'x-api-key', l: await listing(ctx, 'x-api-key') },
      ];
      for (const { how, l } of results) {
        if (l.kind === 'bad') return outcome('fail', `GET ${LIST_PATH} with the key as ${how}: ${l.detail} (${DISCOVERY})`, l.obs ? bodyText(l.obs) : undefined);
      }
      const lists = results.flatMap(({ l }) => (l.kind === 'list' ? [l] : []));
      if (lists.length === 0) {
        const obs = results[0]?.l.obs;
        return outcome('warn', `GET ${LIST_PATH} answers HTTP ${String(obs?.status)}: no model list. Harmless by default; with CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1, Claude Code finds no models on the gateway`, obs ? bodyText(obs) : undefined);
      }
      if (lists.length < results.length) return outcome('fail', `GET ${LIST_PATH} answers with one auth header and not the other`, bodyText(lists[0]?.obs as Observation));
      const first = lists[0] as Extract<Listing, { kind: 'list' }>;
      if (first.shapeProblems.length > 0) {
        return outcome('warn', `${first.ids.length} model(s) listed; Claude Code reads data[].id, but the list is not an Anthropic page (${listSome(first.shapeProblems)}), which the SDK's models.list() expects`, first.obs.body ?? '');
      }
      return outcome('pass', `${first.ids.length} model(s) listed in the Anthropic page shape, with either auth header`);
    },
  },
  M2: {
    title: 'Listed model ids Claude Code shows (claude*/anthropic*)',
    area: 'models',
    severity: 'cosmetic',
    refs: [],
    async run(ctx) {
      const l = await listing(ctx, 'x-api-key');
      if (l.kind !== 'list') return outcome('skip', 'no model list (see M1)');
      const shown = l.ids.filter((id) => /^(claude|anthropic)/i.test(id));
      if (shown.length === 0) {
        return outcome('fail', `none of ${listSome(l.ids.map((id) => quote(id)))} starts with "claude" or "anthropic", and Claude Code's /model picker ignores other ids: add a claude-… alias if you want discovery to show the model`);
      }
      return outcome('pass', `Claude Code would offer ${listSome(shown.map((id) => quote(id)), 5)}${shown.length < l.ids.length ? ` (and ignore ${l.ids.length - shown.length} other id(s))` : ''}`);
    },
  },
  M3: {
    title: 'GET /v1/models/{id} returns the model or 404 not_found_error',
    area: 'models',
    severity: 'cosmetic',
    refs: [],
    async run(ctx) {
      const path = `/v1/models/${encodeURIComponent(ctx.target.model)}`;
      const obs = answered(await send(ctx, 'model-by-id', { method: 'GET', path }));
      if (obs.status === 200) {
        const body = parseJson(obs.body);
        if (isObject(body) && body['id'] === ctx.target.model && body['type'] === 'model') return outcome('pass', `GET ${path}: the model, type "model"`);
        return outcome('fail', `GET ${path} answered 200 but not with {"type":"model","id":${quote(ctx.target.model)},…}`, bodyText(obs));
      }
      if (obs.status === 404) {
        const problems = cleanRejectionProblems(obs);
        if (problems.length === 0) return outcome('pass', `GET ${path}: 404 not_found_error`);
        return outcome('fail', `GET ${path} answered 404 but ${listSome(problems)}`, bodyText(obs));
      }
      return outcome('fail', `GET ${path} got ${describeAnswer(obs)}; answer the model, or 404 not_found_error`, bodyText(obs));
    },
  },
});
