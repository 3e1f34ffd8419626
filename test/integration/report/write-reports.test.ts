import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReports } from '../../../src/report/write.ts';
import { perfResult, syntheticRun } from '../../support/perf-sample.ts';
import { sampleResult, verdict } from '../../support/sample-result.ts';
import { findAll, parseXml } from '../../support/xml.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-write-reports-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('writeReports', () => {
  it('writes report.html and junit.xml next to results, inlining cited requests with secrets removed', async () => {
    const dir = path.join(work, 'conform');
    const secret = 'sk-test-secret-1234567890';
    mkdirSync(dir);
    const line = { request_id: 'r-1', label: 'x', method: 'POST', path: '/v1/messages', t0_epoch_ms: 1.7e12, t_hdr_ms: 1, t_end_ms: 2, status: 401, headers: {}, events: [], body: `{"error":"bad key ${secret}"}`, bytes: 10, truncated: false, error: null };
    writeFileSync(path.join(dir, 'requests.jsonl'), `${JSON.stringify(line)}\n`);
    const result = sampleResult([verdict({ id: 'T5', status: 'fail', detail: `key ${secret} refused`, request_ids: ['r-1'] })]);
    const files = await writeReports(dir, result, { secrets: [secret] });
    expect(files).toEqual({ html: path.join(dir, 'report.html'), junit: path.join(dir, 'junit.xml') });
    const html = readFileSync(files.html, 'utf8');
    const junit = readFileSync(files.junit, 'utf8');
    expect(html).not.toContain(secret);
    expect(junit).not.toContain(secret);
    expect(html).toContain('key [REDACTED] refused');
    expect(html).toContain('bad key [REDACTED]');
    expect(findAll(parseXml(junit), 'failure')).toHaveLength(1);
  });

  it('writes a perf run’s reports without requests.jsonl', async () => {
    const dir = path.join(work, 'perf');
    mkdirSync(dir);
    const files = await writeReports(dir, perfResult([syntheticRun({ concurrency: 1, requests: 12, ttftMs: 100, itlMs: 10, tokens: 20 })]));
    expect(readFileSync(files.html, 'utf8').match(/<svg class="chart"/g)?.length).toBe(5); // CDF, histogram, 2 against concurrency, over the run
    expect(findAll(parseXml(readFileSync(files.junit, 'utf8')), 'testcase')).toHaveLength(3);
  });
});
