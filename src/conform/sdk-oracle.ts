/**
 * Ask the official SDK (@anthropic-ai/sdk) what it makes of a stream: live
 * against the target, or by replaying recorded bytes through the same
 * client machinery (a fake `fetch` hands it a Response). Either way the
 * answer is the final Message or the error class and message the SDK raised.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { SseEvent } from '../types.ts';

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
