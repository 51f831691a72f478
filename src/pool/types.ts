import type { WireError } from "../errors.ts";
import type { Priority } from "../model/priority.ts";

/** One attempt of one task, as handed to the pool. */
export interface PoolJob {
  /** Unique among jobs currently in the pool; used by cancel(). */
  id: string;
  name: string;
  args: unknown[];
  /** 1 for the first attempt. Informational for the pool. */
  attempt: number;
  priority: Priority;
  /** Hard limit for this attempt, counted from the moment the handler starts. */
  timeoutMs?: number;
  traceparent?: string;
}

/** What should happen next after a failed attempt. */
export type RetryDirective = "policy" | "never" | { delayMs: number };

export type PoolOutcome =
  | { ok: true; result: unknown; startedAt: number; finishedAt: number }
  | { ok: false; error: WireError; retry: RetryDirective; startedAt?: number; finishedAt: number };

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface WorkerPoolOptions {
  /** Number of Bun Workers, each running one job at a time. */
  size: number;
  /** Absolute task module file paths, normally TaskCatalog.modulePaths. */
  taskModules: readonly string[];
  /** Jobs assigned per Worker at once (running + queued inside it). Default 2. */
  prefetch?: number;
  log?: LogFn;
  /**
   * Called when a Worker becomes ready (at start, or a replacement after a timeout or crash):
   * a coordinator that holds work back while freeSlots() was 0 should dispatch again.
   */
  onCapacity?: () => void;
  /** How long a Worker may take to import the task modules. Default 60 000 ms. */
  startTimeoutMs?: number;
}

export interface PoolStats {
  size: number;
  /** Workers executing a handler right now. */
  busy: number;
  /** Jobs handed to Workers (running or prefetched). */
  assigned: number;
  /** Jobs accepted by run() but waiting for a free Worker slot. */
  pending: number;
  /** Replacement Workers spawned after timeouts, crashes and cancellations. */
  restarts: number;
  /** Jobs settled by executing them: success, handler failure, timeout or crash. */
  completed: number;
}

export interface CloseOptions {
  /** How long to let assigned jobs finish before terminating Workers. Default 0. */
  drainMs?: number;
}
