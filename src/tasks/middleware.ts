/**
 * Task hooks: per-task `before`/`after` options and global middleware exported by task
 * modules. Both run inside the Bun Worker that runs the handler (see src/pool/hooks.ts).
 */
import { TaskDefinitionError } from "../errors.ts";
import type { HandlerContext } from "./context.ts";

/** What a hook knows about the attempt it wraps: the handler's context (signal, progress, log too) plus its arguments. */
export interface TaskContext<A extends unknown[] = unknown[]> extends HandlerContext {
  /** The arguments the handler receives (after `argsSchema`, when the task has one). */
  readonly args: A;
}

/** How the handler (and any hook before this one) ended: what an `after` hook sees. */
export type HookOutcome = { ok: true; result: unknown } | { ok: false; error: unknown };

export type BeforeHook<A extends unknown[] = unknown[]> = (ctx: TaskContext<A>) => void | Promise<void>;
export type AfterHook<A extends unknown[] = unknown[]> = (ctx: TaskContext<A>, outcome: HookOutcome) => void | Promise<void>;

/**
 * Hooks as stored on a definition or middleware. Method syntax on purpose: method parameters
 * are checked bivariantly, so hooks typed for a task's own argument tuple can be stored here
 * without casts (the same trick as TaskDefinition.handler).
 */
export interface TaskHooks {
  before?(ctx: TaskContext): void | Promise<void>;
  after?(ctx: TaskContext, outcome: HookOutcome): void | Promise<void>;
}

export const MIDDLEWARE_KIND = "fastworker.middleware";

/** Global hooks around every task of the Workers that load the module exporting it. */
export interface Middleware extends TaskHooks {
  readonly kind: typeof MIDDLEWARE_KIND;
}

/**
 * Defines global middleware: export it from a task module (`export const middleware =
 * defineMiddleware({ before, after })`) and every Worker loading that module runs it around
 * every task. Befores run in module load order, afters in reverse.
 */
export function defineMiddleware(hooks: { before?: BeforeHook; after?: AfterHook }): Middleware {
  for (const key of Object.keys(hooks)) {
    if (key !== "before" && key !== "after") {
      throw new TaskDefinitionError("E_TASK_DEFINITION", `defineMiddleware: unknown option "${key}". Known options: before, after.`);
    }
  }
  for (const key of ["before", "after"] as const) {
    const hook: unknown = hooks[key];
    if (hook !== undefined && typeof hook !== "function") {
      throw new TaskDefinitionError("E_TASK_DEFINITION", `defineMiddleware: "${key}" must be a function, got ${typeof hook}.`);
    }
  }
  if (hooks.before === undefined && hooks.after === undefined) {
    throw new TaskDefinitionError("E_TASK_DEFINITION", "defineMiddleware: give at least one of before or after.");
  }
  return Object.freeze({ kind: MIDDLEWARE_KIND, ...hooks });
}

/** True for objects made by defineMiddleware() (checked structurally, so copies of the module still match). */
export function isMiddleware(value: unknown): value is Middleware {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<Record<keyof Middleware, unknown>>;
  return (
    candidate.kind === MIDDLEWARE_KIND &&
    (candidate.before === undefined || typeof candidate.before === "function") &&
    (candidate.after === undefined || typeof candidate.after === "function")
  );
}
