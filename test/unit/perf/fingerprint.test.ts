import { describe, expect, it } from 'vitest';
import { buildFingerprint, compareFingerprints, hardwareMismatch, type Fingerprint } from '../../../src/perf/fingerprint.ts';

const machine: Fingerprint['machine'] = {
  cpu: 'Intel Xeon E5-2680 v4',
  cpu_cores: 28,
  cpu_physical_cores: 14,
  memory_bytes: 256e9,
  gpus: [
    { vendor: 'NVIDIA', model: 'A40', vram_mb: 46068 },
    { vendor: 'NVIDIA', model: 'A40', vram_mb: 46068 },
  ],
  os: 'Debian 12',
  node: 'v20.20.2',
};
const target = { model: 'claude-opus-5-5', emulated: false, gateway: { name: 'litellm', version: '1.80' }, backend: { name: 'vllm', version: '0.11' } };

describe('environment fingerprint', () => {
  it('is comparable with itself and ignores Node and small memory drift', () => {
    const a = buildFingerprint(machine, target, 'e5-2680');
    const b = buildFingerprint({ ...machine, node: 'v22.1.0', memory_bytes: 255e9 }, target, 'e5-2680');
    const c = compareFingerprints(a, b);
    expect(c.comparable).toBe(true);
    expect(c.notes.join(' ')).toMatch(/Node/);
    expect(a.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(buildFingerprint(machine, target, 'e5-2680').hash).toBe(a.hash);
  });

  it('refuses runs on other GPUs, another gateway version or the emulator', () => {
    const a = buildFingerprint(machine, target, 'e5-2680');
    const b = buildFingerprint({ ...machine, gpus: [{ vendor: 'NVIDIA', model: 'RTX 4090', vram_mb: 24564 }] }, { ...target, gateway: { name: 'litellm', version: '1.81' } }, 'e5-2680');
    const c = compareFingerprints(a, b);
    expect(c.comparable).toBe(false);
    expect(c.differences.some((d) => d.startsWith('GPUs'))).toBe(true);
    expect(c.differences.some((d) => d.startsWith('gateway'))).toBe(true);
    expect(compareFingerprints(a, buildFingerprint(machine, { ...target, emulated: true }, 'e5-2680')).differences).toEqual(['emulated: false vs true']);
  });

  it('warns when this machine is not the profile hardware (not for emulated runs)', () => {
    const profile = { id: 'e5-2680', hardware: { cpu: { name: 'Intel Xeon E5-2680', assumed: false }, gpu: { name: 'A40', count: 2, memory_gb: 48, memory_bandwidth_gb_s: 696, dense_tflops: 149.7, assumed: true, reason: '' }, interconnect: '' } };
    expect(hardwareMismatch(buildFingerprint(machine, target, 'e5-2680'), profile)).toEqual([]);
    const laptop = buildFingerprint({ ...machine, cpu: 'AMD EPYC', gpus: [] }, target, 'e5-2680');
    const w = hardwareMismatch(laptop, profile);
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/no GPU/);
    expect(hardwareMismatch(buildFingerprint({ ...machine, gpus: [] }, { ...target, emulated: true }, 'e5-2680'), profile)).toEqual([]);
  });
});
