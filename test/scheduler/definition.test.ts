/** Periodic-task and hook options are checked when the task is defined, naming what is wrong. */
import { describe, expect, test } from "bun:test";
import { TaskDefinitionError } from "../../src/errors.ts";
import { defineMiddleware, isMiddleware, task, type TaskOptions } from "../../src/tasks/index.ts";

function definitionError(define: () => unknown): TaskDefinitionError {
  try {
    define();
  } catch (error) {
    expect(error).toBeInstanceOf(TaskDefinitionError);
    expect((error as TaskDefinitionError).code).toBe("E_TASK_DEFINITION");
    return error as TaskDefinitionError;
  }
  throw new Error("expected a TaskDefinitionError");
}

describe("periodic options", () => {
  test("defaults: overlap false, catchUp skip, args []", () => {
    const every = task({ name: "every", repeatIntervalMs: 1000 }, () => 1);
    expect(every.options.schedule).toEqual({ kind: "interval", intervalMs: 1000, overlap: false, catchUp: "skip", args: [] });
    const start = new Date("2030-01-01T00:00:00Z");
    const nightly = task({ name: "nightly", cron: "0 3 * * *", timezone: "Europe/Paris", repeatCount: 2, startAt: start, overlap: true, catchUp: "once", args: ["x"] }, (s: string) => s);
    expect(nightly.options.schedule).toEqual({
      kind: "cron", expression: "0 3 * * *", timezone: "Europe/Paris", repeatCount: 2, startAt: start.getTime(), overlap: true, catchUp: "once", args: ["x"],
    });
    expect(task("plain", () => 1).options.schedule).toBeUndefined();
  });

  test("6-field and @alias expressions are accepted", () => {
    expect(task({ name: "s", cron: "*/1 * * * * *" }, () => 1).options.schedule?.kind).toBe("cron");
    expect(task({ name: "h", cron: "@hourly" }, () => 1).options.schedule?.kind).toBe("cron");
  });

  test("both repeatIntervalMs and cron is an error", () => {
    expect(definitionError(() => task({ name: "both", repeatIntervalMs: 1000, cron: "* * * * *" }, () => 1)).message).toContain('either "repeatIntervalMs" or "cron"');
  });

  test("a bad cron expression is refused, naming the expression and the task", () => {
    const error = definitionError(() => task({ name: "bad", cron: "61 * * * *" }, () => 1));
    expect(error.message).toContain('"61 * * * *"');
    expect(error.message).toContain('task "bad"');
    expect(definitionError(() => task({ name: "years", cron: "0 0 0 1 1 * 2030" }, () => 1)).message).toContain('"0 0 0 1 1 * 2030"');
    expect(definitionError(() => task({ name: "reboot", cron: "@reboot" }, () => 1)).message).toContain("@reboot");
    expect(definitionError(() => task({ name: "never", cron: "0 0 30 2 *" }, () => 1)).message).toContain('"0 0 30 2 *" never matches');
  });

  test("other bad values are refused with the option's name", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ cron: "* * * * *", timezone: "Mars/Olympus" }, '"timezone"'],
      [{ repeatIntervalMs: 1000, timezone: "UTC" }, '"timezone" applies to "cron"'],
      [{ repeatIntervalMs: 5 }, '"repeatIntervalMs"'],
      [{ repeatIntervalMs: 1000.5 }, '"repeatIntervalMs"'],
      [{ repeatIntervalMs: 1000, repeatCount: 0 }, '"repeatCount"'],
      [{ repeatIntervalMs: 1000, startAt: new Date("nope") }, '"startAt"'],
      [{ repeatIntervalMs: 1000, catchUp: "all" }, '"catchUp"'],
      [{ repeatIntervalMs: 1000, overlap: "yes" }, '"overlap"'],
      [{ repeatIntervalMs: 1000, args: "x" }, '"args"'],
      [{ repeatIntervalMs: 1000, args: [1n] }, '"args" must be JSON-serialisable'],
      [{ args: [1] }, '"args" only applies to periodic tasks'],
      [{ before: "x" }, '"before" must be a function'],
    ];
    for (const [options, expected] of cases) {
      // Raw objects on purpose: these are the mistakes a JavaScript caller can make.
      const raw = { name: "t", ...options } as unknown as TaskOptions;
      expect(definitionError(() => task(raw, (..._args: unknown[]) => 1)).message).toContain(expected);
    }
  });
});

describe("hook options", () => {
  test("before/after are kept on the definition; defineMiddleware makes recognisable middleware", () => {
    const before = () => {};
    const hooked = task({ name: "hooked", before }, (x: number) => x);
    expect(hooked.options.hooks?.before).toBe(before);
    const middleware = defineMiddleware({ after: () => {} });
    expect(isMiddleware(middleware)).toBe(true);
    expect(isMiddleware({ before: () => {} })).toBe(false);
    expect(() => defineMiddleware({})).toThrow(TaskDefinitionError);
  });
});
