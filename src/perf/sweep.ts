/**
 * `--concurrency sweep`: the largest number of closed-loop users meeting
 * every target, found by exponential bracketing (1, 2, 4, …) then bisection,
 * with repeated runs at the boundary (a level passes on a strict majority of
 * its runs). Reports the binding constraint and the first failing N.
 *
 * The decision logic is a pure state machine (`nextSweepAction` /
 * `recordSweepRun`) so its stopping rule can be tested with a fake
 * evaluator; `runSweep` drives it with a real one.
 */

/** What one run at N users showed against the targets. */
export interface LevelOutcome {
  readonly pass: boolean;
  /** Names of the constraints that failed (e.g. 'ttft_p95_ms'); empty when pass. */
  readonly failing: readonly string[];
}

export interface SweepOptions {
  /** Highest N tried. Default 64. */
  readonly maxUsers?: number;
  /** Extra runs at each side of the boundary. Default 2 (3 runs each). */
  readonly boundaryRepeats?: number;
  /** Bound on the total number of runs. Default 24. */
  readonly maxRuns?: number;
  /** First N tried. Default 1. */
  readonly start?: number;
}

export interface SweepState {
  readonly options: Required<SweepOptions>;
  /** Every run so far, in order. */
  readonly runs: ReadonlyArray<{ readonly users: number; readonly outcome: LevelOutcome }>;
}

export type SweepAction = { readonly kind: 'run'; readonly users: number } | { readonly kind: 'done'; readonly result: SweepResult };

export interface SweepResult {
  /** Largest N that met every target (null: not even the first level did). */
  readonly max_users: number | null;
  /** Smallest N that missed a target (null: none up to maxUsers did). */
  readonly first_failing_users: number | null;
  /** The constraint that failed most often at the first failing N. */
  readonly binding_constraint: string | null;
  /** Levels run, with passes/runs. */
  readonly levels: ReadonlyArray<{ readonly users: number; readonly runs: number; readonly passes: number; readonly pass: boolean }>;
  /** Why the search stopped. */
  readonly stopped: 'converged' | 'max_users' | 'max_runs' | 'none_pass' | 'interrupted';
}

/** A fresh search. */
export function startSweep(options: SweepOptions = {}): SweepState {
  return {
    options: {
      maxUsers: options.maxUsers ?? 64,
      boundaryRepeats: options.boundaryRepeats ?? 2,
      maxRuns: options.maxRuns ?? 24,
      start: options.start ?? 1,
    },
    runs: [],
  };
}

/** Add one run's outcome. Pure. */
export function recordSweepRun(state: SweepState, users: number, outcome: LevelOutcome): SweepState {
  return { ...state, runs: [...state.runs, { users, outcome }] };
}

interface Level {
  runs: number;
  passes: number;
}

function levels(state: SweepState): Map<number, Level> {
  const out = new Map<number, Level>();
  for (const r of state.runs) {
    const l = out.get(r.users) ?? { runs: 0, passes: 0 };
    l.runs += 1;
    if (r.outcome.pass) l.passes += 1;
    out.set(r.users, l);
  }
  return out;
}

/** A level passes on a strict majority of its runs (a tie fails: capacity claims should be conservative). */
const passes = (l: Level): boolean => l.passes * 2 > l.runs;

/** What to run next, or the result. Pure. */
export function nextSweepAction(state: SweepState): SweepAction {
  const o = state.options;
  const byLevel = levels(state);
  // Highest level that passed with no failing level below it, lowest failing level above that.
  const sorted = [...byLevel.entries()].sort((a, b) => a[0] - b[0]);
  let lo = 0;
  let hi: number | null = null;
  for (const [n, l] of sorted) {
    if (passes(l)) {
      if (hi === null) lo = n;
    } else if (hi === null) {
      hi = n;
    }
  }
  const done = (stopped: SweepResult['stopped']): SweepAction => ({ kind: 'done', result: result(state, byLevel, lo, hi, stopped) });
  if (state.runs.length >= o.maxRuns) return done('max_runs');

  // 1. Bracket: double until a level fails or the cap is reached.
  if (hi === null) {
    if (lo >= o.maxUsers) return confirmOr(state, byLevel, lo, null, () => done('max_users'));
    const next = lo === 0 ? o.start : Math.min(o.maxUsers, lo * 2);
    return { kind: 'run', users: next };
  }
  if (lo === 0 && hi <= o.start) {
    // The first level fails: confirm it, then there is nothing to bisect.
    return confirmOr(state, byLevel, null, hi, () => done('none_pass'));
  }
  // 2. Bisect between the last pass and the first fail.
  if (hi - lo > 1) return { kind: 'run', users: lo === 0 ? Math.max(1, Math.floor(hi / 2)) : Math.floor((lo + hi) / 2) };
  // 3. Confirm both sides of the boundary with repeated runs.
  return confirmOr(state, byLevel, lo === 0 ? null : lo, hi, () => done('converged'));
}

/** Run the boundary levels until each has 1 + boundaryRepeats runs, then finish. */
function confirmOr(state: SweepState, byLevel: Map<number, Level>, lo: number | null, hi: number | null, finish: () => SweepAction): SweepAction {
  const want = 1 + state.options.boundaryRepeats;
  for (const n of [lo, hi]) {
    if (n === null) continue;
    const l = byLevel.get(n);
    if (l === undefined || l.runs < want) return { kind: 'run', users: n };
  }
  return finish();
}

function result(state: SweepState, byLevel: Map<number, Level>, lo: number, hi: number | null, stopped: SweepResult['stopped']): SweepResult {
  let binding: string | null = null;
  if (hi !== null) {
    const counts = new Map<string, number>();
    for (const r of state.runs) {
      if (r.users !== hi) continue;
      for (const f of r.outcome.failing) counts.set(f, (counts.get(f) ?? 0) + 1);
    }
    let best = 0;
    for (const [name, c] of counts) {
      if (c > best) {
        best = c;
        binding = name;
      }
    }
  }
  return {
    max_users: lo > 0 ? lo : null,
    first_failing_users: hi,
    binding_constraint: binding,
    levels: [...byLevel.entries()].sort((a, b) => a[0] - b[0]).map(([users, l]) => ({ users, runs: l.runs, passes: l.passes, pass: passes(l) })),
    stopped: lo === 0 && stopped === 'converged' ? 'none_pass' : stopped,
  };
}

/** Drive a sweep with `evaluate(users)` (one bounded load run and its judgement). */
export async function runSweep(
  evaluate: (users: number, runIndex: number) => Promise<LevelOutcome>,
  options: SweepOptions = {},
  signal?: AbortSignal,
): Promise<SweepResult> {
  let state = startSweep(options);
  for (;;) {
    const action = nextSweepAction(state);
    if (action.kind === 'done') return action.result;
    if (signal?.aborted) return { ...resultNow(state), stopped: 'interrupted' };
    const outcome = await evaluate(action.users, state.runs.length);
    state = recordSweepRun(state, action.users, outcome);
  }
}

/** The result as it stands (used when interrupted). */
function resultNow(state: SweepState): SweepResult {
  const forced = { ...state, options: { ...state.options, maxRuns: state.runs.length } };
  const action = nextSweepAction(forced);
  if (action.kind === 'done') return action.result;
  throw new Error('unreachable: a state with maxRuns reached is always done');
}
