import { createHash } from 'node:crypto';
import os from 'node:os';
import type { EnvironmentInfo } from '../types.ts';

/** The machine the run happened on. The hostname is hashed: reports get shared. */
export function collectEnvironment(): EnvironmentInfo {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    cpu_cores: cpus.length,
    memory_bytes: os.totalmem(),
    hostname_hash: createHash('sha256').update(os.hostname()).digest('hex').slice(0, 12),
  };
}
