import { StateTransitionError } from "../errors.ts";
import { appendHistory, dropAfterFirst, historyLength, type StateHistory } from "../model/state-history.ts";
import type { TaskState } from "../model/task-state.ts";

// The states themselves are defined once in model/; this file is the machine that moves between them.
export { TASK_STATES, isTerminal, type StateHistoryEntry, type TaskState } from "../model/task-state.ts";

/** The minimum a record needs for `transition`; `id` only improves error messages. */
export interface StatefulRecord {
  readonly id?: string;
  state: TaskState;
  /** Packed (model/state-history.ts); records carry it unpacked. */
  history: StateHistory;
}

export interface TransitionOptions {
  /** An operator-requested retry: unlocks failure→queued and cancelled→queued. */
  manual?: boolean;
}

/**
 * History keeps the first entry (submission) and the most recent ones, so a
 * task retried forever stays bounded while still showing where it started.
 */
export const HISTORY_LIMIT = 50;

// Bitmasks keep canTransition a couple of integer ops on the hot path.
const BIT: Record<TaskState, number> = {
  pending: 1 << 0,
  scheduled: 1 << 1,
  queued: 1 << 2,
  running: 1 << 3,
  retrying: 1 << 4,
  success: 1 << 5,
  failure: 1 << 6,
  cancelled: 1 << 7,
};

const mask = (...states: TaskState[]): number => states.reduce((m, s) => m | BIT[s], 0);

const LEGAL: Record<TaskState, number> = {
  pending: mask("queued", "scheduled", "cancelled"),
  scheduled: mask("queued", "cancelled"),
  queued: mask("running", "cancelled"),
  // running→queued: the lease was lost (worker died) before an outcome; not an attempt.
  running: mask("success", "failure", "retrying", "cancelled", "queued"),
  retrying: mask("queued", "scheduled", "cancelled"),
  success: 0,
  failure: 0,
  cancelled: 0,
};

const MANUAL_ONLY: Record<TaskState, number> = {
  pending: 0,
  scheduled: 0,
  queued: 0,
  running: 0,
  retrying: 0,
  success: 0,
  failure: mask("queued"),
  cancelled: mask("queued"),
};

export function canTransition(from: TaskState, to: TaskState, manual = false): boolean {
  const bit = BIT[to];
  // An unknown state (only reachable from untyped callers) must not pass as legal.
  if (bit === undefined || LEGAL[from] === undefined) return false;
  if ((LEGAL[from] & bit) !== 0) return true;
  return manual && (MANUAL_ONLY[from] & bit) !== 0;
}

/**
 * Moves `record` to `to`, recording the time. Throws StateTransitionError
 * (E_ILLEGAL_TRANSITION) on an illegal move, leaving the record untouched.
 */
export function transition(record: StatefulRecord, to: TaskState, at: number, opts?: TransitionOptions): void {
  const from = record.state;
  if (!canTransition(from, to, opts?.manual === true)) {
    const who = record.id === undefined ? "task" : `task ${record.id}`;
    const hint =
      !opts?.manual && canTransition(from, to, true) ? " (only allowed as a manual retry)" : "";
    throw new StateTransitionError(`illegal transition for ${who}: ${from} → ${to}${hint}`);
  }
  record.state = to;
  const history = record.history;
  // Drop the oldest non-first entries; a splice on ≤100 numbers is cheaper than a ring here.
  const length = historyLength(history);
  if (length >= HISTORY_LIMIT) dropAfterFirst(history, length - HISTORY_LIMIT + 1);
  appendHistory(history, to, at);
}
