import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as v from "valibot";
import { FastWorkerError, TaskDefinitionError } from "../../src/errors.ts";
import {
  DEFAULT_BACKOFF,
  PRIORITIES,
  isPriority,
  isTaskDefinition,
  loadTaskModules,
  parseTaskModulesArg,
  priorityRank,
  task,
  type TaskArgs,
  type TaskDefinition,
  type TaskResult,
} from "../../src/tasks/index.ts";

const FIXTURES = resolve(import.meta.dir, "../fixtures/tasks");
const DEFINITION_MODULE = resolve(import.meta.dir, "../../src/tasks/definition.ts");

function definitionError(fn: () => unknown): TaskDefinitionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TaskDefinitionError);
    return error as TaskDefinitionError;
  }
  throw new Error("expected a TaskDefinitionError, nothing was thrown");
}

async function loadError(promise: Promise<unknown>): Promise<TaskDefinitionError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TaskDefinitionError);
    return error as TaskDefinitionError;
  }
  throw new Error("expected a TaskDefinitionError, the promise resolved");
}

// Compile-time checks: `bun run typecheck` fails if inference regresses.
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
function assertType<T extends true>(_proof?: T): void {}

describe("priorities", () => {
  test("are ordered highest first and ranked by index", () => {
    expect([...PRIORITIES]).toEqual(["critical", "high", "normal", "low"]);
    expect(PRIORITIES.map(priorityRank)).toEqual([0, 1, 2, 3]);
    expect(isPriority("high")).toBe(true);
    expect(isPriority("urgent")).toBe(false);
    expect(isPriority("toString")).toBe(false);
    expect(Object.isFrozen(PRIORITIES)).toBe(true);
  });
});

describe("task()", () => {
  test("name overload applies every default and freezes the definition", () => {
    const add = task("add", (x: number, y: number) => x + y);
    expect(add.kind).toBe("fastworker.task");
    expect(add.name).toBe("add");
    expect(add.options).toEqual({ name: "add", priority: "normal", retries: 0, backoff: DEFAULT_BACKOFF });
    expect(add.options.timeoutMs).toBeUndefined();
    expect(add.options.backoff).toEqual({ baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0.2 });
    expect(add.handler(2, 3)).toBe(5);
    expect(Object.isFrozen(add)).toBe(true);
    expect(Object.isFrozen(add.options)).toBe(true);
    expect(isTaskDefinition(add)).toBe(true);
  });

  test("options overload keeps given values and merges a partial backoff", async () => {
    const report = task(
      { name: "report", retries: 3, timeoutMs: 30_000, priority: "high", backoff: { baseMs: 50, jitter: 0 }, description: "builds a report" },
      async (q: string) => ({ rows: q.length }),
    );
    expect(report.options).toMatchObject({ name: "report", retries: 3, timeoutMs: 30_000, priority: "high", description: "builds a report" });
    expect(report.options.backoff).toEqual({ baseMs: 50, factor: 2, maxMs: 60_000, jitter: 0 });
    expect(Object.isFrozen(report.options.backoff)).toBe(true);
    expect(await report.handler("abc")).toEqual({ rows: 3 });
  });

  test("infers argument and awaited result types", () => {
    const add = task("add", (x: number, y: number) => x + y);
    const report = task({ name: "report" }, async (q: string) => ({ q }));
    const fromSchema = task({ name: "mul", argsSchema: v.tuple([v.number(), v.number()]) }, (x, y) => x * y);
    assertType<Equal<TaskArgs<typeof add>, [x: number, y: number]>>();
    assertType<Equal<TaskResult<typeof add>, number>>();
    assertType<Equal<TaskResult<typeof report>, { q: string }>>();
    assertType<Equal<TaskArgs<typeof fromSchema>, [number, number]>>();
    // Every definition fits the catalog's erased type without a cast.
    const erased: TaskDefinition<unknown[], unknown>[] = [add, report, fromSchema];
    expect(erased.length).toBe(3);
    // @ts-expect-error wrong argument type is a compile error
    expect(() => add.handler("1", 2)).not.toThrow();
  });

  test("accepts a valibot args schema", () => {
    const schema = v.tuple([v.number(), v.number()]);
    const mul = task({ name: "mul", argsSchema: schema }, (x: number, y: number) => x * y);
    expect(mul.options.argsSchema).toBe(schema);
  });

  const invalid: Array<[string, () => unknown, RegExp]> = [
    ["empty name", () => task("", () => 1), /"name" must be a non-empty string/],
    ["name with spaces", () => task("send email", () => 1), /letters, digits/],
    ["non-string name", () => task({ name: 42 } as never, () => 1), /"name" must be a non-empty string/],
    ["negative retries", () => task({ name: "t", retries: -1 }, () => 1), /"retries" must be an integer >= 0/],
    ["fractional retries", () => task({ name: "t", retries: 1.5 }, () => 1), /"retries"/],
    ["zero timeout", () => task({ name: "t", timeoutMs: 0 }, () => 1), /"timeoutMs" must be/],
    ["infinite timeout", () => task({ name: "t", timeoutMs: Number.POSITIVE_INFINITY }, () => 1), /"timeoutMs"/],
    ["timeout beyond timers", () => task({ name: "t", timeoutMs: 2 ** 31 }, () => 1), /"timeoutMs"/],
    ["unknown priority", () => task({ name: "t", priority: "urgent" as never }, () => 1), /"priority" must be one of critical, high, normal, low/],
    ["backoff factor < 1", () => task({ name: "t", backoff: { factor: 0.5 } }, () => 1), /"backoff.factor"/],
    ["jitter > 1", () => task({ name: "t", backoff: { jitter: 2 } }, () => 1), /"backoff.jitter"/],
    ["maxMs < baseMs", () => task({ name: "t", backoff: { baseMs: 5000, maxMs: 100 } }, () => 1), /maxMs.*smaller than.*baseMs/],
    ["unknown backoff key", () => task({ name: "t", backoff: { base: 1 } as never }, () => 1), /unknown backoff option "base"/],
    ["unknown option (typo)", () => task({ name: "t", timeout: 5 } as never, () => 1), /unknown option "timeout"\. Known options: .*timeoutMs/],
    ["argsSchema not a schema", () => task({ name: "t", argsSchema: {} as never }, () => 1), /"argsSchema" must be a valibot schema/],
    ["async argsSchema", () => task({ name: "t", argsSchema: v.tupleAsync([v.number()]) as never }, () => 1), /synchronous/],
    ["handler not a function", () => task("t", 5 as never), /handler must be a function/],
    ["options not an object", () => task(null as never, () => 1), /options must be an object/],
  ];
  for (const [label, fn, pattern] of invalid) {
    test(`rejects ${label} with E_TASK_DEFINITION`, () => {
      const error = definitionError(fn);
      expect(error.code).toBe("E_TASK_DEFINITION");
      expect(error.message).toMatch(pattern);
    });
  }

  test("error messages name the task and suggest a fix", () => {
    const error = definitionError(() => task({ name: "emails.send", retries: -2 }, () => 1));
    expect(error.message).toContain('task "emails.send"');
    expect(error.message).toContain("Use 0 to run the task once");
  });
});

