import { expect } from "bun:test";
import type { Client } from "../../src/client/index.ts";

/** Milliseconds a normal Client's submit takes to be answered (it fails the test past `limitMs`). */
export async function timedSubmit(client: Client, limitMs: number): Promise<number> {
  const started = performance.now();
  const id = await Promise.race([
    client.delay("add", 1, 2),
    Bun.sleep(limitMs).then(() => { throw new Error(`submit not answered within ${limitMs} ms`); }),
  ]);
  expect(typeof id).toBe("string");
  return performance.now() - started;
}
