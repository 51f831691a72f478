import { describe, expect, test } from "bun:test";
import { checkWaitLimits, HeldWaits } from "../../src/control-plane/held-waits.ts";
import { createOutboxes } from "../../src/control-plane/outboxes.ts";
import { ResultWaiters } from "../../src/control-plane/waiters.ts";
import { FastWorkerError } from "../../src/errors.ts";
import { waitFor } from "../helpers/wait-for.ts";

const never = (signal: AbortSignal) => new Promise<string>((resolve) => signal.addEventListener("abort", () => resolve("released")));

describe("HeldWaits", () => {
  test("clamps waits into 0..maxWaitMs", () => {
    const held = new HeldWaits(500, 2);
    expect([held.clamp(-5), held.clamp(0), held.clamp(200), held.clamp(10_000_000)]).toEqual([0, 0, 200, 500]);
  });

  test("refuses the wait beyond the per-pipe cap with E_TOO_MANY_WAITS, counting each pipe apart", async () => {
    const held = new HeldWaits(1000, 2);
    const a = [held.hold(1, never), held.hold(1, never)];
    const third = await held.hold(1, never).catch((e: unknown) => e);
    expect(third).toBeInstanceOf(FastWorkerError);
    expect((third as FastWorkerError).code).toBe("E_TOO_MANY_WAITS");
    const other = held.hold(2, never); // another pipe has its own allowance
    expect([held.heldOn(1), held.heldOn(2)]).toEqual([2, 1]);
    held.release(1);
    expect(await Promise.all(a)).toEqual(["released", "released"]);
    expect([held.heldOn(1), held.heldOn(2)]).toEqual([0, 1]);
    held.release(2);
    expect(await other).toBe("released");
  });

  test("a released pipe's result waiter and collect end at once", async () => {
    const held = new HeldWaits(60_000, 10);
    const waiters = new ResultWaiters(() => false);
    const outboxes = createOutboxes({ resultTtlMs: 60_000, maxItems: 100, maxWaitMs: 60_000 });
    const started = performance.now();
    const waits = Promise.all([
      held.hold(7, (signal) => waiters.wait(["t1"], "all", 60_000, signal)),
      held.hold(7, (signal) => outboxes.wait("c1", { waitMs: 60_000, signal })),
    ]);
    // Both are really held (the result waiter registered) before the pipe goes.
    await waitFor(() => held.heldOn(7) === 2 && waiters.size === 1, { timeoutMs: 1_000, message: () => `both waits held on pipe 7 (held ${held.heldOn(7)}, waiters ${waiters.size})` });
    held.release(7);
    await waits;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(waiters.size).toBe(0);
  });

  test("limits out of range are E_CONFIG", () => {
    for (const [wait, cap] of [[0, 1], [2 ** 31, 1], [1, 0], [1, 4097], [1.5, 1]] as const) {
      expect(() => checkWaitLimits(wait, cap)).toThrow(expect.objectContaining({ code: "E_CONFIG" }));
    }
    expect(checkWaitLimits(30_000, 4096)).toEqual({ maxWaitMs: 30_000, maxHeldPerConnection: 4096 });
  });
});
