import { describe, expect, test } from "bun:test";
import { waitFor, WaitTimeoutError } from "./wait-for.ts";

describe("waitFor", () => {
  test("resolves as soon as the condition becomes true, checking every intervalMs", async () => {
    let checks = 0;
    const started = performance.now();
    await expect(waitFor(() => ++checks >= 3, { intervalMs: 5 })).resolves.toBe(true);
    expect(checks).toBe(3);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  test("returns the condition's value, treating only undefined, null and false as not yet", async () => {
    const values: unknown[] = [undefined, null, false, 0];
    expect(await waitFor(() => values.shift(), { intervalMs: 1 })).toBe(0);
    expect(await waitFor(() => ({ workers: 2 }))).toEqual({ workers: 2 });
    expect(await waitFor(() => "")).toBe("");
  });

  test("supports async conditions", async () => {
    let ready = false;
    setTimeout(() => (ready = true), 30); // the state change the wait is for
    const value = await waitFor(async () => {
      await Promise.resolve();
      return ready ? "ready" : undefined;
    }, { intervalMs: 5 });
    expect(value).toBe("ready");
  });

  test("on timeout rejects with a WaitTimeoutError naming what was awaited", async () => {
    const started = performance.now();
    const error = await waitFor(() => false, { timeoutMs: 60, intervalMs: 10, message: "the subworker to register" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).code).toBe("E_WAIT_TIMEOUT");
    expect((error as Error).message).toBe("timed out after 60 ms waiting for the subworker to register");
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(elapsed).toBeLessThan(1_000);
  });

  test("a message function is called on timeout, so it can show the last state seen", async () => {
    let last = 0;
    const error = await waitFor(() => (++last, false), { timeoutMs: 30, intervalMs: 5, message: () => `count to reach 100 (last: ${last})` }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^timed out after 30 ms waiting for count to reach 100 \(last: \d+\)$/);
  });

  test("a condition that never settles is cut off at the deadline", async () => {
    const error = await waitFor(() => new Promise<boolean>(() => {}), { timeoutMs: 40, message: "a hung check" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toBe("timed out after 40 ms waiting for a hung check (the last check was still running)");
  });

  test("a condition that throws fails the wait at once with its own error", async () => {
    let checks = 0;
    const boom = new Error("boom");
    const rejection = waitFor(() => {
      if (++checks === 2) throw boom;
      return false;
    }, { timeoutMs: 5_000, intervalMs: 1 });
    await expect(rejection).rejects.toBe(boom);
    expect(checks).toBe(2);
    await expect(waitFor(() => Promise.reject(boom))).rejects.toBe(boom);
  });

  test("checks at least once, even with no time to wait", async () => {
    expect(await waitFor(() => "now", { timeoutMs: 0 })).toBe("now");
  });
});
