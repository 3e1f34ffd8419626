/** What `claude-bench doctor` reports. */
import type { Severity } from '../types.ts';

/** Where a finding was made. */
export type FindingSource = 'spec' | 'environment' | 'target';

/** One known mistake found, and how to fix it. */
export interface Finding {
  /** Stable id, e.g. `window`, `tool-flags`, `master-keys`. */
  readonly id: string;
  readonly source: FindingSource;
  /** Impact on Claude Code. */
  readonly severity: Severity;
  /** The field, file or variable it was found in, e.g. `backend.args --max-model-len`. */
  readonly where: string;
  /** What was found, in words a user can act on. */
  readonly found: string;
  /** What to do instead. */
  readonly fix: string;
  /** Known public bugs or docs it corresponds to. */
  readonly refs?: readonly string[];
}
