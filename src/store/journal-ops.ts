/**
 * What both journals (SQLite and PostgreSQL) do with the task store's calls before their own
 * group commit takes over: each task is serialised on its own, so one that cannot be journaled
 * is refused alone while the others are committed.
 */
import { FastWorkerError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { TaskRecord } from "../protocol/index.ts";
import type { GroupCommit } from "./group-commit.ts";
import { acceptOp, finishOp, type JournalOp } from "./journal-rows.ts";
import type { Refusals, StoredTask } from "./task-store.ts";

/** Commits the tasks that serialise; resolves (after the commit) with the ones refused, if any. */
export function acceptThrough(commits: GroupCommit, tasks: readonly StoredTask[]): Promise<Refusals | void> | Refusals | void {
  const ops: JournalOp[] = [];
  let refusals: Map<string, FastWorkerError> | undefined;
  for (const task of tasks) {
    try {
      ops.push(acceptOp(task));
    } catch (error) {
      if (!(error instanceof FastWorkerError)) throw error;
      (refusals ??= new Map()).set(task.spec.id, error);
    }
  }
  // Every task refused: nothing to wait for. (An empty call still waits for what was written before it.)
  if (ops.length === 0 && refusals !== undefined) return refusals;
  return refusals === undefined ? commits.accept(ops) : commits.accept(ops).then(() => refusals);
}

/** Journals a result; one that cannot be serialised is logged: the task stays finished, its result is lost at a restart. */
export function finishThrough(commits: GroupCommit, id: string, record: TaskRecord, log: Logger): void {
  commits.write(finishOp(id, record, (error) => log("warn", "journal: a result cannot be journaled; the task stays finished but its result is lost at a restart", { id, error: error.message })));
}
