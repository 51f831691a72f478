import type { Priority, ReplyOf, TaskRecord, TaskState } from "../protocol/index.ts";

export interface ClientOptions {
  /** The control plane's NNG address; without it the client asks discovery, then tries tcp://127.0.0.1:5555. */
  address?: string;
  /** Where control planes announce themselves (NNG BUS). Default tcp://127.0.0.1:5550. */
  discoveryAddress?: string;
  /** How long start() and each request may wait for the control plane before E_UNAVAILABLE. Default 5 000 ms. */
  connectTimeoutMs?: number;
  /** Largest frame the client will send. Default 16 MiB (the control plane's default limit). */
  maxFrameBytes?: number;
}

export interface SubmitOptions {
  /** Your own task id (otherwise a UUID); resubmitting an id returns the existing task. */
  id?: string;
  priority?: Priority;
  /** Hard limit per attempt; overrides the task's own. */
  timeoutMs?: number;
  retries?: number;
  /** Run at this time (Date or epoch ms) ... */
  eta?: Date | number;
  /** ... or this many ms from now. */
  countdownMs?: number;
  /** Submissions with the same key within the result TTL return the first task's id. */
  idempotencyKey?: string;
  /** Keyword arguments: passed to the handler as one last object argument. */
  kwargs?: Record<string, unknown>;
  /** Be told at this NNG (PAIR) address when the task ends, with `data`. */
  callback?: { address: string; data?: unknown };
}

export interface BatchItem {
  task: string | { readonly name: string };
  args?: unknown[];
  options?: SubmitOptions;
}

/** What result(id) returns: the whole record of a task. */
export type TaskResultRecord = TaskRecord;
export type { TaskState };

export type ClusterStatus = Omit<ReplyOf<"status_reply">, "v" | "type">;
