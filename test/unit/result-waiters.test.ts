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

test("endless in-process waits for one id: each ends when that task does, and a held request on the same id too", async () => {
  const done = new Set<string>();
  const waiters = new ResultWaiters((id) => done.has(id));
  const first = waiters.wait(["t"], "all", Infinity);
  const second = waiters.wait(["t"], "all", Infinity);
  const third = waiters.wait(["t"], "any", Infinity);
  const held = waiters.wait(["t"], "all", 60_000); // a remote request's: a mailbox with a deadline
  const other = waiters.wait(["u"], "all", Infinity);
  expect(await state(first)).toBe("pending");
  expect(waiters.size).toBe(3); // t as an endless wait and as a held one, and u
  done.add("t");
  waiters.notify("t");
  expect([await state(first), await state(second), await state(third), await state(held)]).toEqual(["settled", "settled", "settled", "settled"]);
  expect(await state(other)).toBe("pending");
  expect(waiters.size).toBe(1);
  waiters.releaseAll(); // shutdown answers it with the state it has now
  expect(await state(other)).toBe("settled");
  expect(waiters.size).toBe(0);
});

test("an endless wait for a task already done, or unknown, answers at once", async () => {
  const waiters = new ResultWaiters((id) => id === "finished");
  expect(await state(waiters.wait(["finished"], "all", Infinity))).toBe("settled");
  expect(waiters.size).toBe(0);
});

test("an endless wait with a signal still goes through a mailbox: aborting it ends it", async () => {
  const waiters = new ResultWaiters(() => false);
  const controller = new AbortController();
  const waiting = waiters.wait(["s"], "all", Infinity, controller.signal);
  expect(await state(waiting)).toBe("pending");
  controller.abort();
  expect(await state(waiting)).toBe("settled");
  expect(waiters.size).toBe(0);
});
