// The package's entry points: `fastworker/elysia` resolves to the plugin, the root never loads
// Elysia, and `fw` is typed from the task definitions it is given (checked by `bun run typecheck`).
import { describe, expect, expectTypeOf, test } from "bun:test";
import { Elysia } from "elysia";
import type { TaskResultRecord } from "../../src/index.ts";
import { fastworker } from "../../src/server/elysia-plugin.ts";
import { add, sleep } from "../fixtures/core-tasks.ts";
import { ROOT } from "../server/fixture.ts";

describe("entry points", () => {
  test("fastworker/elysia resolves (here through tsconfig paths to src/; users get dist/ through \"exports\", test/packaging/pack.test.ts)", async () => {
    const mod = await import("fastworker/elysia");
    expect(mod.fastworker).toBe(fastworker);
  });

  test("the root entry does not import elysia", async () => {
    const build = await Bun.build({ entrypoints: [`${ROOT}/src/index.ts`], target: "bun", packages: "external" });
    expect(build.success).toBe(true);
    const code = (await Promise.all(build.outputs.map((o) => o.text()))).join("\n");
    expect(code).not.toMatch(/from\s*["']elysia["']/);
    expect(code).not.toContain("elysia-plugin");
  });
});

test("handlers see fw with types from the task definitions", () => {
  // Only built, never run: the assertions are for the type checker.
  new Elysia().use(fastworker({ address: "tcp://127.0.0.1:1" })).get("/", async ({ fw }) => {
    expectTypeOf(fw.submit(add, [1, 2])).toEqualTypeOf<Promise<number>>();
    expectTypeOf(fw.submit<string>("echo", ["x"])).toEqualTypeOf<Promise<string>>();
    expectTypeOf(fw.delay(sleep, 10)).toEqualTypeOf<Promise<string>>();
    expectTypeOf(fw.result("id")).toEqualTypeOf<Promise<TaskResultRecord>>();
    expectTypeOf(fw.workerCount).toEqualTypeOf<number>();
    // @ts-expect-error: add takes two numbers
    void fw.submit(add, ["1", 2]);
    // @ts-expect-error: sleep takes a number
    void fw.delay(sleep, "10");
    // @ts-expect-error: and exactly two
    void fw.enqueue(add, [1]);
    return "";
  });
});
