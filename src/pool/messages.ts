/**
 * The message protocol between WorkerPool (main thread) and worker-entry.ts.
 *
 * Hot-path messages are flat objects of primitives or strings on purpose: Bun
 * copies those on a fast path, while nested objects go through the generic
 * structured-clone path at several times the cost per job. Jobs therefore
 * travel as one JSON string per batch, and object results as JSON text.
 * Both ends are this package, so messages are checked only by their tag.
 */

/** A job as the Worker sees it; `seq` is the pool's small-integer handle for it. */
export interface WireJob {
  seq: number;
  name: string;
  /** priorityRank() of the job's priority: 0 = critical ... 3 = low. */
  rank: number;
  args: unknown[];
  traceparent?: string;
  /** The pool job id (the task id) and attempt, for task hooks; absent from bare pool jobs in tests. */
  id?: string;
  attempt?: number;
}

/** Retry directive in wire form: a number is a delay in ms. */
export type WireRetry = "policy" | "never" | number;

export type ResultMessage =
  | { t: "ok"; seq: number; result: null | boolean | number | string; startedAt: number; finishedAt: number }
  | { t: "okj"; seq: number; json: string; startedAt: number; finishedAt: number }
  | {
      t: "err";
      seq: number;
      code: string;
      message: string;
      stack?: string;
      retry: WireRetry;
      startedAt?: number;
      finishedAt: number;
    };

export interface InitMessage {
  t: "init";
  modules: readonly string[];
  state: SharedArrayBuffer;
  epoch: number;
  /** In flight at once for tasks without their own `concurrency` (they share this budget). */
  tasksPerWorker: number;
}
/** `data` is a JSON array of encodeJob() texts. */
export interface JobsMessage {
  t: "jobs";
  data: string;
}
export interface CancelMessage {
  t: "cancel";
  seq: number;
}
/** Aborts the `signal` of a running job: cooperative first, the pool terminates the Worker if it does not end in time. */
export interface AbortMessage {
  t: "abort";
  seq: number;
  reason: "cancel" | "timeout";
}
export type ToWorker = InitMessage | JobsMessage | CancelMessage | AbortMessage;

/** `this.progress(...)` of a running job; `json` is the value as JSON text (coalesced in the Worker). */
export interface ProgressMessage {
  t: "progress";
  seq: number;
  json: string;
}
/** `this.log(...)` of a running job, already cut to MAX_LOG_MESSAGE_CHARS. */
export interface LogMessage {
  t: "log";
  seq: number;
  at: number;
  message: string;
}
export type ActivityMessage = ProgressMessage | LogMessage;

export interface WireLoadError {
  code: string;
  message: string;
  stack?: string;
}

export type FromWorker =
  | ResultMessage
  /** Results of jobs that ended back to back, in order (result-batch.ts). */
  | { t: "results"; list: ResultMessage[] }
  | ActivityMessage
  /** `concurrency`: the tasks that set their own, by name. */
  | { t: "ready"; tasks: string[]; concurrency: Record<string, number> }
  | { t: "load_error"; error: WireLoadError }
  | { t: "fatal"; error: WireLoadError };

const TO_WORKER_TAGS = new Set<string>(["init", "jobs", "cancel", "abort"]);
const FROM_WORKER_TAGS = new Set<string>(["ok", "okj", "err", "results", "ready", "load_error", "fatal", "progress", "log"]);

function hasTag(value: unknown, tags: ReadonlySet<string>): boolean {
  return typeof value === "object" && value !== null && "t" in value && typeof value.t === "string" && tags.has(value.t);
}

export function isToWorker(value: unknown): value is ToWorker {
  return hasTag(value, TO_WORKER_TAGS);
}

export function isFromWorker(value: unknown): value is FromWorker {
  return hasTag(value, FROM_WORKER_TAGS);
}

/**
 * JSON text of one job, computed once when the job is accepted so that args
 * which are not JSON (bigint, cycles) are rejected up front, and a job moved
 * to another Worker is not re-encoded. Throws TypeError for such args.
 */
export function encodeJob(
  seq: number, name: string, rank: number, args: readonly unknown[], traceparent: string | undefined,
  context?: { id: string; attempt: number },
): string {
  if (context !== undefined) return JSON.stringify([seq, name, rank, args, traceparent ?? null, context.id, context.attempt]);
  return JSON.stringify(traceparent === undefined ? [seq, name, rank, args] : [seq, name, rank, args, traceparent]);
}

export function joinJobs(encoded: readonly string[]): string {
  return `[${encoded.join(",")}]`;
}

type EncodedJob = [number, string, number, unknown[], (string | null)?, string?, number?];

function isEncodedJob(value: unknown): value is EncodedJob {
  return (
    Array.isArray(value) &&
    typeof value[0] === "number" &&
    typeof value[1] === "string" &&
    typeof value[2] === "number" &&
    Array.isArray(value[3]) &&
    (value[4] === undefined || value[4] === null || typeof value[4] === "string") &&
    (value[5] === undefined || (typeof value[5] === "string" && typeof value[6] === "number"))
  );
}

export function decodeJobs(data: string): WireJob[] {
  const parsed: unknown = JSON.parse(data);
  if (!Array.isArray(parsed)) throw new TypeError("jobs message is not a JSON array");
  return parsed.map((item: unknown) => {
    if (!isEncodedJob(item)) throw new TypeError(`malformed job in jobs message: ${JSON.stringify(item)}`);
    const job: WireJob = { seq: item[0], name: item[1], rank: item[2], args: item[3] };
    if (typeof item[4] === "string") job.traceparent = item[4];
    if (item[5] !== undefined && item[6] !== undefined) {
      job.id = item[5];
      job.attempt = item[6];
    }
    return job;
  });
}
