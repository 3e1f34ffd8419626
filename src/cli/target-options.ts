/**
 * The stack and route flags every command that talks to a target shares
 * (conform, perf): --driver, --via, --proxy, --ca-cert, --start-timeout.
 * --target, --api-key, --model and --stack stay on each command.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { isRouteName, ROUTE_NAMES } from '../routes/types.ts';
import { parseSeconds } from './options.ts';

/** The flags added by addRouteOptions, as commander hands them over. */
export interface RouteCliOptions {
  driver?: string;
  via?: string;
  proxy?: string;
  caCert?: string;
  startTimeout?: number;
}

function parseVia(value: string): string {
  if (!isRouteName(value)) throw new InvalidArgumentError(`expected one of ${ROUTE_NAMES.join(', ')}`);
  return value;
}

/** Add --driver, --via, --proxy, --ca-cert and --start-timeout to `cmd`. */
export function addRouteOptions(cmd: Command): Command {
  return cmd
    .option('--driver <name>', 'how to start --stack: docker, process or embedded (default: the spec\'s own)')
    .option('--via <route>', `put a reverse proxy in front of the gateway on loopback: ${ROUTE_NAMES.join(', ')} (the -guide ones use the deployment guide's configuration)`, parseVia)
    .option('--proxy <url>', 'send through this HTTP proxy, as Claude Code with HTTPS_PROXY (default: $HTTPS_PROXY / $HTTP_PROXY, minus $NO_PROXY)')
    .option('--ca-cert <file>', 'also trust this CA certificate (PEM), as Claude Code with NODE_EXTRA_CA_CERTS')
    .option('--start-timeout <seconds>', 'bound on standing the stack up (default: 60 for embedded, 1800 for docker/process)', parseSeconds);
}
