/**
 * A live task's state history, packed flat: [state code, at, state code, at, ...], the code being
 * the state's index in TASK_STATES. One object per change ({ state, at }, 32 bytes plus its array
 * slot) made the history of a queued task (pending, queued) 112 bytes; packed it is 64 (issue 16).
 * Records (the wire, REST, the journal) keep StateHistoryEntry[]: `historyEntries` builds one when
 * a record is asked for. What is kept (the first entry and the most recent ones) is decided by the
 * state machine (queue/state.ts), which alone appends.
 */
import { TASK_STATES, type StateHistoryEntry, type TaskState } from "./task-state.ts";

export type StateHistory = number[];

const CODE: Readonly<Record<TaskState, number>> = Object.freeze(
  Object.fromEntries(TASK_STATES.map((state, code) => [state, code])) as Record<TaskState, number>,
);
// A plain copy of the frozen list: JSC reads a frozen array's elements about 3× slower (measured:
// unpacking four entries 89 ns from TASK_STATES, 29 ns from this).
const STATE_OF: readonly TaskState[] = [...TASK_STATES];

/** A history of one entry. Room for a second is reserved: every task moves on from "pending" at once. */
export function startHistory(state: TaskState, at: number): StateHistory {
  // A literal of four and then length 2 keeps a vector of four: the push that follows (queued or
  // scheduled) does not reallocate into a larger one (64 bytes instead of 80 for a queued task).
  const history = [CODE[state], at, 0, 0];
  history.length = 2;
  return history;
}

export function appendHistory(history: StateHistory, state: TaskState, at: number): void {
  history.push(CODE[state], at);
}

/** Drops `count` entries after the first (the oldest of the rest). */
export function dropAfterFirst(history: StateHistory, count: number): void {
  if (count > 0) history.splice(2, count * 2);
}

export function historyLength(history: readonly number[]): number {
  return history.length >> 1;
}

/** The state of the entry `back` places before the last (0 = the last one), or undefined when there is none. */
export function stateBack(history: readonly number[], back: number): TaskState | undefined {
  const i = history.length - 2 * (back + 1);
  return i < 0 ? undefined : STATE_OF[history[i]!];
}

/** The time of the entry `back` places before the last (0 = the last one), or undefined when there is none. */
export function timeBack(history: readonly number[], back: number): number | undefined {
  const i = history.length - 2 * (back + 1);
  return i < 0 ? undefined : history[i + 1];
}

/** The history as records carry it: a fresh array of fresh entries (the caller may keep or change it). */
export function historyEntries(history: readonly number[]): StateHistoryEntry[] {
  const entries: StateHistoryEntry[] = [];
  for (let i = 0; i + 1 < history.length; i += 2) entries.push({ state: STATE_OF[history[i]!]!, at: history[i + 1]! });
  return entries;
}

/** A record's history packed again (a manual retry revives a task with its old history). */
export function packHistory(entries: readonly StateHistoryEntry[]): StateHistory {
  const history: StateHistory = [];
  for (const entry of entries) history.push(CODE[entry.state], entry.at);
  return history;
}