describe("isTaskDefinition", () => {
  test("recognises only task definitions", () => {
    expect(isTaskDefinition(null)).toBe(false);
    expect(isTaskDefinition(undefined)).toBe(false);
    expect(isTaskDefinition({})).toBe(false);
    expect(isTaskDefinition({ kind: "fastworker.task", name: "x", options: {} })).toBe(false);
    expect(isTaskDefinition(() => 1)).toBe(false);
    expect(isTaskDefinition({ kind: "fastworker.task", name: "x", options: {}, handler: () => 1 })).toBe(true);
  });
});

describe("parseTaskModulesArg", () => {
  test("splits, trims, drops empties and de-duplicates", () => {
    expect(parseTaskModulesArg("a.ts, b.ts,,c/ ")).toEqual(["a.ts", "b.ts", "c/"]);
    expect(parseTaskModulesArg(["a.ts,b.ts", "c.ts", "a.ts"])).toEqual(["a.ts", "b.ts", "c.ts"]);
    expect(parseTaskModulesArg("")).toEqual([]);
  });
});

describe("loadTaskModules", () => {
  const tempDirs: string[] = [];
  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), "fastworker-tasks-"));
    tempDirs.push(dir);
    return dir;
  }
  function taskModule(name: string, body = `export const t = task(${JSON.stringify(name)}, () => 1);`): string {
    return `import { task } from ${JSON.stringify(DEFINITION_MODULE)};\n${body}\n`;
  }
  afterAll(() => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  test("loads a file given relative to cwd and exposes the catalog", async () => {
    const catalog = await loadTaskModules(["basic.ts"], { cwd: FIXTURES });
    expect(catalog.modulePaths).toEqual([join(FIXTURES, "basic.ts")]);
    expect(catalog.names()).toContain("add");
    expect(catalog.names()).toContain("validated");
    expect(catalog.has("add")).toBe(true);
    expect(catalog.has("nope")).toBe(false);
    expect(catalog.get("add")?.handler(2, 2)).toBe(4);
    expect(catalog.get("nope")).toBeUndefined();
    // `add` is exported as both `add` and `default`: one task, not a duplicate.
    const adds = catalog.entries().filter((entry) => entry.definition.name === "add");
    expect(adds).toHaveLength(1);
    expect(adds[0]?.modulePath).toBe(join(FIXTURES, "basic.ts"));
    expect(adds[0]?.exportName).toBe("add");
  });

  test("walks a directory recursively and ignores non-module files", async () => {
    const catalog = await loadTaskModules([join(FIXTURES, "tree")]);
    expect(catalog.names().sort()).toEqual(["tree.one", "tree.two"]);
    expect(catalog.modulePaths).toEqual([join(FIXTURES, "tree/nested/two.ts"), join(FIXTURES, "tree/one.ts")]);
    expect(catalog.get("tree.two")?.options.timeoutMs).toBe(5000);
  });

  test("skips node_modules, dotfiles, tests, specs and declaration files", async () => {
    const dir = tempDir();
    const explode = taskModule("never", 'throw new Error("must not be imported");');
    writeFileSync(join(dir, "real.ts"), taskModule("real"));
    writeFileSync(join(dir, "real.test.ts"), explode);
    writeFileSync(join(dir, "real.spec.ts"), explode);
    writeFileSync(join(dir, "types.d.ts"), "this is not even valid TypeScript {");
    writeFileSync(join(dir, ".hidden.ts"), explode);
    writeFileSync(join(dir, "notes.md"), "# not code");
    mkdirSync(join(dir, "node_modules/pkg"), { recursive: true });
    writeFileSync(join(dir, "node_modules/pkg/index.ts"), explode);
    mkdirSync(join(dir, ".cache"));
    writeFileSync(join(dir, ".cache/x.ts"), explode);
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub/more.mjs"), taskModule("more"));
    const catalog = await loadTaskModules([dir]);
    expect(catalog.names().sort()).toEqual(["more", "real"]);
    expect(catalog.modulePaths).toEqual([join(dir, "real.ts"), join(dir, "sub/more.mjs")]);
  });

  test("imports a file named twice (directly and via its directory) only once", async () => {
    const catalog = await loadTaskModules([join(FIXTURES, "tree/one.ts"), join(FIXTURES, "tree")]);
    expect(catalog.names().sort()).toEqual(["tree.one", "tree.two"]);
    expect(catalog.modulePaths).toHaveLength(2);
  });

  test("rejects the same task name in two modules with E_DUPLICATE_TASK naming both", async () => {
    const error = await loadError(loadTaskModules(["dup-a.ts", "dup-b.ts"], { cwd: FIXTURES }));
    expect(error.code).toBe("E_DUPLICATE_TASK");
    expect(error.message).toContain('"dup"');
    expect(error.message).toContain(join(FIXTURES, "dup-a.ts"));
    expect(error.message).toContain(join(FIXTURES, "dup-b.ts"));
    expect(error.message).toContain('export "first"');
    expect(error.message).toContain('export "second"');
  });

  test("rejects the same task name twice in one module", async () => {
    const dir = tempDir();
    const file = join(dir, "twice.ts");
    writeFileSync(file, taskModule("x", 'export const a = task("same", () => 1);\nexport const b = task("same", () => 2);'));
    const error = await loadError(loadTaskModules([file]));
    expect(error.code).toBe("E_DUPLICATE_TASK");
    expect(error.message).toContain('export "a"');
    expect(error.message).toContain('export "b"');
  });

  test("a module that throws on import fails with E_TASK_MODULE_LOAD naming the file and cause", async () => {
    const error = await loadError(loadTaskModules([join(FIXTURES, "broken.ts")]));
    expect(error.code).toBe("E_TASK_MODULE_LOAD");
    expect(error.message).toContain(join(FIXTURES, "broken.ts"));
    expect(error.message).toContain("broken on purpose");
    expect(error).toBeInstanceOf(FastWorkerError);
  });

  test("a missing path fails with E_TASK_MODULE_LOAD and says where it looked", async () => {
    const error = await loadError(loadTaskModules(["does/not/exist.ts"], { cwd: FIXTURES }));
    expect(error.code).toBe("E_TASK_MODULE_LOAD");
    expect(error.message).toContain("does not exist");
    expect(error.message).toContain(join(FIXTURES, "does/not/exist.ts"));
  });

  test("an explicit file with an unsupported extension is refused", async () => {
    const error = await loadError(loadTaskModules([join(FIXTURES, "tree/nested/readme.txt")]));
    expect(error.code).toBe("E_TASK_MODULE_LOAD");
    expect(error.message).toContain("unsupported extension");
  });
});
