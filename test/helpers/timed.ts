import { expect } from "bun:test";
import type { Client } from "../../src/client/index.ts";

/** `work`, or a rejection naming `what` once `limitMs` has passed: a latency bound a test asserts. */
export async function within<T>(work: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined; // the type of the bound below, not a wait
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not answered within ${limitMs} ms`)), limitMs); // the bound under test
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds a normal Client's submit takes to be answered (it fails the test past `limitMs`). */
export async function timedSubmit(client: Client, limitMs: number): Promise<number> {
  const started = performance.now();
  const id = await within(client.delay("add", 1, 2), limitMs, "submit");
  expect(typeof id).toBe("string");
  return performance.now() - started;
}

/** Milliseconds a normal Client's submit-and-wait for its result takes (it fails the test past `limitMs`). */
export async function timedSubmitAndWait(client: Client, limitMs: number): Promise<number> {
  const started = performance.now();
  const sum = await within(client.submit<number>("add", [1, 2]), limitMs, "submit");
  expect(sum).toBe(3);
  return performance.now() - started;
}
