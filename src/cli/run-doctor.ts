/**
 * `claude-bench doctor`: before anything runs, list the deployment guide's
 * known mistakes found in a stack spec (--stack), a running target
 * (--target), proxy files (--nginx-conf, --mitm-addon) and this shell's
 * Claude Code environment, each with its fix. Exit 1 when a blocker is
 * found, 0 otherwise.
 */
import { readFileSync } from 'node:fs';
import { createClient } from '../client/index.ts';
import { readCaFile, resolveProxy } from '../client/proxy.ts';
import { envFindings } from '../doctor/env-rules.ts';
import { mitmAddonFindings, nginxFindings } from '../doctor/proxy-rules.ts';
import { renderFindings } from '../doctor/render.ts';
import { specFindings } from '../doctor/spec-rules.ts';
import { targetFindings } from '../doctor/target-rules.ts';
import type { Finding } from '../doctor/types.ts';
import { BenchError, EXIT } from '../errors.ts';
import { redactUrl } from '../results/redact.ts';
import { redactSecrets } from '../secrets.ts';
import { loadStackSpec } from '../stack/spec.ts';
import type { Target } from '../types.ts';
import type { DoctorCliOptions } from './commands/doctor.ts';
import { DEFAULT_CLIENT_MODEL } from './resolve-target.ts';
import { resolveApiKey } from './run-session.ts';

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new BenchError('BAD_INPUT', `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

export async function runDoctor(opts: DoctorCliOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (opts.stack !== undefined && opts.target !== undefined) {
    throw new BenchError('BAD_USAGE', '--stack and --target exclude each other', { hint: 'doctor reads a spec, or probes a running gateway' });
  }
  const sections: { heading: string; findings: Finding[] }[] = [];
  let expectedBase: string | undefined;
  const secrets: string[] = [];

  if (opts.stack !== undefined) {
    const { spec, file } = loadStackSpec(opts.stack);
    sections.push({ heading: `stack ${spec.name} (${file}): ${spec.title}`, findings: specFindings(spec) });
    expectedBase = spec.client.env['ANTHROPIC_BASE_URL'];
  }
  if (opts.nginxConf !== undefined) sections.push({ heading: `nginx configuration ${opts.nginxConf}`, findings: nginxFindings(readText(opts.nginxConf, 'nginx configuration'), opts.nginxConf) });
  if (opts.mitmAddon !== undefined) sections.push({ heading: `mitmproxy addon ${opts.mitmAddon}`, findings: mitmAddonFindings(readText(opts.mitmAddon, 'mitmproxy addon'), opts.mitmAddon) });

  if (opts.target !== undefined) {
    const apiKey = resolveApiKey(opts.apiKey, env);
    secrets.push(apiKey);
    const target: Target = { baseUrl: opts.target, apiKey, model: opts.model ?? DEFAULT_CLIENT_MODEL, kind: 'external', emulated: false, description: `external target ${redactUrl(opts.target)}` };
    const proxy = resolveProxy(new URL(opts.target), opts.proxy, env);
    const caCert = opts.caCert !== undefined ? readCaFile(opts.caCert) : undefined;
    const client = createClient({ baseUrl: target.baseUrl, apiKey, timeoutMs: opts.timeout * 1000, ...(proxy !== null ? { proxy } : {}), ...(caCert ? { caCert } : {}) });
    process.stderr.write(`claude-bench doctor: probing ${redactUrl(opts.target)} with a few small requests…\n`);
    try {
      sections.push({ heading: `target ${redactUrl(opts.target)}${proxy !== null ? ` through ${redactUrl(proxy)}` : ''}`, findings: await targetFindings(target, client, proxy !== null) });
    } finally {
      client.close();
    }
    expectedBase = opts.target;
  }
  sections.push({ heading: "this shell's Claude Code environment", findings: envFindings(env, expectedBase) });

  // The shell's environment decides the exit code only when nothing else was asked about.
  const judged = sections.length > 1 ? sections.slice(0, -1) : sections;
  const all = judged.flatMap((s) => s.findings);
  if (opts.json) {
    process.stdout.write(`${redactSecrets(JSON.stringify({ sections }, null, 2), secrets)}\n`);
  } else {
    process.stdout.write(redactSecrets(sections.map((s) => renderFindings(s.heading, s.findings)).join('\n'), secrets));
  }
  return all.some((f) => f.severity === 'blocker') ? EXIT.failed : EXIT.ok;
}
