/**
 * Facts of the Anthropic Messages API that several checks share
 * (conformance.md §1.4–1.6). Data only.
 */

/** Every `stop_reason` the API defines (`StopReason` in the TypeScript SDK). */
export const STOP_REASONS = [
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
] as const;

export type StopReason = (typeof STOP_REASONS)[number];

export function isStopReason(value: unknown): value is StopReason {
  return typeof value === 'string' && (STOP_REASONS as readonly string[]).includes(value);
}

/** OpenAI `finish_reason` values that leak through badly translating gateways, and what they should have been. */
export const OPENAI_FINISH_REASONS: Readonly<Record<string, StopReason>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/** The `error.type` the API uses for each status (conformance.md §1.6). */
export const ERROR_TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Every `error.type` the SDK knows. */
export const ERROR_TYPES = [
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'timeout_error',
  'api_error',
  'overloaded_error',
] as const;

/** Anthropic rejects tool_use ids outside this pattern when they are sent back in history. */
export const TOOL_USE_ID_PATTERN = /^[a-zA-Z0-9_-]+$/;

/**
 * Which delta types may extend which block types. Claude Code rejects any
 * other pairing ("Content block is not a text block").
 */
export const DELTA_BLOCK_TYPES: Readonly<Record<string, readonly string[]>> = {
  text_delta: ['text'],
  citations_delta: ['text'],
  input_json_delta: ['tool_use', 'server_tool_use'],
  thinking_delta: ['thinking'],
  signature_delta: ['thinking'],
};

/** Stream event names the grammar knows; others are skipped, as the docs ask clients to do. */
export const STREAM_EVENT_TYPES = [
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
] as const;
