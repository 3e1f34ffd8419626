import type { Client } from '../client/index.ts';
import { BenchError } from '../errors.ts';
import type { Target } from '../types.ts';
import { redactUrl } from '../results/redact.ts';

/**
 * Before a suite against an external target: one small request of the kind
 * Claude Code sends at startup (max_tokens 1, "quota"). An unreachable host,
 * a non-HTTP port or a refused key ends the run here with one clear line
 * rather than as forty failed checks.
 */
export async function preflight(client: Client, target: Target, timeoutMs: number): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  const obs = await client.send(
    {
      method: 'POST',
      path: '/v1/messages',
      label: 'preflight',
      body: { model: target.model, max_tokens: 1, messages: [{ role: 'user', content: 'quota' }] },
    },
    { signal },
  );
  const where = redactUrl(target.baseUrl);
  if (obs.error) {
    switch (obs.error.kind) {
      case 'connect':
        throw new BenchError('TARGET_UNREACHABLE', `cannot reach ${where}: ${obs.error.message}`, {
          hint: 'is the gateway running, and is the URL the one Claude Code would use as ANTHROPIC_BASE_URL?',
        });
      case 'protocol':
        // A status line came back: the port speaks HTTP and only the body broke a bound (a huge
        // frame, an endless stream). That is for the checks to judge, not a reason to stop.
        if (obs.status !== null) break;
        throw new BenchError('TARGET_NOT_HTTP', `${where} did not answer HTTP: ${obs.error.message}`, {
          hint: 'check the port: it should be the gateway speaking the Messages API',
        });
      case 'aborted':
      case 'timeout':
        throw new BenchError('TARGET_UNREACHABLE', `${where} did not answer within ${Math.round(timeoutMs / 1000)} s`, {
          hint: 'a Messages endpoint should answer a max_tokens=1 request quickly',
        });
      case 'reset':
        throw new BenchError('TARGET_UNREACHABLE', `${where} closed the connection: ${obs.error.message}`);
    }
  }
  if (obs.status === 401 || obs.status === 403) {
    throw new BenchError('AUTH_REJECTED', `${where} rejected the API key (HTTP ${obs.status})`, {
      hint: 'pass the gateway key with --api-key or ANTHROPIC_API_KEY',
    });
  }
}
