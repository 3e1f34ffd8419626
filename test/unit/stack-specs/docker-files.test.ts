import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import { renderCompose, renderDockerFiles } from '../../../src/stack/drivers/compose.ts';
import { dockerDriver, planDocker } from '../../../src/stack/drivers/docker.ts';
import { listStackSpecs, loadStackSpec } from '../../../src/stack/spec.ts';

// docker/<stack>/ holds these files as generated here: the committed files are the snapshots
// (regenerate with `npx vitest run test/unit/stack-specs -u` after changing a spec).
const DOCKER_STACKS = listStackSpecs().filter((n) => loadStackSpec(n).spec.drivers.includes('docker'));

describe('docker/ is what the docker driver generates', () => {
  it('covers the stacks the issue names', () => {
    expect(DOCKER_STACKS).toEqual(['claude-code-router', 'guide-original', 'llamacpp', 'ollama', 'vllm-litellm', 'vllm-native']);
  });

  for (const name of DOCKER_STACKS) {
    it(`docker/${name} matches stacks/${name}.json`, async () => {
      const files = renderDockerFiles(loadStackSpec(name).spec);
      for (const [file, text] of Object.entries(files)) {
        await expect(text).toMatchFileSnapshot(path.join('..', '..', '..', 'docker', name, file));
      }
    });
  }
});

describe('compose files', () => {
  const compose = (name: string): string => renderCompose(loadStackSpec(name).spec);

  it("keep the guide's mistakes in guide-original, each named", () => {
    const text = compose('guide-original');
    expect(text).toContain('- "--max-model-len"\n      - "8192"');
    expect(text).not.toContain('- "--enable-auto-tool-choice"');
    expect(text).not.toContain('- "--tool-call-parser"');
    const files = renderDockerFiles(loadStackSpec('guide-original').spec);
    expect(files['litellm-config.yaml']).toContain('master_key: sk-1234');
    expect(files['litellm-config.yaml']).toContain('cache: true');
    expect(files['nginx.conf']).not.toMatch(/^\s*proxy_buffering off;/m);
    expect(files['mitm_addon.py']).not.toContain('response.stream = True');
  });

  it('fix each of them in vllm-litellm, with a comment above every fix', () => {
    const files = renderDockerFiles(loadStackSpec('vllm-litellm').spec);
    const text = files['compose.yaml'] ?? '';
    expect(text).toMatch(/# Fix: Claude Code's first request[^\n]*\n\s+- "--max-model-len"\n\s+- "65536"/);
    expect(text).toMatch(/# Fix: [^\n]*\n\s+- "--enable-auto-tool-choice"/);
    expect(text).toMatch(/# Fix: [^\n]*\n\s+- "--tool-call-parser"\n\s+- hermes/);
    expect(files['litellm-config.yaml']).toMatch(/# Fix: ONE master key[^\n]*\ngeneral_settings:\n  master_key: os\.environ\/LITELLM_MASTER_KEY/);
    expect(files['litellm-config.yaml']).toContain('model_name: "claude-*"');
    expect(files['litellm-config.yaml']).not.toMatch(/^\s*cache:/m);
    expect(files['nginx.conf']).toMatch(/^\s*proxy_buffering off;/m);
    expect(files['nginx.conf']).toMatch(/^\s*proxy_read_timeout 600s;/m);
    expect(files['nginx.conf']).toMatch(/^\s*client_max_body_size 32m;/m);
    expect(files['mitm_addon.py']).toContain('flow.response.stream = True');
  });

  it('publish every port on loopback only and hold no key, only ${VAR:?} references', () => {
    for (const name of DOCKER_STACKS) {
      const text = compose(name);
      for (const m of text.matchAll(/^\s+- "(\S+:\d+:\d+)"$/gm)) expect(m[1]).toMatch(/^127\.0\.0\.1:/);
      expect(text).not.toMatch(/KEY: "(?!\$\{)/);
    }
  });
});

describe('planDocker', () => {
  it('gives the exact docker compose command lines', () => {
    const plan = planDocker(loadStackSpec('vllm-litellm').spec, '/run/x/docker', 1800);
    const base = ['compose', '--project-name', 'claude-bench-vllm-litellm', '--file', '/run/x/docker/compose.yaml'];
    expect(plan.up).toEqual([...base, 'up', '--detach', '--wait', '--wait-timeout', '1800']);
    expect(plan.logs).toEqual([...base, 'logs', '--no-color', '--timestamps']);
    expect(plan.down).toEqual([...base, 'down', '--remove-orphans']);
    expect(plan.setup).toEqual([]);
    expect(plan.requiredEnv).toEqual(['LITELLM_MASTER_KEY', 'VLLM_API_KEY']);
  });

  it('pulls the model into Ollama once it is up', () => {
    const plan = planDocker(loadStackSpec('ollama').spec, '/d', 60);
    expect(plan.setup).toEqual([['compose', '--project-name', 'claude-bench-ollama', '--file', '/d/compose.yaml', 'exec', '-T', 'ollama', 'ollama', 'pull', 'qwen2.5-coder:32b']]);
  });
});

describe('the docker driver refuses cleanly before starting anything', () => {
  it('names the key variable that is missing', async () => {
    const start = dockerDriver.start(loadStackSpec('vllm-litellm').spec, { runDir: '/nonexistent/run', env: { PATH: process.env['PATH'] ?? '' }, deadline: Date.now() + 5_000 });
    await expect(start).rejects.toThrow('stack vllm-litellm needs LITELLM_MASTER_KEY, VLLM_API_KEY in the environment');
  });

  it('says so when there is no docker compose (this machine: a docker client, no engine, no plugin)', async () => {
    const env = { PATH: process.env['PATH'] ?? '', LITELLM_MASTER_KEY: 'k-master-1234', VLLM_API_KEY: 'k-vllm-1234' };
    const err = await dockerDriver.start(loadStackSpec('vllm-litellm').spec, { runDir: '/nonexistent/run', env, deadline: Date.now() + 20_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('STACK_FAILED');
    expect((err as BenchError).message).toMatch(/^docker compose is not available/);
    expect((err as BenchError).hint).toContain('--driver process');
  });
});
