/** repeatUntil (the Python original's repeat_until): due times after it never run, on a simulated clock. */
import { describe, expect, test } from "bun:test";
import { FastWorkerError } from "../../src/errors.ts";
import { task } from "../../src/index.ts";
import { harness, MINUTE, SECOND } from "./harness.ts";

const MONDAY_NOON = Date.UTC(2025, 0, 6, 12, 0, 0);

describe("repeatUntil", () => {
  test("an interval runs up to and including repeatUntil (ISO string), then reports done with no timer left", async () => {
    const until = new Date(MONDAY_NOON + 5 * SECOND).toISOString();
    const { clock, host, scheduler } = harness(MONDAY_NOON, { tick: { repeatIntervalMs: SECOND, repeatUntil: until } });
    expect(scheduler.list()[0]!.nextRuns).toEqual([MONDAY_NOON + SECOND, MONDAY_NOON + 2 * SECOND, MONDAY_NOON + 3 * SECOND]);
    await clock.advance(MINUTE);
    expect(host.dueTimes()).toEqual([1, 2, 3, 4, 5].map((n) => MONDAY_NOON + n * SECOND));
    const info = scheduler.list()[0]!;
    expect(info).toMatchObject({ done: true, runs: 5, repeatUntil: MONDAY_NOON + 5 * SECOND, nextRuns: [] });
    expect(clock.pending).toBe(0);
  });

  test("a cron schedule accepts a Date or epoch ms; the upcoming runs stop at repeatUntil", () => {
    const { scheduler } = harness(MONDAY_NOON, {
      a: { cron: "* * * * *", repeatUntil: new Date(MONDAY_NOON + 2 * MINUTE) },
      b: { cron: "* * * * *", repeatUntil: MONDAY_NOON + 90 * SECOND },
    });
    const [a, b] = scheduler.list();
    expect(a!.nextRuns).toEqual([MONDAY_NOON + MINUTE, MONDAY_NOON + 2 * MINUTE]);
    expect(b!.nextRuns).toEqual([MONDAY_NOON + MINUTE]);
  });

  test("bad values fail when the task is defined, naming the option", () => {
    const define = (repeatUntil: unknown) => () => task({ name: "bad", repeatIntervalMs: 1000, repeatUntil: repeatUntil as string }, () => 1);
    expect(define("next tuesday")).toThrow(/"repeatUntil" must be a valid Date, epoch milliseconds or an ISO 8601/);
    expect(define("2025-01-01T00:00:00Z")).not.toThrow();
    expect(() => task({ name: "never", repeatIntervalMs: 1000, startAt: Date.UTC(2025, 1, 1), repeatUntil: "2025-01-01T00:00:00Z" }, () => 1)).toThrow(/before "startAt"/);
    const notPeriodic = () => task({ name: "plain", repeatUntil: "2025-01-01T00:00:00Z" }, () => 1);
    expect(notPeriodic).toThrow(FastWorkerError);
    expect(notPeriodic).toThrow(/"repeatUntil" only applies to periodic tasks/);
  });
});
