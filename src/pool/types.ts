import type { WireError } from "../errors.ts";
import type { TaskLogLine, TaskProgress } from "../tasks/context.ts";
import type { Priority } from "../model/priority.ts";
import type { Clock } from "../model/clock.ts";

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

/** Who reported progress or a log line: the job's id and attempt, to drop stale reports. */
export interface JobRef {
  id: string;
  attempt: number;
}

export interface WorkerPoolOptions {
  /** Number of Bun Workers. */
  size: number;
  /** Absolute task module file paths, normally TaskCatalog.modulePaths. */
  taskModules: readonly string[];
  /**
   * Jobs in flight at once per Worker for tasks without their own `concurrency` (they share
   * this budget). Default 1: one job at a time, as CPU-bound handlers need.
   */
  tasksPerWorker?: number;
  /** Jobs handed to a Worker beyond what it can start (waiting inside it), plus one. Default 2. */
  prefetch?: number;
  /**
   * The deepest prefetch a Worker gets while its jobs are seen to be short (about 1 ms of work
   * waiting in it; src/pool/adaptive-prefetch.ts). Default 32; equal to `prefetch` turns adapting off.
   */
  maxPrefetch?: number;
  /** How long a cancelled or timed-out job may take to end after its signal aborts, before its Worker is terminated. Default 1 000 ms. */
  abortGraceMs?: number;
  /** A running job called this.progress(); coalesced in the Worker (at most ~10 a second per job). */
  onProgress?: (job: JobRef, progress: TaskProgress) => void;
  /** A running job called this.log(); the message is already cut to MAX_LOG_MESSAGE_CHARS. */
  onLog?: (job: JobRef, line: TaskLogLine) => void;
  log?: LogFn;
  /**
   * Called when a Worker becomes ready (at start, or a replacement after a timeout or crash):
   * a coordinator that holds work back while freeSlots() was 0 should dispatch again.
   */
  onCapacity?: () => void;
  /** How long a Worker may take to import the task modules. Default 60 000 ms. */
  startTimeoutMs?: number;
  /** Time for hard timeouts, the abort grace, the drain and respawn backoff (src/model/clock.ts); tests inject one. */
  clock?: Clock;
}

export interface PoolStats {
  size: number;
  /** Workers executing a handler right now. */
  busy: number;
  /** Jobs executing right now (several per Worker with tasksPerWorker or concurrency above 1). */
  running: number;
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
  /** Bounds this caller's wait for the whole close (E_TIMEOUT past it); the close itself goes on. */
  deadlineMs?: number;
}
