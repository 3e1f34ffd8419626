import { describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { embeddedOptions } from '../../../src/stack/drivers/embedded.ts';
import { commandLine, planStack } from '../../../src/stack/drivers/plan.ts';
import { planProcesses, processDriver } from '../../../src/stack/drivers/process.ts';
import { loadStackSpec } from '../../../src/stack/spec.ts';

const spec = (name: string) => loadStackSpec(name).spec;

describe('planProcesses: the exact programs the process driver runs', () => {
  it('vllm-litellm: vllm serve with every flag of the spec, then litellm with the generated config', () => {
    const [backend, gateway, ...rest] = planProcesses(spec('vllm-litellm'), '/run/p');
    expect(rest).toEqual([]);
    expect(backend).toEqual({
      part: 'backend',
      program: 'vllm',
      args: [
        'serve', 'Qwen/Qwen2.5-Coder-32B-Instruct', '--host', '127.0.0.1', '--port', '8000', '--served-model-name', 'qwen2.5-coder-32b',
        '--max-model-len', '65536',
        '--hf-overrides', '{"rope_scaling":{"rope_type":"yarn","factor":2.0,"original_max_position_embeddings":32768}}',
        '--enable-auto-tool-choice', '--tool-call-parser', 'hermes', '--enable-prefix-caching', '--max-num-seqs', '10', '--gpu-memory-utilization', '0.90',
      ],
      // The key reaches vLLM through its own variable, never on the command line.
      env: { VLLM_API_KEY: '${VLLM_API_KEY:?set VLLM_API_KEY}' },
      health: 'http://127.0.0.1:8000/health',
    });
    expect(gateway?.program).toBe('litellm');
    expect(gateway?.args).toEqual(['--config', '/run/p/litellm-config.yaml', '--host', '127.0.0.1', '--port', '4000']);
    expect(gateway?.env).toEqual({ LITELLM_MASTER_KEY: '${LITELLM_MASTER_KEY:?set LITELLM_MASTER_KEY}', VLLM_API_KEY: '${VLLM_API_KEY:?set VLLM_API_KEY}' });
    expect(gateway?.health).toBe('http://127.0.0.1:4000/health/liveliness');
    expect(gateway?.file?.path).toBe('/run/p/litellm-config.yaml');
    expect(gateway?.file?.text).toContain('api_base: http://127.0.0.1:8000/v1');
  });

  it('guide-original: the guide\'s own vllm line, without tool-call flags', () => {
    const [backend] = planProcesses(spec('guide-original'), '/r');
    expect(commandLine(backend?.program ?? '', backend?.args ?? [])).toBe(
      'vllm serve Qwen/Qwen2.5-Coder-32B-Instruct --host 127.0.0.1 --port 8000 --served-model-name qwen2.5-coder --max-model-len 8192 --max-num-seqs 10 --gpu-memory-utilization 0.95',
    );
  });

  it('llamacpp: llama-server with -hf, one slot holding the whole window, and --jinja', () => {
    const [backend] = planProcesses(spec('llamacpp'), '/r');
    expect(commandLine(backend?.program ?? '', backend?.args ?? [], backend?.env)).toBe(
      'LLAMA_API_KEY="${LLAMA_API_KEY:?set LLAMA_API_KEY}" llama-server -hf Qwen/Qwen2.5-Coder-32B-Instruct-GGUF:Q4_K_M --host 127.0.0.1 --port 8080 --alias qwen2.5-coder-32b -c 65536 --parallel 1 --rope-scaling yarn --rope-scale 2 --yarn-orig-ctx 32768 --jinja -ngl 99',
    );
  });

  it('ollama: ollama serve with its window raised, then ollama pull', () => {
    const steps = planProcesses(spec('ollama'), '/r');
    expect(steps.map((s) => commandLine(s.program, s.args, s.env))).toEqual([
      'OLLAMA_HOST=127.0.0.1:11434 OLLAMA_CONTEXT_LENGTH=65536 ollama serve',
      'OLLAMA_HOST=127.0.0.1:11434 ollama pull qwen2.5-coder:32b',
    ]);
    expect(steps[1]?.health).toBeUndefined();
  });

  it('claude-code-router: ccr start with a private HOME holding the generated config', () => {
    const [, gateway] = planProcesses(spec('claude-code-router'), '/r');
    expect(gateway?.program).toBe('ccr');
    expect(gateway?.args).toEqual(['start']);
    expect(gateway?.env['HOME']).toBe('/r/ccr-home');
    expect(gateway?.file?.path).toBe('/r/ccr-home/.claude-code-router/config.json');
    expect(gateway?.file?.text).toContain('"HOST": "127.0.0.1"');
    expect(gateway?.file?.text).toContain('"APIKEY": "$CCR_APIKEY"');
    expect(gateway?.file?.text).toContain('"api_base_url": "http://127.0.0.1:8000/v1/chat/completions"');
  });

  it('fails before starting anything when the program is not installed', async () => {
    const env = { PATH: '/nonexistent', VLLM_API_KEY: 'k-vllm-1234', LITELLM_MASTER_KEY: 'k-master-1234' };
    const saved = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      const err = await processDriver.start(spec('vllm-native'), { runDir: '/nonexistent/run', env, deadline: Date.now() + 5_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BenchError);
      expect((err as BenchError).message).toMatch(/^vllm is not installed/);
      expect((err as BenchError).hint).toContain('--driver docker');
    } finally {
      process.env['PATH'] = saved;
    }
  });
});

describe('the embedded driver', () => {
  it('hands the spec to startEmbeddedStack: tool choice from the flags, the rest as emulate flags, extras last', () => {
    expect(embeddedOptions(spec('embedded'), { runDir: '/r', extraEmulatorArgs: ['--script', 's.json'] })).toEqual({
      logDir: '/r/logs',
      model: 'claude-opus-5-5',
      servedModelName: 'Qwen/Qwen2.5-Coder-32B-Instruct',
      autoToolChoice: true,
      emulatorArgs: ['--max-model-len', '65536', '--script', 's.json'],
    });
    expect(embeddedOptions(spec('embedded-guide'), { runDir: '/r' })).toMatchObject({ autoToolChoice: false, emulatorArgs: ['--max-model-len', '8192'] });
  });
});

describe('planStack (up --dry-run)', () => {
  it('prints the docker command lines and names the files', () => {
    const plan = planStack(spec('vllm-native'), 'docker', '/run/n');
    expect(plan.lines).toContain('docker compose --project-name claude-bench-vllm-native --file /run/n/docker/compose.yaml up --detach --wait --wait-timeout 1800');
    expect(plan.lines).toContain('docker compose --project-name claude-bench-vllm-native --file /run/n/docker/compose.yaml down --remove-orphans');
    expect(Object.keys(plan.files)).toEqual(['docker/compose.yaml']);
  });

  it('prints the emulator and router lines for the embedded stack', () => {
    const plan = planStack(spec('embedded'), 'embedded', '/run/e');
    const emulate = plan.lines.find((l) => l.startsWith('claude-bench emulate '));
    expect(emulate).toMatch(/ --served-model-name Qwen\/Qwen2\.5-Coder-32B-Instruct .*--enable-auto-tool-choice --tool-call-parser hermes/);
    // The spec's window comes last, so it is the one `emulate` keeps.
    expect(emulate).toMatch(/--max-model-len 65536$/);
    expect(plan.lines).toContain('ccr start');
  });
});
