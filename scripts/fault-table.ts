/**
 * Print the fault table of issue 7: for each injected fault, what the perf
 * harness reported, requests completed vs lost, and the exit code.
 * Run: npx tsx scripts/fault-table.ts [--json]
 * Starts only its own emulators (and one embedded stack), each ended by PID.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FAULT_SCENARIOS, renderFaultTable, runFaultScenario, type FaultRow } from '../test/support/fault-scenarios.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cb-fault-table-'));
const rows: FaultRow[] = [];
try {
  for (const [i, s] of FAULT_SCENARIOS.entries()) {
    process.stderr.write(`fault-table: ${s.name} (${s.via})…\n`);
    rows.push(await runFaultScenario(s, mkdtempSync(path.join(work, `s${i}-`)), randomUUID()));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(rows, null, 2)}\n` : `${renderFaultTable(rows)}\n`);
