import { expect, test } from "bun:test";
import { drainWithin, releaseInOrder, withDeadline } from "../../src/control-plane/shutdown.ts";
import type { Logger } from "../../src/log.ts";

test("releaseInOrder runs every step after one that throws, logs it, and rethrows the first failure", async () => {
  const ran: string[] = [];
  const logged: unknown[] = [];
  const log: Logger = (_level, _msg, fields) => void logged.push(fields);
  const progress = { step: "" };
  const steps = [
    { name: "a", run: () => void ran.push("a") },
    { name: "b", run: () => { ran.push("b"); throw new Error("b broke"); } },
    { name: "c", run: async () => void ran.push("c") },
  ];
  await expect(releaseInOrder(steps, log, progress)).rejects.toThrow("b broke");
  expect(ran).toEqual(["a", "b", "c"]);
  expect(logged).toEqual([{ step: "b", error: "Error: b broke" }]);
  expect(progress.step).toBe("done");
});

test("withDeadline rejects with E_TIMEOUT naming the pending step, and passes the work through in time", async () => {
  const never = new Promise<void>(() => undefined);
  const error = await withDeadline(never, 20, () => "task store").catch((e: unknown) => e as { code: string; message: string });
  expect(error?.code).toBe("E_TIMEOUT");
  expect(error?.message).toContain("task store");
  await withDeadline(Promise.resolve(), 1000, () => "x");
  const work = Promise.resolve();
  expect(withDeadline(work, undefined, () => "x")).toBe(work); // no deadline: the caller awaits the same promise
});

test("drainWithin: the drain gets at most half the deadline, never below 0", () => {
  expect(drainWithin({})).toBe(0);
  expect(drainWithin({ drainMs: 10_000 })).toBe(10_000);
  expect(drainWithin({ drainMs: 10_000, deadlineMs: 4000 })).toBe(2000);
  expect(drainWithin({ drainMs: 500, deadlineMs: 4000 })).toBe(500);
  expect(drainWithin({ drainMs: 500, deadlineMs: -1 })).toBe(0);
});
