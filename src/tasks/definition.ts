import type { GenericSchema } from "valibot";
import { TaskDefinitionError } from "../errors.ts";
import type { HandlerContext } from "./context.ts";
import type { AfterHook, BeforeHook, TaskHooks } from "./middleware.ts";
import type { BackoffPolicy } from "../model/backoff-policy.ts";
import type { Priority } from "../model/priority.ts";
import { describeType, resolveTaskOptions } from "./validate-options.ts";

/** Exponential backoff between attempts: min(maxMs, baseMs * factor^(attempt-1)), +/- jitter (a 0..1 fraction). */
export type BackoffOptions = BackoffPolicy;

/** A synchronous valibot schema whose output is the handler's argument tuple. */
export type ArgsSchema<A extends unknown[] = unknown[]> = GenericSchema<unknown, A>;

/**
 * Options accepted by `task({...}, handler)`. Kept as an interface (not a closed
 * type alias) so later options such as `repeatIntervalMs` or `cron` slot in
 * without breaking existing definitions.
 */
export interface TaskOptions<A extends unknown[] = unknown[]> {
  name: string;
  description?: string;
  priority?: Priority;
  /** Extra attempts after the first; 0 means run once. */
  retries?: number;
  /**
   * Hard limit per attempt: when exceeded the attempt fails with E_TASK_TIMEOUT and the
   * handler's `this.signal` aborts; if it does not end within the pool's grace period, its Worker
   * is terminated (the other tasks there are re-queued).
   */
  timeoutMs?: number;
  /**
   * Tasks of this kind in flight at once per Bun Worker (1..1024), for async handlers that
   * mostly wait (HTTP calls, database queries). Without it the task shares the Worker's default
   * budget (`tasksPerWorker`, `--tasks-per-worker`, default 1) with the other tasks that set none.
   * Keep CPU-bound tasks at 1: a handler that computes holds its Worker's whole event loop.
   */
  concurrency?: number;
  backoff?: Partial<BackoffOptions>;
  /** Validated inside the Worker before the handler runs; failures are not retried. */
  argsSchema?: ArgsSchema<A>;
  // --- periodic tasks: the control plane submits a run at each due time (src/scheduler/) ---
  /** Run every this many ms, first at `startAt` (or one interval after the control plane starts). Not with `cron`. */
  repeatIntervalMs?: number;
  /** Run on a cron schedule: 5 fields, 6 with seconds first, or @hourly, @daily, @weekly, @monthly, @yearly. */
  cron?: string;
  /** IANA time zone the `cron` expression is read in (default: the control plane's local zone). */
  timezone?: string;
  /** Stop after this many runs. */
  repeatCount?: number;
  /** No run due after this time (Date, epoch ms or an ISO 8601 string): the series ends there. The original's `repeat_until`. */
  repeatUntil?: Date | number | string;
  /** No run before this time (Date or epoch ms). */
  startAt?: Date | number;
  /** Let a run start while the previous one is still queued or running (default false: it is skipped). */
  overlap?: boolean;
  /** Runs missed during a pause or a clock jump: "skip" them (default) or run "once" to catch up. */
  catchUp?: CatchUpPolicy;
  /** Arguments of each periodic run (default []). NoInfer: the handler alone decides `A`. */
  args?: NoInfer<A>;
  // --- hooks, run inside the Worker around the handler ---
  /** Runs before the handler, after global middleware befores; a throw fails the attempt. */
  before?: BeforeHook<NoInfer<A>>;
  /** Runs after the handler (whatever its outcome), before global middleware afters. */
  after?: AfterHook<NoInfer<A>>;
}

export type CatchUpPolicy = "skip" | "once";

/** A periodic task's schedule with defaults applied. */
export type ResolvedSchedule = (
  | { readonly kind: "interval"; readonly intervalMs: number }
  | { readonly kind: "cron"; readonly expression: string; readonly timezone?: string }
) & {
  readonly repeatCount?: number;
  /** Epoch ms: due times after it never run. */
  readonly repeatUntil?: number;
  /** Epoch ms. */
  readonly startAt?: number;
  readonly overlap: boolean;
  readonly catchUp: CatchUpPolicy;
  readonly args: readonly unknown[];
};

