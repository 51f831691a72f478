/**
 * Runs a task's hooks around its handler inside the Worker, as an onion: global middleware
 * befores in module order, then the task's before; the handler; the task's after, then the
 * global afters in reverse. A layer whose before threw is not entered, so its after does not
 * run, but the layers outside it still see the failure (an after that closes what its before
 * opened always runs when that before succeeded).
 */
import type { MiddlewareEntry } from "../tasks/catalog.ts";
import type { TaskDefinition } from "../tasks/definition.ts";
import type { HookOutcome, TaskContext, TaskHooks } from "../tasks/middleware.ts";

/** One ring of the onion, with a human name for error messages. */
export interface HookLayer {
  readonly label: string;
  readonly hooks: TaskHooks;
}

/**
 * A hook threw: the attempt fails with E_TASK_FAILED and this message, which names the hook;
 * `cause` is what the hook threw (it decides whether the attempt is retried).
 */
export class HookError extends Error {
  constructor(phase: "before" | "after", label: string, cause: unknown) {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : Bun.inspect(cause);
    super(`${phase} ${label} threw: ${detail}`, { cause });
    this.name = "HookError";
  }
}

/** The layers around `definition`, outermost first; empty when it has no hooks at all. */
export function hookLayers(definition: TaskDefinition<unknown[], unknown>, middleware: readonly MiddlewareEntry[]): HookLayer[] {
  const layers: HookLayer[] = middleware.map((entry) => ({
    label: `middleware "${entry.exportName}" of ${entry.modulePath} (task "${definition.name}")`,
    hooks: entry.middleware,
  }));
  const own = definition.options.hooks;
  if (own !== undefined) layers.push({ label: `hook of task "${definition.name}"`, hooks: own });
  return layers;
}

/** Runs `handler` inside `layers`; never rejects: every failure ends up in the outcome. */
export async function runWithHooks(layers: readonly HookLayer[], ctx: TaskContext, handler: () => unknown): Promise<HookOutcome> {
  let entered = 0;
  let outcome: HookOutcome | undefined;
  for (const layer of layers) {
    if (layer.hooks.before !== undefined) {
      try {
        await layer.hooks.before(ctx);
      } catch (error) {
        outcome = { ok: false, error: new HookError("before", layer.label, error) };
        break;
      }
    }
    entered++;
  }
  if (outcome === undefined) {
    try {
      outcome = { ok: true, result: await handler() };
    } catch (error) {
      outcome = { ok: false, error };
    }
  }
  for (let i = entered - 1; i >= 0; i--) {
    const after = layers[i]!.hooks.after;
    if (after === undefined) continue;
    try {
      await after(ctx, outcome);
    } catch (error) {
      // Outer layers still run and see this failure instead of the earlier outcome.
      outcome = { ok: false, error: new HookError("after", layers[i]!.label, error) };
    }
  }
  return outcome;
}
