/**
 * The environment fingerprint stored with every perf result: the machine
 * claude-bench ran on (systeminformation: CPU, cores, memory, GPUs, OS) and
 * the target's versions (gateway, backend, model, emulated or not). Two runs
 * are comparable only when their fingerprints agree; `compareFingerprints`
 * is the pure rule the gate uses to refuse apples-to-oranges comparisons.
 */
import { createHash } from 'node:crypto';
import si from 'systeminformation';
import type { Profile } from '../profiles/types.ts';
import type { Target } from '../types.ts';

export interface GpuInfo {
  readonly vendor: string;
  readonly model: string;
  /** MB, when known. */
  readonly vram_mb: number | null;
}

export interface Fingerprint {
  readonly machine: {
    readonly cpu: string;
    readonly cpu_cores: number;
    readonly cpu_physical_cores: number;
    readonly memory_bytes: number;
    readonly gpus: readonly GpuInfo[];
    readonly os: string;
    readonly node: string;
  };
  readonly target: {
    readonly model: string;
    readonly emulated: boolean;
    readonly gateway: string | null;
    readonly backend: string | null;
  };
  /** Profile the run was judged against, if any. */
  readonly profile: string | null;
  /** Short hash over everything above, for a quick equality test. */
  readonly hash: string;
}

/** Bound on systeminformation probes (GPU detection runs external tools). */
const PROBE_TIMEOUT_MS = 5_000;

function withTimeout<T>(p: Promise<T>, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback), PROBE_TIMEOUT_MS);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}

/** Probe this machine and describe the target. Never throws: unknown parts are left empty. */
export async function collectFingerprint(target: Pick<Target, 'model' | 'emulated' | 'gateway' | 'backend'>, profile: string | null): Promise<Fingerprint> {
  const [cpu, mem, graphics, os] = await Promise.all([
    withTimeout(si.cpu(), null),
    withTimeout(si.mem(), null),
    withTimeout(si.graphics(), null),
    withTimeout(si.osInfo(), null),
  ]);
  const machine = {
    cpu: cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : 'unknown',
    cpu_cores: cpu?.cores ?? 0,
    cpu_physical_cores: cpu?.physicalCores ?? 0,
    memory_bytes: mem?.total ?? 0,
    gpus: (graphics?.controllers ?? []).map((c) => ({ vendor: c.vendor, model: c.model, vram_mb: c.vram ?? null })),
    os: os ? `${os.distro} ${os.release} (${os.kernel})` : 'unknown',
    node: process.version,
  };
  return buildFingerprint(machine, target, profile);
}

/** Assemble a fingerprint (and its hash) from parts. Pure. */
export function buildFingerprint(
  machine: Fingerprint['machine'],
  target: Pick<Target, 'model' | 'emulated' | 'gateway' | 'backend'>,
  profile: string | null,
): Fingerprint {
  const t = {
    model: target.model,
    emulated: target.emulated,
    gateway: target.gateway ? `${target.gateway.name} ${target.gateway.version}` : null,
    backend: target.backend ? `${target.backend.name} ${target.backend.version}` : null,
  };
  const hash = createHash('sha256').update(JSON.stringify({ machine: { ...machine, node: undefined }, t, profile })).digest('hex').slice(0, 16);
  return { machine, target: t, profile, hash };
}

export interface FingerprintComparison {
  readonly comparable: boolean;
  /** One line per difference that makes the runs incomparable. */
  readonly differences: readonly string[];
  /** Differences worth knowing that do not forbid the comparison (Node version, small memory drift). */
  readonly notes: readonly string[];
}

/**
 * Can two runs be compared? They must agree on the machine (CPU, cores,
 * memory within 5 %, GPUs) and the target (model, gateway and backend
 * versions, emulated or not, profile). Pure.
 */
export function compareFingerprints(a: Fingerprint, b: Fingerprint): FingerprintComparison {
  const differences: string[] = [];
  const notes: string[] = [];
  const diff = (what: string, x: unknown, y: unknown): void => {
    if (JSON.stringify(x) !== JSON.stringify(y)) differences.push(`${what}: ${String(x)} vs ${String(y)}`);
  };
  diff('CPU', a.machine.cpu, b.machine.cpu);
  diff('CPU cores', a.machine.cpu_cores, b.machine.cpu_cores);
  const ma = a.machine.memory_bytes;
  const mb = b.machine.memory_bytes;
  if (Math.abs(ma - mb) > 0.05 * Math.max(ma, mb)) differences.push(`memory: ${gb(ma)} vs ${gb(mb)}`);
  else if (ma !== mb) notes.push(`memory: ${gb(ma)} vs ${gb(mb)} (within 5 %)`);
  const gpus = (f: Fingerprint): string => f.machine.gpus.map((g) => `${g.vendor} ${g.model}`.trim()).sort().join(', ') || 'none';
  diff('GPUs', gpus(a), gpus(b));
  diff('model', a.target.model, b.target.model);
  diff('emulated', a.target.emulated, b.target.emulated);
  diff('gateway', a.target.gateway, b.target.gateway);
  diff('backend', a.target.backend, b.target.backend);
  diff('profile', a.profile, b.profile);
  if (a.machine.node !== b.machine.node) notes.push(`Node: ${a.machine.node} vs ${b.machine.node}`);
  return { comparable: differences.length === 0, differences, notes };
}

/**
 * Warnings when this machine is not the profile's hardware. Pure. The
 * machine is where claude-bench runs, which is the server only for a local
 * deployment; for an emulated run the profile's hardware is emulated.
 */
export function hardwareMismatch(f: Fingerprint, profile: Pick<Profile, 'id' | 'hardware'>): string[] {
  if (f.target.emulated) return [];
  const out: string[] = [];
  const wantGpu = profile.hardware.gpu;
  const matching = f.machine.gpus.filter((g) => `${g.vendor} ${g.model}`.toLowerCase().includes(wantGpu.name.toLowerCase()));
  if (matching.length < wantGpu.count) {
    out.push(
      `this machine has ${f.machine.gpus.length === 0 ? 'no GPU' : f.machine.gpus.map((g) => g.model).join(', ')}, profile ${profile.id} assumes ${wantGpu.count} × ${wantGpu.name}` +
        ' (fine if the target runs on another machine)',
    );
  }
  const cpuWords = profile.hardware.cpu.name.toLowerCase().split(/\s+/).filter((w) => /\d/.test(w));
  if (cpuWords.length > 0 && !cpuWords.some((w) => f.machine.cpu.toLowerCase().includes(w))) {
    out.push(`this machine's CPU is ${f.machine.cpu}, profile ${profile.id} assumes ${profile.hardware.cpu.name}`);
  }
  return out;
}

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`;
}
