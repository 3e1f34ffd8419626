import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../../src/secrets.ts';
import { createRedactingTransform } from '../../../src/stack/redact-stream.ts';

/** Push `chunks` through a fresh redactor and collect the output. */
async function run(chunks: ReadonlyArray<string | Buffer>, secrets: readonly string[]): Promise<string> {
  const out: Buffer[] = [];
  const redactor = createRedactingTransform(secrets);
  const done = new Promise<void>((resolve, reject) => {
    redactor.on('data', (c: Buffer) => out.push(c));
    redactor.on('end', resolve);
    redactor.on('error', reject);
  });
  Readable.from(chunks, { objectMode: true }).pipe(redactor);
  await done;
  return Buffer.concat(out).toString('utf8');
}

describe('createRedactingTransform', () => {
  const secret = 'cb-ccr-SECRETvalue123';
  const text = `header x-api-key: ${secret} and again "${secret}"\nend`;

  it('redacts a secret split at every possible chunk boundary', async () => {
    for (let cut = 1; cut < text.length; cut++) {
      const got = await run([text.slice(0, cut), text.slice(cut)], [secret]);
      expect(got, `cut at ${cut}`).toBe(`header x-api-key: ${REDACTED} and again "${REDACTED}"\nend`);
    }
  });

  it('redacts a secret spread over many one-character chunks', async () => {
    expect(await run([...text], [secret])).not.toContain(secret);
  });

  it('handles several secrets of different lengths', async () => {
    const got = await run(['key1=abcd-1234 ', 'key2=longer-secret-', 'xyz tail'], ['abcd-1234', 'longer-secret-xyz']);
    expect(got).toBe(`key1=${REDACTED} key2=${REDACTED} tail`);
  });

  it('decodes Buffers split inside a multi-byte character', async () => {
    const bytes = Buffer.from('naïve → ünïcode sk-secret-9', 'utf8');
    const got = await run([bytes.subarray(0, 3), bytes.subarray(3, 9), bytes.subarray(9)], ['sk-secret-9']);
    expect(got).toBe(`naïve → ünïcode ${REDACTED}`);
  });

  it('releases whole lines at once and holds a partial line until it ends', async () => {
    const redactor = createRedactingTransform(['sk-secret-9']);
    const seen: string[] = [];
    redactor.on('data', (c: Buffer) => seen.push(c.toString('utf8')));
    redactor.write('first line sk-secret-9\nsecond ');
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([`first line ${REDACTED}\n`]);
    redactor.write('half sk-sec');
    redactor.end('ret-9\n');
    await new Promise((r) => redactor.once('end', r));
    expect(seen.join('')).toBe(`first line ${REDACTED}\nsecond half ${REDACTED}\n`);
  });

  it('lets a very long line through early without leaking a secret at the cut', async () => {
    const long = 'x'.repeat(70_000);
    const got = await run([`${long}sk-sec`, 'ret-9 end'], ['sk-secret-9']);
    expect(got).toBe(`${long}${REDACTED} end`);
  });

  it('passes text through unchanged when there is nothing to hide, short secrets included', async () => {
    expect(await run(['a b ', 'c'], ['', 'a'])).toBe('a b c');
    expect(await run(['plain ', 'text'], [])).toBe('plain text');
  });
});
