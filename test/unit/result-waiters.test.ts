// Result waiters (src/control-plane/waiters.ts) on the long-poll primitive: "all" and "any", ids named twice.
import { expect, test } from "bun:test";
import { ResultWaiters } from "../../src/control-plane/waiters.ts";
import { settledAfterMacrotask as state } from "../helpers/settled.ts";

test("an id named twice counts once: 'all' ends when each distinct id is done, 'any' still waits for the first", async () => {
  const done = new Set<string>();
  const waiters = new ResultWaiters((id) => done.has(id));
  const all = waiters.wait(["a", "a", "b"], "all", 60_000);
  const any = waiters.wait(["c", "c"], "any", 60_000);
  expect(await state(any)).toBe("pending"); // nothing of it is done yet: it must not return at once
  done.add("a");
  waiters.notify("a");
  expect(await state(all)).toBe("pending");
  done.add("b");
  waiters.notify("b");
  expect(await state(all)).toBe("settled");
  done.add("c");
  waiters.notify("c");
  expect(await state(any)).toBe("settled");
  expect(waiters.size).toBe(0);
});

test("'any' over ids of which one is already done answers at once", async () => {
  const waiters = new ResultWaiters((id) => id === "x");
  expect(await state(waiters.wait(["x", "y"], "any", 60_000))).toBe("settled");
  expect(waiters.size).toBe(0);
});
