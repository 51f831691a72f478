import { FastWorkerError } from "../errors.ts";
import type { Priority } from "../model/priority.ts";
import type { TaskState } from "../model/task-state.ts";
import type { TaskRecord, TaskSpec } from "../protocol/index.ts";
import type { JournalHealth, JournalStats } from "./journal-health.ts";

/** What a durable store must persist to bring a task back after a restart. */
export interface StoredTask {
  /** The submission as accepted (name, args, options, callback...). */
  spec: TaskSpec;
  priority: Priority;
  state: TaskState;
  attempts: number;
  dueAt?: number;
  submittedAt: number;
}

export type StoredTaskPatch = { state: TaskState; attempts: number; dueAt?: number };

/** What recover() brings back: live tasks in submission order, and results still within their TTL. */
export interface Recovered {
  live: StoredTask[];
  finished: TaskRecord[];
  /** Rows that could not be decoded and were set aside (a journal's quarantine table). */
  quarantined?: number;
}

/** Tasks a store refused one by one (the others of the same call were accepted): task id → why. */
export type Refusals = ReadonlyMap<string, FastWorkerError>;

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
/** Where a store keeps tasks: what `status`, /api/status and /metrics report as the journal backend. */
export type JournalBackend = "memory" | "sqlite" | "postgres";

export interface TaskStore {
  readonly backend: JournalBackend;
  /**
   * Called before the submitter is told the tasks were accepted. Rejects (E_JOURNAL) when the
   * store cannot take any of them; resolves with Refusals for tasks refused on their own.
   */
  accept(tasks: readonly StoredTask[]): void | Refusals | Promise<void | Refusals>;
  update(id: string, patch: StoredTaskPatch): void;
  /** The terminal record, result included, so it stays answerable after a restart. */
  finish(id: string, record: TaskRecord): void;
  /** Tasks to bring back after a restart (nothing for the in-memory store). */
  recover(resultTtlMs: number): Promise<Recovered>;
  /** Drops finished tasks older than `before` (epoch ms); returns how many. Reports its own failures, never rejects. */
  compact(before: number): number | Promise<number>;
  close(): Promise<void>;
  /** Why writes are failing, while they are (new submissions are then refused with E_JOURNAL). */
  readonly degraded?: string;
  /** A durable store's health: commit latency, errors, degraded state (shown in /api/status). */
  health?(): JournalHealth;
  /** Its counters and commit-latency histogram, for /metrics. */
  readonly stats?: JournalStats;
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
  readonly backend = "memory";
  private closed = false;

  accept(_tasks: readonly StoredTask[]): void {
    this.assertOpen("accept");
  }

  update(_id: string, _patch: StoredTaskPatch): void {
    this.assertOpen("update");
  }

  finish(_id: string, _record: TaskRecord): void {
    this.assertOpen("finish");
  }

  async recover(_resultTtlMs: number): Promise<Recovered> {
    this.assertOpen("recover");
    return { live: [], finished: [] };
  }

  compact(_before: number): number {
    return 0;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(op: string): void {
    if (this.closed) throw new FastWorkerError("E_CLOSED", `task store is closed (${op})`);
  }
}
