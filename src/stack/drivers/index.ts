/**
 * Stack drivers by name, and the one entry point that stands a spec up
 * with the driver asked for (or the spec's default).
 */
import { BenchError } from '../../errors.ts';
import type { DriverName, StackSpec } from '../spec.ts';
import { dockerDriver } from './docker.ts';
import { embeddedDriver } from './embedded.ts';
import { processDriver } from './process.ts';
import type { DriverStartOptions, StackDriver, StackHandle } from './types.ts';

export type { DriverStartOptions, StackDriver, StackHandle } from './types.ts';

/** Every driver, keyed by its name. */
export const DRIVERS: Readonly<Record<DriverName, StackDriver>> = {
  docker: dockerDriver,
  process: processDriver,
  embedded: embeddedDriver,
};

/** The driver to use: the one asked for (which the spec must list), else the spec's default. */
export function chooseDriver(spec: StackSpec, asked: string | undefined): DriverName {
  if (asked === undefined) return spec.driver;
  if (!Object.hasOwn(DRIVERS, asked)) throw new BenchError('BAD_USAGE', `unknown driver '${asked}'`, { hint: `drivers: ${Object.keys(DRIVERS).join(', ')}` });
  const name = asked as DriverName;
  if (!spec.drivers.includes(name)) {
    throw new BenchError('BAD_USAGE', `stack ${spec.name} cannot run with the ${name} driver`, { hint: `its drivers: ${spec.drivers.join(', ')}` });
  }
  return name;
}

/** Stand `spec` up with `driver`. Throws STACK_FAILED / BAD_CONFIG / INTERRUPTED with nothing left running. */
export function startStack(spec: StackSpec, driver: DriverName, options: DriverStartOptions): Promise<StackHandle> {
  return DRIVERS[driver].start(spec, options);
}
