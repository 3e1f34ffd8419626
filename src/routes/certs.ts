/**
 * A throw-away certificate authority and a server certificate for
 * localhost, 127.0.0.1 and api.anthropic.com, made with openssl for one
 * route run. Clients trust the CA (claude-bench: --ca-cert; Claude Code:
 * NODE_EXTRA_CA_CERTS), never the system store.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { BenchError } from '../errors.ts';

const run = promisify(execFile);

/** Names the server certificate is valid for. */
export const SERVER_NAMES = ['localhost', 'api.anthropic.com'] as const;

/** Files of a generated certificate set. */
export interface CertSet {
  /** CA certificate (PEM): what clients trust. */
  readonly caFile: string;
  readonly caPem: string;
  /** Server certificate chain (leaf, PEM) and its key. */
  readonly certFile: string;
  readonly keyFile: string;
}

/** The openssl argv lists, in order (exposed for tests and --dry-run). */
export function opensslSteps(dir: string): string[][] {
  const f = (name: string): string => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  return [
    ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=claude-bench throw-away CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost'],
    ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('server.ext')],
  ];
}

/** The X.509 extensions of the server certificate. */
export function serverExtensions(): string {
  const dns = SERVER_NAMES.map((n) => `DNS:${n}`).join(',');
  return [`subjectAltName=${dns},IP:127.0.0.1,IP:::1`, 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth', ''].join('\n');
}

/** Generate a CA and a server certificate into `dir` (which must exist and be private). */
export async function generateCertSet(dir: string): Promise<CertSet> {
  await writeFile(path.join(dir, 'server.ext'), serverExtensions(), { mode: 0o600 });
  for (const args of opensslSteps(dir)) {
    try {
      await run('openssl', args, { timeout: 30_000 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      const why = e.code === 'ENOENT' ? 'openssl is not installed' : (e.stderr ?? e.message).trim().split('\n').pop();
      throw new BenchError('STACK_FAILED', `could not make the route's TLS certificate: ${why ?? 'openssl failed'}`, {
        hint: 'install openssl (apt-get install -y openssl)',
        cause: err,
      });
    }
  }
  const caFile = path.join(dir, 'ca.pem');
  return { caFile, caPem: await readFile(caFile, 'utf8'), certFile: path.join(dir, 'server.pem'), keyFile: path.join(dir, 'server.key') };
}
