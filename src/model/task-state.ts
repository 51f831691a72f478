/**
 * The states a task moves through, and which of them are final. The one definition: the wire
 * schema (protocol/frames.ts), the state machine (queue/state.ts), the journal's SQL, telemetry
 * and the dashboard's filters all read these lists rather than spelling the states out again.
 */

export type TaskState =
  | "pending"
  | "scheduled"
  | "queued"
  | "running"
  | "retrying"
  | "success"
  | "failure"
  | "cancelled";

export const TASK_STATES = Object.freeze([
  "pending",
  "scheduled",
  "queued",
  "running",
  "retrying",
  "success",
  "failure",
  "cancelled",
] as const) satisfies readonly TaskState[];

/** A state no task leaves on its own (only an operator's manual retry reopens failure/cancelled). */
export type TerminalState = "success" | "failure" | "cancelled";

export const TERMINAL_STATES = Object.freeze(["success", "failure", "cancelled"] as const) satisfies readonly TerminalState[];

// Exhaustive by construction: adding a state to TaskState without deciding here fails to compile.
const IS_TERMINAL: Readonly<Record<TaskState, boolean>> = Object.freeze({
  pending: false,
  scheduled: false,
  queued: false,
  running: false,
  retrying: false,
  success: true,
  failure: true,
  cancelled: true,
});

export function isTerminal(state: TaskState): state is TerminalState {
  return IS_TERMINAL[state] === true;
}

export interface StateHistoryEntry {
  state: TaskState;
  at: number;
}
