/**
 * Ask the official SDK (@anthropic-ai/sdk) what it makes of a stream: live
 * against the target (with its own fetch, or through the project's client so
 * the request is logged like any other), or by replaying recorded bytes
 * through the same client machinery (a fake `fetch` hands it a Response).
 * Either way the answer is the final Message or the error class and message
 * the SDK raised.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Observation, RequestSpec, SseEvent } from '../types.ts';

/** What the SDK concluded. Errors are classified by class, never by message text. */
export type SdkResult =
  | { readonly ok: true; readonly message: Anthropic.Message }
  | {
      readonly ok: false;
      /** Constructor name of what was thrown: APIError, AnthropicError, TypeError… */
      readonly errorClass: string;
      readonly message: string;
      /** HTTP status for API errors (null for in-stream errors and accumulator crashes). */
      readonly status: number | null;
      /** `error.type` from the error body, when the SDK read one. */
      readonly errorType: string | null;
    };

/** Request parameters the oracle sends (or pretends to have sent, for a replay). */
export type SdkStreamParams = Anthropic.MessageStreamParams;

const REPLAY_PARAMS: SdkStreamParams = {
  model: 'replay',
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'replay' }],
};

function classify(err: unknown): Extract<SdkResult, { ok: false }> {
  if (err instanceof Anthropic.APIError) {
    return {
      ok: false,
      errorClass: err.constructor.name,
      message: err.message,
      status: typeof err.status === 'number' ? err.status : null,
      errorType: err.type ?? null,
    };
  }
  if (err instanceof Error) return { ok: false, errorClass: err.constructor.name, message: err.message, status: null, errorType: null };
  return { ok: false, errorClass: typeof err, message: String(err), status: null, errorType: null };
}

async function finalMessageOf(client: Anthropic, params: SdkStreamParams, signal?: AbortSignal): Promise<SdkResult> {
  try {
    const stream = client.messages.stream(params, signal ? { signal } : undefined);
    const message = await stream.finalMessage();
    return { ok: true, message };
  } catch (err) {
    return classify(err);
  }
}

export interface SdkLiveOptions {
  /** Base URL without /v1, as ANTHROPIC_BASE_URL. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly params: SdkStreamParams;
  readonly timeoutMs: number;
  /** Sent as `x-request-id`, so the gateway's logs can be lined up. */
  readonly requestId?: string;
  readonly signal?: AbortSignal;
}

/**
 * `messages.stream(params).finalMessage()` against the target with
 * `maxRetries: 0`, the key as `x-api-key` and nothing read from the
 * environment's credentials.
 */
export async function sdkStreamLive(options: SdkLiveOptions): Promise<SdkResult> {
  const client = new Anthropic({
    baseURL: options.baseUrl,
    apiKey: options.apiKey,
    maxRetries: 0,
    timeout: options.timeoutMs,
    logLevel: 'off',
    ...(options.requestId !== undefined ? { defaultHeaders: { 'x-request-id': options.requestId } } : {}),
  });
  return finalMessageOf(client, options.params, options.signal);
}

/** The `fetch` signature the SDK accepts. */
export type SdkFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Statuses whose Response may not carry a body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
/** Headers that describe the wire encoding, which the client has already undone. */
const WIRE_HEADERS = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection']);

/** The response an Observation recorded, rebuilt for the SDK: same status, headers and bytes; a cut-off stream errors at its end. */
export function responseFromObservation(obs: Observation): Response {
  if (obs.status === null) {
    // What undici throws when no response arrives; the SDK maps it to APIConnectionError.
    throw new TypeError(`fetch failed (${obs.error?.kind ?? 'no response'}: ${obs.error?.message ?? ''})`);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(obs.headers)) if (!WIRE_HEADERS.has(name)) headers.set(name, value);
  if (NULL_BODY_STATUSES.has(obs.status)) return new Response(null, { status: obs.status, headers });
  const text = obs.body ?? obs.events.map((e) => e.raw).join('');
  const failure = obs.error;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      if (failure) controller.error(new TypeError(`terminated (${failure.kind}: ${failure.message})`));
      else controller.close();
    },
  });
  return new Response(body, { status: obs.status, headers });
}

/**
 * A `fetch` for the SDK that sends through `send` (the project's client):
 * the SDK's exact method, path, headers and body go on the wire, and the
 * recorded answer is handed back. Use it with a base URL without a path.
 */
export function fetchThrough(send: (spec: RequestSpec) => Promise<Observation>): SdkFetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      if (!WIRE_HEADERS.has(name) && name !== 'host') headers[name] = value;
    });
    const raw = init?.body;
    const body = raw === undefined || raw === null ? undefined : typeof raw === 'string' ? raw : await new Response(raw).text();
    const method = (init?.method ?? 'GET').toUpperCase();
    const spec: RequestSpec = {
      method: method === 'POST' || method === 'HEAD' ? method : 'GET',
      path: `${url.pathname}${url.search}`,
      headers,
      auth: 'none',
      ...(body !== undefined ? { body, rawBody: true } : {}),
    };
    return responseFromObservation(await send(spec));
  };
}

/** Placeholder origin for SDK clients whose requests go through `fetchThrough`. */
const THROUGH_BASE_URL = 'http://claude-bench.invalid';

export interface SdkViaOptions {
  readonly apiKey: string;
  readonly params: SdkStreamParams;
  readonly timeoutMs: number;
}

/**
 * `messages.stream(params).finalMessage()` with the SDK's request sent by
 * `send` (e.g. a check's memoized exchange): what the SDK makes of the
 * target's real answer, with the request timed and logged by the client.
 */
export async function sdkStreamVia(send: (spec: RequestSpec) => Promise<Observation>, options: SdkViaOptions): Promise<SdkResult> {
  const client = new Anthropic({
    baseURL: THROUGH_BASE_URL,
    apiKey: options.apiKey,
    maxRetries: 0,
    timeout: options.timeoutMs,
    logLevel: 'off',
    fetch: fetchThrough(send),
  });
  return finalMessageOf(client, options.params);
}

/** The recorded frames joined back into an SSE body (each frame ends with a blank line). */
export function rawStreamText(events: readonly SseEvent[]): string {
  return events.map((e) => `${e.raw.replace(/(\r?\n)+$/, '')}\n\n`).join('');
}

/**
 * Feed recorded SSE bytes to the SDK's own stream decoder and accumulator:
 * a client whose `fetch` answers 200 `text/event-stream` with these bytes,
 * delivered one frame per chunk.
 */
export async function sdkReplayStream(source: string | readonly SseEvent[], params: SdkStreamParams = REPLAY_PARAMS): Promise<SdkResult> {
  const chunks =
    typeof source === 'string' ? [source] : source.map((e) => `${e.raw.replace(/(\r?\n)+$/, '')}\n\n`);
  const encoder = new TextEncoder();
  const replayFetch = async (): Promise<Response> => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
  const client = new Anthropic({
    baseURL: 'http://replay.invalid',
    apiKey: 'replay',
    maxRetries: 0,
    logLevel: 'off',
    fetch: replayFetch,
  });
  return finalMessageOf(client, params);
}
