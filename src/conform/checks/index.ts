/**
 * The check registry: every area's checks spread into one record whose keys
 * are the ids. `CHECK_GROUPS` keeps the areas apart so a test can prove no
 * id is defined twice (a spread would silently keep the last).
 */
import type { Check } from '../check.ts';
import { ERROR_CHECKS } from './errors.ts';
import { GUIDE_CHECKS } from './guide.ts';
import { LIVE_CLIENT_CHECKS } from './live-client.ts';
import { REQUEST_CHECKS } from './request.ts';
import { RESPONSE_CHECKS } from './response.ts';
import { SDK_CHECKS } from './sdk.ts';
import { STOP_CHECKS } from './stop.ts';
import { STREAMING_CHECKS } from './streaming.ts';
import { TOOL_CHECKS } from './tools.ts';
import { TRANSPORT_CHECKS } from './transport.ts';
import { USAGE_CHECKS } from './usage.ts';
import { CONTEXT_WINDOW_CHECKS } from './context-window.ts';
import { COUNT_TOKENS_CHECKS } from './count-tokens.ts';
import { MODEL_CHECKS } from './models.ts';
import { REQUEST_TOLERANCE_CHECKS } from './request-tolerance.ts';
import { RESPONSE_CATALOGUE_CHECKS } from './response-catalogue.ts';
import { TRANSPORT_CATALOGUE_CHECKS } from './transport-catalogue.ts';
import { BEHAVIOUR_CHECKS } from './behaviour.ts';
import { ERRORS_CATALOGUE_CHECKS } from './errors-catalogue.ts';
import { PASSTHROUGH_CHECKS } from './passthrough.ts';
import { STOP_CATALOGUE_CHECKS } from './stop-catalogue.ts';
import { STREAMING_CATALOGUE_CHECKS } from './streaming-catalogue.ts';
import { THINKING_CHECKS } from './thinking.ts';
import { TOOLS_CATALOGUE_CHECKS } from './tools-catalogue.ts';
import { USAGE_CATALOGUE_CHECKS } from './usage-catalogue.ts';

/** Each area's checks, as defined. */
export const CHECK_GROUPS: readonly Readonly<Record<string, Check>>[] = [
  TRANSPORT_CHECKS,
  REQUEST_CHECKS,
  RESPONSE_CHECKS,
  STREAMING_CHECKS,
  STOP_CHECKS,
  USAGE_CHECKS,
  TOOL_CHECKS,
  ERROR_CHECKS,
  SDK_CHECKS,
  LIVE_CLIENT_CHECKS,
  GUIDE_CHECKS,
  TRANSPORT_CATALOGUE_CHECKS,
  REQUEST_TOLERANCE_CHECKS,
  RESPONSE_CATALOGUE_CHECKS,
  COUNT_TOKENS_CHECKS,
  MODEL_CHECKS,
  CONTEXT_WINDOW_CHECKS,
  STREAMING_CATALOGUE_CHECKS,
  TOOLS_CATALOGUE_CHECKS,
  THINKING_CHECKS,
  USAGE_CATALOGUE_CHECKS,
  STOP_CATALOGUE_CHECKS,
  ERRORS_CATALOGUE_CHECKS,
  BEHAVIOUR_CHECKS,
  PASSTHROUGH_CHECKS,
];

/** Every check by id. */
export const CHECKS = {
  ...TRANSPORT_CHECKS,
  ...REQUEST_CHECKS,
  ...RESPONSE_CHECKS,
  ...STREAMING_CHECKS,
  ...STOP_CHECKS,
  ...USAGE_CHECKS,
  ...TOOL_CHECKS,
  ...ERROR_CHECKS,
  ...SDK_CHECKS,
  ...LIVE_CLIENT_CHECKS,
  ...GUIDE_CHECKS,
  ...TRANSPORT_CATALOGUE_CHECKS,
  ...REQUEST_TOLERANCE_CHECKS,
  ...RESPONSE_CATALOGUE_CHECKS,
  ...COUNT_TOKENS_CHECKS,
  ...MODEL_CHECKS,
  ...CONTEXT_WINDOW_CHECKS,
  ...STREAMING_CATALOGUE_CHECKS,
  ...TOOLS_CATALOGUE_CHECKS,
  ...THINKING_CHECKS,
  ...USAGE_CATALOGUE_CHECKS,
  ...STOP_CATALOGUE_CHECKS,
  ...ERRORS_CATALOGUE_CHECKS,
  ...BEHAVIOUR_CHECKS,
  ...PASSTHROUGH_CHECKS,
} as const;

export type CheckId = keyof typeof CHECKS;

export function isCheckId(id: string): id is CheckId {
  return Object.hasOwn(CHECKS, id);
}
