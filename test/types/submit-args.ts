// Argument types of submit/enqueue/delay come from the task definition alone: a wrong argument is a
// compile error (checked by `bun run typecheck`, which fails if an @ts-expect-error is not needed),
// and the result type is still inferred. test/packaging/pack.test.ts checks the same from the
// published declarations in a fresh `bun init` project.
import { expectTypeOf } from "bun:test";
import type { Client, EmbeddedClient } from "../../src/index.ts";
import { add, sleep } from "../fixtures/core-tasks.ts";

// Never called: a file for the type checker only (no runtime test can see a compile error).
export function typedCalls(client: Client | EmbeddedClient): void {
  expectTypeOf(client.submit(add, [2, 3])).toEqualTypeOf<Promise<number>>();
  expectTypeOf(client.submit<string>("echo", ["x"])).toEqualTypeOf<Promise<string>>();
  expectTypeOf(client.enqueue(add, [2, 3])).toEqualTypeOf<Promise<string>>();
  expectTypeOf(client.delay(sleep, 10)).toEqualTypeOf<Promise<string>>();
  // @ts-expect-error: add takes two numbers
  void client.submit(add, ["2", 3]);
  // @ts-expect-error: and exactly two
  void client.submit(add, [2]);
  // @ts-expect-error: enqueue checks the same
  void client.enqueue(add, ["2", 3]);
  // @ts-expect-error: delay too, argument by argument
  void client.delay(add, "2", 3);
}

