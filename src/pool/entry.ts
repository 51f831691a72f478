/** Internal bookkeeping shared by WorkerPool and Slot. */
import type { WireError } from "../errors.ts";
import type { PoolJob, PoolOutcome, RetryDirective } from "./types.ts";

/** One run() call from acceptance until its outcome is delivered. */
export interface Entry {
  readonly job: PoolJob;
  /** The pool's int32 handle for the job, used in messages and shared memory. */
  readonly seq: number;
  /** messages.encodeJob() text, computed once at acceptance. */
  readonly encoded: string;
  readonly rank: number;
  readonly resolve: (outcome: PoolOutcome) => void;
  /** The slot it is assigned to, undefined while waiting in the pool's queue. */
  slot: SlotRef | undefined;
  /** Its budget in the slot it is assigned to (TaskBudgets.budgetOf), set on assignment. */
  budget?: string;
}

/** The part of Slot that entries point at (kept minimal to avoid an import cycle). */
export interface SlotRef {
  readonly index: number;
}

export function failure(code: string, message: string, retry: RetryDirective, startedAt?: number, stack?: string): PoolOutcome {
  const error: WireError = stack === undefined ? { code, message } : { code, message, stack };
  const finishedAt = Date.now();
  return startedAt === undefined ? { ok: false, error, retry, finishedAt } : { ok: false, error, retry, startedAt, finishedAt };
}

/** A job's fields in log lines. */
export function jobFields(entry: Entry): Record<string, unknown> {
  return { jobId: entry.job.id, task: entry.job.name, attempt: entry.job.attempt };
}

export function describeJob(job: PoolJob): string {
  return `task "${job.name}" (job ${job.id}, attempt ${job.attempt})`;
}

/** An outcome decided on the main thread for a job that was running. */
export interface Settled {
  entry: Entry;
  outcome: PoolOutcome;
}

/**
 * The jobs running when their Worker died. Which of them brought it down is unknowable, so
 * each fails with E_WORKER_CRASHED and is retried by its policy.
 */
export function crashedJobs(running: ReadonlyMap<number, number>, assigned: ReadonlyMap<number, Entry>, error: WireError): Settled[] {
  const crashed: Settled[] = [];
  for (const [seq, startedAt] of running) {
    const entry = assigned.get(seq);
    if (entry === undefined) continue;
    const message = `${describeJob(entry.job)} crashed its Worker: ${error.message}`;
    crashed.push({ entry, outcome: failure("E_WORKER_CRASHED", message, "policy", startedAt, error.stack) });
  }
  return crashed;
}

export function timeoutOutcome(entry: Entry, startedAt: number, limitMs: number, graceMs: number): PoolOutcome {
  const message = `${describeJob(entry.job)} exceeded its timeout of ${limitMs} ms; its signal was aborted ` +
    `(its Worker is terminated if it does not end within ${graceMs} ms).`;
  return failure("E_TASK_TIMEOUT", message, "policy", startedAt);
}
