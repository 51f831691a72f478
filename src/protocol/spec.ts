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
  return {
    id: options.id ?? crypto.randomUUID(),
    name,
    args,
    ...(options.kwargs ? { kwargs: options.kwargs } : {}),
    ...(options.priority ? { priority: options.priority } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(eta !== undefined ? { etaMs: eta } : {}),
    ...(options.countdownMs !== undefined ? { countdownMs: options.countdownMs } : {}),
    ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
    ...(options.callback ? { callback: options.callback } : {}),
  };
}
