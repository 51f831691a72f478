import { FastWorkerError } from "../errors.ts";
import type { Priority } from "../queue/priority.ts";
import type { TaskState } from "../queue/state.ts";

/** What a durable store must persist to bring a task back after a restart. */
export interface StoredTask {
  id: string;
  name: string;
  args: unknown[];
  priority: Priority;
  state: TaskState;
  attempts: number;
  maxRetries: number;
  dueAt?: number;
  submittedAt: number;
  options: Record<string, unknown>;
}

export type StoredTaskPatch = Partial<Pick<StoredTask, "state" | "attempts" | "dueAt">>;

export interface TaskOutcome {
  state: "success" | "failure" | "cancelled";
  at: number;
}

/**
 * The control plane writes every task lifecycle change through this, so a
 * durable journal can be dropped in later without reshaping the callers.
 *
 * Only accept() may be asynchronous: it gates the acknowledgement to the
 * submitter (a journal fsyncs there). update() and finish() are synchronous
 * so the hot path never awaits; a durable implementation is expected to
 * buffer them and flush in the background, accepting that a crash may replay
 * a task whose completion had not been flushed (at-least-once).
 */
export interface TaskStore {
  /** Called before the submitter is told the tasks were accepted. */
  accept(tasks: readonly StoredTask[]): void | Promise<void>;
  update(id: string, patch: StoredTaskPatch): void;
  finish(id: string, outcome: TaskOutcome): void;
  /** Tasks to bring back after a restart (empty for the in-memory store). */
  recover(): Promise<StoredTask[]>;
  close(): Promise<void>;
}

/**
 * The default, non-durable store. It deliberately keeps no data: the control
 * plane's own queues and records already hold every live task, so a copy here
 * would double memory and per-task work while recovering nothing (a restart
 * loses process memory either way). accept() returns synchronously so callers
 * can skip an await when the result is not a promise.
 *
 * It still enforces the lifecycle: any write after close() throws E_CLOSED,
 * so a control plane that writes during shutdown fails the same way under
 * this store as under a durable one.
 */
export class MemoryTaskStore implements TaskStore {
  private closed = false;

  accept(_tasks: readonly StoredTask[]): void {
    this.assertOpen("accept");
  }

  update(_id: string, _patch: StoredTaskPatch): void {
    this.assertOpen("update");
  }

  finish(_id: string, _outcome: TaskOutcome): void {
    this.assertOpen("finish");
  }

  async recover(): Promise<StoredTask[]> {
    this.assertOpen("recover");
    return [];
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(op: string): void {
    if (this.closed) throw new FastWorkerError("E_CLOSED", `task store is closed (${op})`);
  }
}
