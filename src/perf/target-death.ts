/**
 * Notice a target that died mid-run: once it refuses connections several
 * times in a row, no later request can succeed, so the run stops at once
 * (instead of spinning through its request or time bound on instant
 * failures) and says so. Pure state machine: the caller aborts the run.
 */
import type { Observation } from '../types.ts';

/** Consecutive refused connections that mean the target is gone (not a blip). */
export const DEATH_AFTER_REFUSALS = 3;

export interface TargetDeath {
  /** Requests that got an answer (any HTTP status or part of a stream) before the refusals began. */
  readonly answered_before: number;
  /** The consecutive refused requests that settled it. */
  readonly refused: number;
  /** The client's message of the last refusal. */
  readonly last_error: string;
}

/** Feeds on every finished request; reports death once. */
export class TargetDeathWatch {
  private answered = 0;
  private refusals = 0;
  private dead: TargetDeath | null = null;
  constructor(private readonly threshold = DEATH_AFTER_REFUSALS) {}

  /** Record one finished request; returns the death verdict the first time it is reached, else null. */
  observe(o: Observation): TargetDeath | null {
    if (this.dead !== null) return null;
    if (o.error?.kind === 'connect') {
      this.refusals += 1;
      if (this.refusals >= this.threshold) {
        this.dead = { answered_before: this.answered, refused: this.refusals, last_error: o.error.message };
        return this.dead;
      }
      return null;
    }
    // A cancelled request says nothing about the target; anything else that reached it resets the count.
    if (o.error?.kind === 'aborted') return null;
    this.refusals = 0;
    if (o.status !== null) this.answered += 1;
    return null;
  }

  get verdict(): TargetDeath | null {
    return this.dead;
  }
}

/** The one line printed when the target died. */
export function deathLine(d: TargetDeath, target: string): string {
  if (d.answered_before === 0) {
    return (
      `claude-bench: TARGET UNREACHABLE: ${target} refused ${d.refused} connections in a row and answered none ` +
      `(${d.last_error}); the run stopped, every request is in requests.jsonl, results.json is marked partial (exit 3)`
    );
  }
  return (
    `claude-bench: TARGET DIED: ${target} refused ${d.refused} connections in a row after answering ${d.answered_before} requests ` +
    `(${d.last_error}); the run stopped, every finished request is in requests.jsonl, results.json is marked partial (exit 3)`
  );
}
