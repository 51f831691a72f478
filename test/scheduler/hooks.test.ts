/** Hooks around the handler, run as the Worker runs them (executeJob), on the main thread. */
import { describe, expect, test } from "bun:test";
import { NonRetryable } from "../../src/errors.ts";
import { executeJob } from "../../src/pool/execute.ts";
import { decodeJobs, encodeJob } from "../../src/pool/messages.ts";
import type { MiddlewareEntry } from "../../src/tasks/catalog.ts";
import { defineMiddleware, task, type HookOutcome, type TaskContext, type TaskDefinition } from "../../src/tasks/index.ts";

function run(definition: TaskDefinition<never, unknown>, middleware: MiddlewareEntry[], args: unknown[] = [], attempt = 1) {
  const [job] = decodeJobs(`[${encodeJob(7, definition.name, 2, args, undefined, { id: "task-1", attempt })}]`);
  const lookup = new Map([[definition.name, definition as TaskDefinition<unknown[], unknown>]]);
  return executeJob(lookup, job!, 1000, middleware);
}

function recorder(log: string[], label: string): MiddlewareEntry {
  return {
    modulePath: `/tasks/${label}.ts`, exportName: label,
    middleware: defineMiddleware({
      before: async (ctx) => void log.push(`${label}.before ${ctx.id} ${ctx.name} ${ctx.attempt} ${JSON.stringify(ctx.args)}`),
      after: (_ctx, outcome) => void log.push(`${label}.after ${outcome.ok ? `ok ${String(outcome.result)}` : "failed"}`),
    }),
  };
}

describe("hook order and context", () => {
  test("global befores in module order, task before, handler, task after, global afters in reverse", async () => {
    const log: string[] = [];
    const add = task({
      name: "add",
      before: (ctx) => void log.push(`task.before ${ctx.args.join("+")}`),
      after: async (_ctx, outcome) => void log.push(`task.after ${outcome.ok ? String(outcome.result) : "failed"}`),
    }, (a: number, b: number) => (log.push("handler"), a + b));
    const result = await run(add, [recorder(log, "outer"), recorder(log, "inner")], [2, 3], 2);
    expect(result).toMatchObject({ t: "ok", result: 5 });
    expect(log).toEqual([
      'outer.before task-1 add 2 [2,3]', 'inner.before task-1 add 2 [2,3]', "task.before 2+3", "handler",
      "task.after 5", "inner.after ok 5", "outer.after ok 5",
    ]);
  });

  test("without hooks a synchronous handler still returns without a promise", () => {
    expect(run(task("plain", () => 1), [])).not.toBeInstanceOf(Promise);
  });

  test("after hooks see a handler's failure", async () => {
    const outcomes: HookOutcome[] = [];
    const boom = task({ name: "boom", after: (_ctx, outcome) => void outcomes.push(outcome) }, () => {
      throw new Error("kaput");
    });
    expect(await run(boom, [])).toMatchObject({ t: "err", code: "E_TASK_FAILED", message: "Error: kaput" });
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.ok).toBe(false);
  });
});

describe("a throwing hook", () => {
  test("a throwing before fails the attempt naming the hook; the handler and its own after do not run", async () => {
    const log: string[] = [];
    const guarded = task({
      name: "guarded",
      before: () => {
        throw new Error("no entry");
      },
      after: () => void log.push("task.after"),
    }, () => log.push("handler"));
    const result = await run(guarded, [recorder(log, "outer")]);
    expect(result).toMatchObject({ t: "err", code: "E_TASK_FAILED", retry: "policy", message: 'before hook of task "guarded" threw: Error: no entry' });
    // The outer layer was entered, so its after runs and sees the failure.
    expect(log).toEqual(["outer.before task-1 guarded 1 []", "outer.after failed"]);
  });

  test("a throwing after turns success into failure; NonRetryable from a hook is not retried", async () => {
    const spoiled = task({
      name: "spoiled",
      after: () => {
        throw new NonRetryable("audit store down");
      },
    }, () => 42);
    expect(await run(spoiled, [])).toMatchObject({
      t: "err", code: "E_TASK_FAILED", retry: "never", message: 'after hook of task "spoiled" threw: NonRetryable: audit store down',
    });
  });

  test("throwing global middleware is named by export and module", async () => {
    const failing: MiddlewareEntry = {
      modulePath: "/tasks/audit.ts", exportName: "audit",
      middleware: defineMiddleware({ before: async (ctx: TaskContext) => Promise.reject(new Error(`no ${ctx.name}`)) }),
    };
    const result = await run(task("x", () => 1), [failing]);
    expect(result).toMatchObject({ t: "err", message: 'before middleware "audit" of /tasks/audit.ts (task "x") threw: Error: no x' });
  });
});
