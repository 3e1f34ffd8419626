/**
 * The HTML report in a real browser: Debian's chromium (installed by
 * scripts/ensure-chromium.sh when absent), driven headless by
 * playwright-core, opens reports from file:// and must fetch nothing, log
 * no error, draw its charts, expand a failing check on click, and show
 * hostile server text as text.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/gate/index.ts';
import { renderHtml } from '../../src/report/html/index.ts';
import { renderJunit } from '../../src/report/junit.ts';
import type { RunResult } from '../../src/types.ts';
import { startDefectiveGateway } from '../support/defective-gateway.ts';
import { perfResult, syntheticRun } from '../support/perf-sample.ts';
import { runCli } from '../support/run-cli.ts';
import { sampleResult, verdict } from '../support/sample-result.ts';

const ENSURE = fileURLToPath(new URL('../../scripts/ensure-chromium.sh', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(1)>';

const work = mkdtempSync(path.join(tmpdir(), 'cb-browser-'));
let browser: Browser | undefined;
let launchMs = 0;

beforeAll(async () => {
  // Installs chromium from Debian's mirror when absent (CI runs as root); a no-op otherwise.
  await promisify(execFile)('bash', [ENSURE], { timeout: 600_000 });
  const t0 = performance.now();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  launchMs = performance.now() - t0;
}, 660_000);

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Opened {
  readonly page: Page;
  readonly requests: string[];
  readonly errors: string[];
  readonly dialogs: string[];
  readonly openMs: number;
}

/** Open a file in a fresh page, recording every request, console error and dialog. */
async function open(file: string): Promise<Opened> {
  if (!browser) throw new Error('chromium did not start');
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const t0 = performance.now();
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 60_000 });
  return { page, requests, errors, dialogs, openMs: performance.now() - t0 };
}

/** A run with conformance and perf, whose server-supplied strings are hostile. */
function hostileRun(): RunResult {
  const conf = sampleResult([
    verdict({ id: 'S1', status: 'pass' }),
    verdict({ id: 'X1', title: 'model reply rendered', status: 'fail', detail: `reply was ${SCRIPT}`, evidence: `data: {"text":"${SCRIPT} ${IMG}"}`, request_ids: ['req-hostile'] }),
    verdict({ id: 'X2', status: 'error', detail: `${IMG} could not run`, request_ids: ['req-missing'] }),
  ]);
  const perf = perfResult([1, 2, 4].map((c) => syntheticRun({ concurrency: c, requests: 30, ttftMs: 250 * (1 + c / 4), itlMs: 40, tokens: 40, seed: c })));
  return { ...conf, ...(perf.perf ? { perf: perf.perf } : {}) };
}

describe('the HTML report in chromium', () => {
  it('opens offline with no request, no error, charts drawn, failures expandable and hostile text inert', async () => {
    const run = hostileRun();
    const base = { ...run, conformance: { ...(run.conformance as NonNullable<RunResult['conformance']>), checks: (run.conformance?.checks ?? []).map((v) => ({ ...v, status: 'pass' as const })) } };
    const file = path.join(work, 'hostile.html');
    const requests = { 'req-hostile': `POST /v1/messages\n→ HTTP 200\n\nevent: content_block_delta\ndata: {"delta":{"text":"${SCRIPT}${IMG}"}}` };
    writeFileSync(file, renderHtml([run], { requests, gate: evaluateGate(base, run) }));
    const { page, requests: fetched, errors, dialogs, openMs } = await open(file);

    expect(fetched).toEqual([pathToFileURL(file).href]);
    expect(errors).toEqual([]);
    expect(await page.locator('svg.chart').count()).toBe(7);
    expect(await page.locator('#emulated-banner').isVisible()).toBe(true);
    expect(await page.locator('#gate').textContent()).toContain('regression(s) against the baseline');

    // A failing check: the body is hidden until its summary is clicked.
    const finding = page.locator('details.finding[data-check="X1"]');
    const evidence = finding.locator('pre.evidence');
    expect(await evidence.isVisible()).toBe(false);
    await finding.locator('summary').click();
    expect(await evidence.isVisible()).toBe(true);
    expect(await evidence.textContent()).toBe(`data: {"text":"${SCRIPT} ${IMG}"}`);
    expect(await finding.locator('summary').textContent()).toBe(`reply was ${SCRIPT}`);

    // The request behind it, on demand, as text.
    await finding.locator('button.req').click();
    const shown = finding.locator('pre.req-out');
    expect(await shown.isVisible()).toBe(true);
    expect(await shown.textContent()).toContain(`"text":"${SCRIPT}${IMG}"`);
    const other = page.locator('details.finding[data-check="X2"]');
    await other.locator('summary').click();
    await other.locator('button.req').click();
    expect(await other.locator('pre.req-out').textContent()).toMatch(/not inlined in this report/);

    // Nothing hostile became markup: no image, no extra script, no dialog.
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(2);
    expect(dialogs).toEqual([]);

    // The filter hides passing rows.
    await page.locator('#only-problems').check();
    expect(await page.locator('tr.row-pass[data-check="S1"]').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    expect(fetched).toHaveLength(1);
    expect(openMs).toBeLessThan(30_000);

    await page.locator('#only-problems').uncheck();
    await page.screenshot({ path: '/tmp/report.png', fullPage: true });
    await page.close();
  });

  it('opens the report a real conform run wrote, and its JUnit parses as XML', async () => {
    const gateway = await startDefectiveGateway({ defects: ['tool-stop-end-turn', 'zero-usage'] });
    const out = path.join(work, 'conform');
    try {
      const run = await runCli(['conform', '--target', gateway.baseUrl, '--api-key', gateway.apiKey, '--out', out], { timeoutMs: 120_000 });
      expect([0, 1]).toContain(run.code);
    } finally {
      await gateway.close();
    }
    const file = path.join(out, 'report.html');
    const { page, requests, errors, dialogs, openMs } = await open(file);
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    const first = page.locator('details.finding').first();
    await first.locator('summary').click();
    await first.locator('button.req').first().click();
    expect(await first.locator('pre.req-out').first().textContent()).toMatch(/^(POST|GET) \/v1\/messages/);

    const xml = readFileSync(path.join(out, 'junit.xml'), 'utf8');
    const parseErrors = await page.evaluate(`new DOMParser().parseFromString(${JSON.stringify(xml)}, 'application/xml').getElementsByTagName('parsererror').length`);
    expect(parseErrors).toBe(0);
    const hostileXml = renderJunit([hostileRun()]);
    expect(await page.evaluate(`new DOMParser().parseFromString(${JSON.stringify(hostileXml)}, 'application/xml').getElementsByTagName('parsererror').length`)).toBe(0);

    const size = readFileSync(file).length;
    writeFileSync(path.join(tmpdir(), 'claude-bench-report-timing.json'), JSON.stringify({ launch_ms: Math.round(launchMs), open_ms: Math.round(openMs), report_bytes: size }));
    expect(size).toBeLessThan(2_000_000);
    await page.close();
  });
});
