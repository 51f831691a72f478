import type { Priority, TaskSpec } from "./frames.ts";

/** Per-submission options, shared by the NNG client and the embedded client. */
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

export type TaskRef = string | { readonly name: string };

export function buildSpec(task: TaskRef, args: unknown[], options: SubmitOptions): TaskSpec {
  const name = typeof task === "string" ? task : task.name;
  const eta = options.eta instanceof Date ? options.eta.getTime() : options.eta;
  // Set field by field, not with conditional spreads (one copyDataProperties call each, for every
  // task submitted); the order is the wire's, so the encoded spec is the same JSON.
  const spec: TaskSpec = { id: options.id ?? crypto.randomUUID(), name, args };
  if (options.kwargs) spec.kwargs = options.kwargs;
  if (options.priority) spec.priority = options.priority;
  if (options.retries !== undefined) spec.retries = options.retries;
  if (options.timeoutMs !== undefined) spec.timeoutMs = options.timeoutMs;
  if (eta !== undefined) spec.etaMs = eta;
  if (options.countdownMs !== undefined) spec.countdownMs = options.countdownMs;
  if (options.idempotencyKey) spec.idempotencyKey = options.idempotencyKey;
  if (options.callback) spec.callback = options.callback;
  return spec;
}
