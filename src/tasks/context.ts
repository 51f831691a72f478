/**
 * What a handler knows about the attempt it runs, passed as `this`:
 *
 *   task({ name: "fetch-page", concurrency: 20 }, async function (url: string) {
 *     const response = await fetch(url, { signal: this.signal });
 *     this.progress(50);
 *     this.log(`got ${response.status}`);
 *     return response.status;
 *   });
 *
 * (A `function`, not an arrow function: arrows have no `this` of their own.)
 */

/** Progress as a handler reports it: a percentage 0..100, or a small JSON object such as `{ done: 3, total: 10 }`. */
export type TaskProgress = number | Record<string, unknown>;

/** One line written with `this.log(...)`; `at` is epoch ms. */
export interface TaskLogLine {
  at: number;
  message: string;
}

export interface HandlerContext {
  /** The task id (the same for every attempt). */
  readonly id: string;
  readonly name: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * Aborts when the task is cancelled or exceeds its timeoutMs; `signal.reason` is a
   * FastWorkerError with code E_TASK_CANCELLED or E_TASK_TIMEOUT. Pass it to fetch(), database
   * drivers and timers, or check `signal.aborted` between steps: a handler that does not stop
   * within the pool's grace period has its Worker terminated (other tasks there are re-queued).
   */
  readonly signal: AbortSignal;
  /**
   * Reports progress: a number is a percentage (clamped to 0..100), an object is kept as it is
   * (JSON, at most MAX_PROGRESS_JSON_CHARS). The last value shows in the task's record, the
   * `task.progress` event and the dashboard; frequent calls are coalesced (at most ~10 a second).
   */
  progress(value: TaskProgress): void;
  /** Writes a line to the task's log (record, `task.log` event, dashboard); cut to MAX_LOG_MESSAGE_CHARS, the last MAX_LOG_LINES kept. */
  log(message: string): void;
}

/** The most tasks one Bun Worker runs at once: the cap of `concurrency` and `tasksPerWorker`. */
export const MAX_TASKS_PER_WORKER = 1024;

/** Characters of one log line; longer ones are cut (and end with "…"). */
export const MAX_LOG_MESSAGE_CHARS = 2000;
/** Log lines a task's record keeps: the most recent ones. */
export const MAX_LOG_LINES = 100;
/** Log lines one attempt may send from its Worker; later ones are dropped (one line says so). */
export const MAX_LOG_LINES_PER_ATTEMPT = 1000;
/** JSON characters of an object passed to progress(). */
export const MAX_PROGRESS_JSON_CHARS = 4096;
/** Progress of one running task reaches the coordinator at most this often; the latest value wins. */
export const PROGRESS_INTERVAL_MS = 100;

/** A log line cut to MAX_LOG_MESSAGE_CHARS. */
export function boundedLogMessage(message: string): string {
  return message.length > MAX_LOG_MESSAGE_CHARS ? `${message.slice(0, MAX_LOG_MESSAGE_CHARS - 1)}…` : message;
}
