// The one long-poll primitive (src/queue/long-poll.ts): bounded buffer, one held request, deadline, cap, sweep.
import { describe, expect, test } from "bun:test";
import { LongPoll } from "../../src/queue/index.ts";
import { settledAfterMacrotask as settledYet } from "../helpers/settled.ts";

function poll<T>(options: Partial<ConstructorParameters<typeof LongPoll<T>>[0]> = {}, now?: () => number): LongPoll<T> {
  return new LongPoll<T>({ maxItems: 100, maxWaitMs: 60_000, ...options }, now);
}

describe("LongPoll", () => {
  test("a request with items waiting is answered at once, and takes them all in arrival order", async () => {
    const lp = poll<string>();
    lp.push("a", "x");
    lp.push("a", "y");
    expect(await lp.poll("a", { waitMs: 60_000 })).toEqual({ items: ["x", "y"], missed: 0 });
    expect(lp.pending("a")).toBe(0);
  });

  test("a held request is woken by the first item, after one macrotask so a burst travels together", async () => {
    const lp = poll<number>();
    const answer = lp.poll("a", { waitMs: 60_000 });
    expect(await settledYet(answer.then(() => undefined))).toBe("pending");
    lp.push("a", 1);
    lp.push("a", 2); // same macrotask: the same reply
    expect(await answer).toEqual({ items: [1, 2], missed: 0 });
  });

  test("minItems holds the request until enough items arrived; linger false answers in the same turn", async () => {
    const lp = poll<string>({ keyOf: (id) => id });
    const done = lp.wait("w", { waitMs: 60_000, minItems: 2, linger: false });
    lp.push("w", "t1");
    expect(await settledYet(done)).toBe("pending");
    lp.push("w", "t1"); // the same key again does not count twice
    expect(await settledYet(done)).toBe("pending");
    lp.push("w", "t2");
    await done;
    expect(lp.take("w").items).toEqual(["t1", "t2"]);
  });

  test("the buffer is bounded: the oldest items are dropped and counted as missed", () => {
    const lp = poll<number>({ maxItems: 3 });
    for (let i = 1; i <= 5; i++) lp.push("a", i);
    expect(lp.take("a")).toEqual({ items: [3, 4, 5], missed: 2 });
    expect(lp.take("a")).toEqual({ items: [], missed: 0 });
  });

  test("take by keys costs only the chosen ones and leaves the rest", () => {
    const lp = poll<{ id: string }>({ keyOf: (item) => item.id });
    for (const id of ["a", "b", "c"]) lp.push("box", { id });
    expect(lp.take("box", ["c", "zz", "a"]).items.map((i) => i.id)).toEqual(["c", "a"]);
    expect(lp.take("box").items.map((i) => i.id)).toEqual(["b"]);
  });

  test("putBack returns items to the front, still within the bound", () => {
    const lp = poll<number>({ maxItems: 3 });
    lp.push("a", 3);
    lp.push("a", 4);
    lp.putBack("a", [1, 2]);
    expect(lp.take("a")).toEqual({ items: [2, 3, 4], missed: 1 });
  });

  test("a request ends at its deadline, and no request is held longer than maxWaitMs", async () => {
    const lp = poll<number>({ maxWaitMs: 30 });
    const started = performance.now();
    // The deadline is the behaviour under test: asked for a minute, capped at 30 ms.
    expect(await lp.poll("a", { waitMs: 60_000 })).toEqual({ items: [], missed: 0 });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(25);
    expect(took).toBeLessThan(5_000);
  });

  test("one request per mailbox: a newer one answers the older at once", async () => {
    const lp = poll<number>();
    const older = lp.wait("a", { waitMs: 60_000 });
    const newer = lp.wait("a", { waitMs: 60_000 });
    expect(await settledYet(older)).toBe("settled");
    expect(await settledYet(newer)).toBe("pending");
    lp.push("a", 1);
    await newer;
  });

  test("an aborted signal ends the wait, and an already aborted one never waits", async () => {
    const lp = poll<number>();
    const controller = new AbortController();
    const held = lp.wait("a", { waitMs: 60_000, signal: controller.signal });
    controller.abort();
    await held;
    await lp.wait("b", { waitMs: 60_000, signal: controller.signal });
  });

  test("releaseAll answers every held request; delete answers and drops one mailbox", async () => {
    const lp = poll<number>();
    const a = lp.wait("a", { waitMs: 60_000 });
    const b = lp.wait("b", { waitMs: 60_000 });
    lp.push("b", 7);
    lp.releaseAll();
    await Promise.all([a, b]);
    expect(lp.pending("b")).toBe(1);
    const c = lp.wait("c", { waitMs: 60_000 });
    lp.delete("c");
    await c;
    expect(lp.size).toBe(2);
  });

  test("sweep drops mailboxes idle past the TTL, never one with a request held", async () => {
    let now = 1_000;
    const lp = poll<number>({ idleTtlMs: 100 }, () => now);
    lp.push("idle", 1);
    const held = lp.wait("busy", { waitMs: 60_000 });
    now += 150;
    expect(lp.sweep()).toEqual(["idle"]);
    expect(lp.size).toBe(1);
    lp.delete("busy");
    await held;
  });
});
