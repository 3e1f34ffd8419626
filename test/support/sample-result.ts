import { RESULT_SCHEMA_VERSION, type RunResult, type Verdict } from '../../src/types.ts';

export function verdict(overrides: Partial<Verdict> = {}): Verdict {
  return {
    id: 'S3',
    title: 'block indices sequential',
    area: 'streaming',
    status: 'pass',
    severity: 'blocker',
    detail: 'every block started once and stopped',
    duration_ms: 12.5,
    ...overrides,
  };
}

/** A small, valid RunResult to build test cases on. */
export function sampleResult(verdicts: Verdict[] = [verdict()]): RunResult {
  return {
    schema_version: RESULT_SCHEMA_VERSION,
    tool: { name: 'claude-bench', version: '0.1.0' },
    command: 'conform',
    started_at: '2026-11-27T03:00:00.000Z',
    finished_at: '2026-11-27T03:00:05.000Z',
    partial: false,
    target: {
      base_url: 'http://127.0.0.1:3456',
      model: 'claude-opus-5-5',
      kind: 'embedded',
      emulated: true,
      description: 'claude-code-router 1.0.73 → vLLM emulator',
    },
    environment: {
      os: 'Linux 6.1',
      arch: 'x64',
      node: 'v20.20.2',
      cpu_model: 'test cpu',
      cpu_cores: 2,
      memory_bytes: 1024,
      hostname_hash: 'abcdef123456',
    },
    conformance: { suites: ['core'], checks: verdicts, summary: { pass: 1, fail: 0, warn: 0, skip: 0, error: 0, blockers: 0 } },
    exit_code: 0,
  };
}
