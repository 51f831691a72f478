/**
 * What goes into a journal row and what comes back out of one. Encoding happens on the control
 * plane's thread for each task on its own, before the task joins a group commit, so a task that
 * cannot be journaled fails alone; decoding validates every row, so one damaged row is
 * quarantined instead of stopping recovery.
 */
import * as v from "valibot";
import { FastWorkerError } from "../errors.ts";
import { PrioritySchema, TaskRecordSchema, TaskSpecSchema, TaskStateSchema, type TaskRecord } from "../protocol/index.ts";
import type { StoredTask, StoredTaskPatch } from "./task-store.ts";

/** Deeper JSON than this is refused: real arguments never nest so deep, and serialising it could exhaust the stack. */
export const MAX_JOURNAL_DEPTH = 256;

/** One write, ready for the writer thread: plain values only (structured-cloned into it). */
export type JournalOp =
  | { kind: "accept"; id: string; name: string; priority: string; state: string; attempts: number; dueAt: number | null; submittedAt: number; spec: string }
  | { kind: "update"; id: string; state: string; attempts: number; dueAt: number | null }
  | { kind: "finish"; id: string; state: string; attempts: number; finishedAt: number; record: string | null };

/**
 * True when `value` nests no deeper than `limit` arrays/objects. Recursion is bounded by `limit`
 * (it stops there), so it cannot overflow the stack, and it allocates nothing.
 */
export function depthWithin(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return true;
  if (limit === 0) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!depthWithin(value[i], limit - 1)) return false;
    return true;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) if (!depthWithin(record[key], limit - 1)) return false;
  return true;
}

function serialise(value: unknown, what: string, id: string): string {
  if (!depthWithin(value, MAX_JOURNAL_DEPTH)) {
    throw new FastWorkerError("E_INVALID_ARGS", `task ${id}: ${what} nest deeper than ${MAX_JOURNAL_DEPTH} levels; flatten them`);
  }
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new FastWorkerError("E_INVALID_ARGS", `task ${id}: ${what} cannot be serialised as JSON (${error instanceof Error ? error.name : "error"})`);
  }
}

/** The accept row of one task; throws E_INVALID_ARGS for that task alone. */
export function acceptOp(task: StoredTask): JournalOp {
  const spec = task.spec;
  return {
    kind: "accept", id: spec.id, name: spec.name, priority: task.priority, state: task.state, attempts: task.attempts,
    dueAt: task.dueAt ?? null, submittedAt: task.submittedAt, spec: serialise(spec, "the arguments", spec.id),
  };
}

export function updateOp(id: string, patch: StoredTaskPatch): JournalOp {
  return { kind: "update", id, state: patch.state, attempts: patch.attempts, dueAt: patch.dueAt ?? null };
}

/**
 * The finish row. A result that cannot be serialised still records the terminal state (so the
 * task never runs again); only its result is then unanswerable after a restart.
 */
export function finishOp(id: string, record: TaskRecord, onUnserialisable: (error: FastWorkerError) => void): JournalOp {
  let text: string | null = null;
  try {
    text = serialise(record, "the result", id);
  } catch (error) {
    if (!(error instanceof FastWorkerError)) throw error;
    onUnserialisable(error);
  }
  return { kind: "finish", id, state: record.status, attempts: record.attempts, finishedAt: record.timings.finishedAt ?? Date.now(), record: text };
}

export interface LiveRow { rowid: number; id: string; spec: string; priority: string; state: string; attempts: number; due_at: number | null; submitted_at: number }
export interface FinishedRow { rowid: number; id: string; record: string }

const LiveRowSchema = v.object({
  priority: PrioritySchema,
  state: TaskStateSchema,
  attempts: v.pipe(v.number(), v.integer(), v.minValue(0)),
  due_at: v.nullable(v.number()),
  submitted_at: v.number(),
});

/** A live row back as a StoredTask; throws with a one-line reason when the row does not decode. */
export function decodeLive(row: LiveRow): StoredTask {
  const columns = v.safeParse(LiveRowSchema, row);
  if (!columns.success) throw new Error(`invalid columns: ${v.summarize(columns.issues).split("\n")[0]}`);
  const spec = v.safeParse(TaskSpecSchema, JSON.parse(row.spec));
  if (!spec.success) throw new Error(`invalid spec: ${v.summarize(spec.issues).split("\n")[0]}`);
  if (spec.output.id !== row.id) throw new Error(`spec id ${spec.output.id} does not match the row id`);
  return {
    spec: spec.output, priority: columns.output.priority, state: columns.output.state, attempts: columns.output.attempts,
    ...(row.due_at !== null ? { dueAt: row.due_at } : {}), submittedAt: row.submitted_at,
  };
}

export function decodeFinished(row: FinishedRow): TaskRecord {
  const record = v.safeParse(TaskRecordSchema, JSON.parse(row.record));
  if (!record.success) throw new Error(`invalid record: ${v.summarize(record.issues).split("\n")[0]}`);
  return record.output as TaskRecord;
}

export function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 300);
}