/** TaskOptions with every default applied; what schedulers and Workers read. */
export interface ResolvedTaskOptions {
  readonly name: string;
  readonly description?: string;
  readonly priority: Priority;
  readonly retries: number;
  readonly timeoutMs?: number;
  /** Present when the task sets its own; otherwise it shares the Worker's tasksPerWorker budget. */
  readonly concurrency?: number;
  readonly backoff: Readonly<BackoffOptions>;
  readonly argsSchema?: ArgsSchema;
  /** Present for periodic tasks only. */
  readonly schedule?: ResolvedSchedule;
  readonly hooks?: Readonly<TaskHooks>;
}

export const TASK_KIND = "fastworker.task";

/**
 * A named handler plus its options. `R` is the awaited result, so a client can
 * infer `submit(add, 1, 2): Promise<number>` from the definition alone.
 */
export interface TaskDefinition<A extends unknown[] = unknown[], R = unknown> {
  readonly kind: typeof TASK_KIND;
  readonly name: string;
  readonly options: ResolvedTaskOptions;
  // Method syntax on purpose: method parameters are checked bivariantly, which
  // lets every TaskDefinition<A, R> be stored as TaskDefinition<unknown[], unknown>
  // in catalogs without casts, while call sites keep their precise types.
  /** Called with the attempt's HandlerContext as `this`; typed `unknown` here so a unit test may call `definition.handler(1, 2)` directly (a handler that reads `this` needs `.call(ctx, ...)` then). */
  handler(this: unknown, ...args: A): R | Promise<R>;
}

/** Argument tuple of a task definition. */
export type TaskArgs<T> = T extends TaskDefinition<infer A, unknown> ? A : never;
/** Awaited result of a task definition. */
export type TaskResult<T> = T extends TaskDefinition<never, infer R> ? R : never;

/**
 * Defines a task with default options: `task("add", (x: number, y: number) => x + y)`.
 * A `function` handler gets the attempt's HandlerContext as `this` (id, attempt, signal, progress, log).
 */
export function task<A extends unknown[], R>(name: string, handler: (this: HandlerContext, ...args: A) => R): TaskDefinition<A, Awaited<R>>;
/** Defines a task with options: `task({ name: "report", retries: 3 }, async (q: string) => ...)`. */
export function task<A extends unknown[], R>(
  options: TaskOptions<A>,
  handler: (this: HandlerContext, ...args: A) => R,
): TaskDefinition<A, Awaited<R>>;
export function task<A extends unknown[], R>(
  nameOrOptions: string | TaskOptions<A>,
  handler: (this: HandlerContext, ...args: A) => R,
): TaskDefinition<A, Awaited<R>> {
  const raw: unknown = typeof nameOrOptions === "string" ? { name: nameOrOptions } : nameOrOptions;
  const options = resolveTaskOptions(raw);
  if (typeof handler !== "function") {
    throw new TaskDefinitionError(
      "E_TASK_DEFINITION",
      `Task "${options.name}": the handler must be a function, got ${describeType(handler)}. ` +
        `Pass it as the second argument: task("${options.name}", (...args) => result).`,
    );
  }
  const definition: TaskDefinition<A, Awaited<R>> = {
    kind: TASK_KIND,
    name: options.name,
    options,
    // The handler may return R or a promise of it; the Worker awaits either way,
    // so widening the declared return type to Awaited<R> | Promise<Awaited<R>> is sound.
    handler: handler as (this: HandlerContext, ...args: A) => Awaited<R> | Promise<Awaited<R>>,
  };
  return Object.freeze(definition);
}

/** True for objects made by `task()` (checked structurally, so copies of the module still match). */
export function isTaskDefinition(value: unknown): value is TaskDefinition<unknown[], unknown> {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<Record<keyof TaskDefinition, unknown>>;
  return (
    candidate.kind === TASK_KIND &&
    typeof candidate.name === "string" &&
    typeof candidate.handler === "function" &&
    typeof candidate.options === "object" &&
    candidate.options !== null
  );
}
