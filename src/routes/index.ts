/**
 * routes/: reverse proxies put in front of a gateway on loopback, as the
 * deployment guide's plans 2 (nginx) and 3 (mitmproxy) do, in the guide's
 * configuration or a corrected one (`--via`).
 */
import { startMitmproxyRoute } from './mitmproxy.ts';
import { startNginxRoute } from './nginx.ts';
import { routeParts, type RouteName, type RouteStartOptions, type RunningRoute } from './types.ts';

export { ROUTE_NAMES, isRouteName, routeParts, type RouteClient, type RouteName, type RouteStartOptions, type RunningRoute } from './types.ts';

/** Start the named route in front of `options.upstream`. Throws STACK_FAILED (or INTERRUPTED) with nothing left running. */
export function startRoute(name: RouteName, options: RouteStartOptions): Promise<RunningRoute> {
  const { kind, variant } = routeParts(name);
  return kind === 'nginx' ? startNginxRoute(variant, options) : startMitmproxyRoute(variant, options);
}
