/**
 * client/: the one place that speaks HTTP and SSE to a target and timestamps
 * bytes. Everything else works on the Observations it returns.
 */
export {
  createClient,
  classifyNetworkError,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  type Client,
  type ClientOptions,
  type SendOptions,
} from './http-client.ts';
export { ANTHROPIC_VERSION, buildRequestHeaders, type HeaderInputs } from './request-headers.ts';
export {
  createSseFramer,
  parseFrame,
  DEFAULT_MAX_FRAME_BYTES,
  SSE_COMMENT_TYPE,
  type SseFramer,
  type SseFramerOptions,
} from './sse-framer.ts';
export { openObservationLog, type ObservationLog, type ObservationLogOptions } from './observation-log.ts';
export {
  bodyJson,
  contentDeltas,
  endedMidFrame,
  eventType,
  frameIsClosed,
  isCommentEvent,
  isEventStream,
  outputTokens,
  parseEventJson,
  type ContentDelta,
  type JsonResult,
} from './decode.ts';
