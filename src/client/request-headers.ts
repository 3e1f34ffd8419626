import type { RequestSpec } from '../types.ts';

/** The Messages API version every official client sends. */
export const ANTHROPIC_VERSION = '2023-06-01';

export interface HeaderInputs {
  readonly spec: RequestSpec;
  /** The client's key; `spec.apiKey` wins when set. */
  readonly apiKey: string;
  readonly requestId: string;
  /** Whether a body will be sent (then content-type and content-length are added). */
  readonly bodyBytes: number | null;
  readonly userAgent: string;
  readonly defaultHeaders?: Readonly<Record<string, string>>;
}

/**
 * Request headers, lower-cased. Precedence (later wins, names compared
 * case-insensitively): built-ins (`anthropic-version`, `user-agent`,
 * `x-request-id`, `content-type`, `content-length`, auth from `spec.auth`)
 * < client `defaultHeaders` < `spec.headers`.
 */
export function buildRequestHeaders(inputs: HeaderInputs): Record<string, string> {
  const { spec, requestId, bodyBytes } = inputs;
  const key = spec.apiKey ?? inputs.apiKey;
  const headers: Record<string, string> = {
    'anthropic-version': ANTHROPIC_VERSION,
    'user-agent': inputs.userAgent,
    'x-request-id': requestId,
  };
  if (bodyBytes !== null) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(bodyBytes);
  }
  const auth = spec.auth ?? 'x-api-key';
  if (auth === 'x-api-key' || auth === 'both') headers['x-api-key'] = key;
  if (auth === 'bearer' || auth === 'both') headers['authorization'] = `Bearer ${key}`;
  if (inputs.defaultHeaders) assignLower(headers, inputs.defaultHeaders);
  if (spec.headers) assignLower(headers, spec.headers);
  return headers;
}

function assignLower(target: Record<string, string>, source: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(source)) target[name.toLowerCase()] = value;
}
