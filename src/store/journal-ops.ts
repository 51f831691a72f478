/**
 * What both journals (SQLite and PostgreSQL) share above their own group commit: the task
 * store's writes (each task serialised on its own, so one that cannot be journaled is refused
 * alone), the closed state, and the health report read from the commit pipeline.
 */
import { FastWorkerError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { TaskRecord } from "../protocol/index.ts";
import type { GroupCommit } from "./group-commit.ts";
import { JournalStats, type JournalHealth } from "./journal-health.ts";
import { acceptOp, finishOp, updateOp, type JournalOp } from "./journal-rows.ts";
import type { JournalSync } from "./journal-schema.ts";
import type { Refusals, StoredTask, StoredTaskPatch } from "./task-store.ts";

export abstract class CommittingJournal {
  readonly stats = new JournalStats();
  abstract readonly sync: JournalSync;
  protected abstract readonly commits: GroupCommit;
  protected abstract readonly log: Logger;
  /** Set by close(): writes after it are refused (accept) or dropped (update, finish). */
  protected closed = false;

  /** Where the health report says the journal is (a path, or a URL without its password). */
  protected abstract get location(): string;

  /** Why writes are failing, while they are (submissions are then refused). */
  get degraded(): string | undefined {
    return this.commits.degraded;
  }

  /** Commits the tasks that serialise; resolves (after the commit) with the ones refused, if any. */
  accept(tasks: readonly StoredTask[]): Promise<Refusals | void> | Refusals | void {
    if (this.closed) return Promise.reject(new FastWorkerError("E_CLOSED", "the journal is closed"));
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
    return refusals === undefined ? this.commits.accept(ops) : this.commits.accept(ops).then(() => refusals);
  }

  update(id: string, patch: StoredTaskPatch): void {
    if (!this.closed) this.commits.write(updateOp(id, patch));
  }

  /** A result that cannot be serialised is logged: the task stays finished, its result is lost at a restart. */
  finish(id: string, record: TaskRecord): void {
    if (this.closed) return;
    this.commits.write(finishOp(id, record, (error) => this.log("warn", "journal: a result cannot be journaled; the task stays finished but its result is lost at a restart", { id, error: error.message })));
  }

  health(): JournalHealth {
    const latency = this.stats.latency();
    const commits = this.commits;
    return {
      path: this.location, sync: this.sync, state: this.degraded === undefined ? "ok" : "degraded",
      degradedReason: this.degraded ?? null, degradedSince: commits.degradedSince ?? null,
      pendingWrites: commits.pendingWrites, waitingSubmissions: commits.waitingSubmissions,
      commitInFlightMs: commits.commitInFlightMs === null ? null : Math.round(commits.commitInFlightMs),
      commits: this.stats.commitSeconds.count, commitP50Ms: latency.p50, commitP99Ms: latency.p99, commitMaxMs: latency.max,
      errors: { ...this.stats.errors }, lastError: this.stats.lastError, quarantined: this.stats.quarantined,
    };
  }
}
