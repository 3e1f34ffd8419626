import { describe, expect, it } from 'vitest';
import { specFindings } from '../../../src/doctor/spec-rules.ts';
import { listStackSpecs, loadStackSpec, type StackSpec } from '../../../src/stack/spec.ts';

const spec = (name: string): StackSpec => loadStackSpec(name).spec;
const ids = (s: StackSpec): string[] => specFindings(s).map((f) => f.id);

describe('doctor on stack specs', () => {
  it("finds every one of the guide's mistakes in guide-original, each with a fix", () => {
    const findings = specFindings(spec('guide-original'));
    expect(ids(spec('guide-original')).sort()).toEqual(
      [
        'window', // --max-model-len 8192
        'window-tuning-advice', // its advice: --max-model-len 4096
        'tool-flags', // no --enable-auto-tool-choice --tool-call-parser
        'master-keys', // LITELLM_MASTER_KEY vs general_settings.master_key
        'model-names', // claude-* ids not mapped
        'response-cache', // a cache in front of the agent loop
        'proxy-buffering', // nginx without proxy_buffering off
        'proxy-read-timeout', // nginx's 60 s default
        'proxy-body-size', // nginx's 1 MB default
        'mitm-buffering', // the addon never sets flow.response.stream
        'client-flags', // claude-code --api-key --api-base
        'anthropic-host', // so Claude Code still talks to api.anthropic.com
      ].sort(),
    );
    for (const f of findings) {
      expect(f.fix.length).toBeGreaterThan(10);
      expect(f.where.length).toBeGreaterThan(0);
    }
    const window = findings.find((f) => f.id === 'window');
    expect(window?.severity).toBe('blocker');
    expect(window?.found).toContain('8192');
    expect(findings.find((f) => f.id === 'window-tuning-advice')?.found).toContain('4096');
    expect(findings.find((f) => f.id === 'client-flags')?.found).toContain('--api-key / --api-base');
  });

  it('finds nothing in the corrected specs', () => {
    for (const name of listStackSpecs().filter((n) => n !== 'guide-original' && n !== 'embedded-guide')) {
      expect({ name, findings: specFindings(spec(name)) }).toEqual({ name, findings: [] });
    }
  });

  it("finds the guide's two vLLM settings in embedded-guide", () => {
    expect(ids(spec('embedded-guide'))).toEqual(['window', 'tool-flags']);
  });

  it('tells a window that holds the first request but not its max_tokens', () => {
    const s = spec('vllm-native');
    const f = specFindings({ ...s, backend: { ...s.backend, args: [{ flag: '--max-model-len', value: '32768' }, ...s.backend.args.slice(1)] }, client: { ...s.client, env: {} } });
    const window = f.find((x) => x.id === 'window');
    expect(window?.found).toContain('not the max_tokens 32000 it asks for (44000 in all)');
  });

  it("counts llama.cpp's window per slot, and Ollama's default as too small", () => {
    const l = spec('llamacpp');
    const split = specFindings({ ...l, backend: { ...l.backend, args: l.backend.args.map((a) => (a.flag === '--parallel' ? { flag: '--parallel', value: '4' } : a)) } });
    expect(split.find((f) => f.id === 'window')?.found).toContain('16384 tokens');
    const o = spec('ollama');
    const { env: _dropped, ...backend } = o.backend;
    expect(specFindings({ ...o, backend }).find((f) => f.id === 'window')?.found).toContain('4096 tokens');
  });

  it("flags vLLM's x-api-key blind spot when Claude Code is given ANTHROPIC_API_KEY", () => {
    const s = spec('vllm-native');
    expect(ids({ ...s, client: { ...s.client, auth: 'x-api-key' } })).toContain('vllm-x-api-key');
  });
});
