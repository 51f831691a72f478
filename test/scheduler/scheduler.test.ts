/** The scheduler on a simulated clock: hours of schedule, no real waiting. */
import { describe, expect, test } from "bun:test";
import { FastWorkerError } from "../../src/errors.ts";
import { DAY, harness, HOUR, MINUTE, SECOND } from "./harness.ts";

// Monday 6 January 2025, 12:00:00 UTC.
const MONDAY_NOON = Date.UTC(2025, 0, 6, 12, 0, 0);

describe("interval schedules", () => {
  test("a 1 s interval fires 3600 times over a simulated hour, once per due time, each id name@dueAt", async () => {
    const { clock, host } = harness(MONDAY_NOON, { tick: { repeatIntervalMs: SECOND } });
    await clock.advance(HOUR);
    const due = host.dueTimes();
    expect(due).toHaveLength(3600);
    expect(new Set(due).size).toBe(3600);
    expect(due[0]).toBe(MONDAY_NOON + SECOND);
    expect(due.at(-1)).toBe(MONDAY_NOON + HOUR);
    expect(due.every((d, i) => d === MONDAY_NOON + (i + 1) * SECOND)).toBe(true);
    expect(host.fires.every((f) => f.taskId === `tick@${f.dueAt}` && !f.catchUp)).toBe(true);
    expect(host.skips).toEqual([]);
  });

  test("only one timer is ever pending, however many schedules there are", async () => {
    const { clock, host } = harness(MONDAY_NOON, {
      a: { repeatIntervalMs: 700 }, b: { repeatIntervalMs: 1300 }, c: { cron: "*/5 * * * * *" },
    });
    await clock.advance(10 * MINUTE);
    expect(host.dueTimes("a")).toHaveLength(Math.floor((10 * MINUTE) / 700));
    expect(host.dueTimes("b")).toHaveLength(Math.floor((10 * MINUTE) / 1300));
    expect(host.dueTimes("c")).toHaveLength(120);
    expect(clock.maxPending).toBe(1);
  });

  test("startAt: the first run is at startAt, nothing before", async () => {
    const startAt = MONDAY_NOON + 5 * MINUTE;
    const { clock, host, scheduler } = harness(MONDAY_NOON, { later: { repeatIntervalMs: MINUTE, startAt: new Date(startAt) } });
    expect(scheduler.list()[0]!.nextRuns).toEqual([startAt, startAt + MINUTE, startAt + 2 * MINUTE]);
    await clock.advance(5 * MINUTE - 1);
    expect(host.fires).toEqual([]);
    await clock.advance(3 * MINUTE);
    expect(host.dueTimes()).toEqual([startAt, startAt + MINUTE, startAt + 2 * MINUTE]);
  });

  test("repeatCount stops after N runs and the schedule reports done", async () => {
    const { clock, host, scheduler } = harness(MONDAY_NOON, { thrice: { repeatIntervalMs: MINUTE, repeatCount: 3 } });
    expect(scheduler.list()[0]!.nextRuns).toHaveLength(3);
    await clock.advance(HOUR);
    expect(host.dueTimes()).toEqual([1, 2, 3].map((k) => MONDAY_NOON + k * MINUTE));
    expect(scheduler.list()[0]).toMatchObject({ runs: 3, done: true, nextRuns: [], repeatCount: 3 });
    expect(clock.pending).toBe(0);
  });

  test("a refused run is recorded as skipped (error) and does not count towards repeatCount", async () => {
    const { clock, host, scheduler } = harness(MONDAY_NOON, { two: { repeatIntervalMs: MINUTE, repeatCount: 2 } });
    host.refuse = "the control plane is not accepting tasks";
    await clock.advance(MINUTE);
    expect(host.skips).toMatchObject([{ name: "two", reason: "error", error: "the control plane is not accepting tasks", count: 1 }]);
    host.refuse = undefined;
    await clock.advance(10 * MINUTE);
    expect(host.dueTimes()).toEqual([MONDAY_NOON + 2 * MINUTE, MONDAY_NOON + 3 * MINUTE]);
    expect(scheduler.list()[0]).toMatchObject({ runs: 2, skipped: 1, done: true });
  });
});

describe("cron schedules", () => {
  test("6 fields: seconds first", async () => {
    const { clock, host } = harness(MONDAY_NOON, { quarter: { cron: "*/15 * * * * *" } });
    await clock.advance(MINUTE);
    expect(host.dueTimes()).toEqual([15, 30, 45, 60].map((s) => MONDAY_NOON + s * SECOND));
  });

  test("@hourly runs at minute 0 of every hour", async () => {
    const { clock, host } = harness(MONDAY_NOON + 10 * MINUTE, { hourly: { cron: "@hourly", timezone: "UTC" } });
    await clock.advance(3 * HOUR);
    expect(host.dueTimes()).toEqual([1, 2, 3].map((h) => MONDAY_NOON + h * HOUR));
  });

  test("timezone: 09:00 in New York is 14:00 UTC in January and 13:00 UTC in July; @hourly in Kolkata is :30 UTC", async () => {
    const winter = harness(MONDAY_NOON, { standup: { cron: "0 9 * * *", timezone: "America/New_York" } });
    await winter.clock.advance(DAY);
    expect(winter.host.dueTimes()).toEqual([Date.UTC(2025, 0, 6, 14, 0, 0)]);
    const summer = harness(Date.UTC(2025, 6, 7, 0, 0, 0), { standup: { cron: "0 9 * * *", timezone: "America/New_York" } });
    await summer.clock.advance(DAY);
    expect(summer.host.dueTimes()).toEqual([Date.UTC(2025, 6, 7, 13, 0, 0)]);
    const india = harness(MONDAY_NOON, { hourly: { cron: "@hourly", timezone: "Asia/Kolkata" } });
    await india.clock.advance(2 * HOUR);
    expect(india.host.dueTimes()).toEqual([Date.UTC(2025, 0, 6, 12, 30, 0), Date.UTC(2025, 0, 6, 13, 30, 0)]);
  });

  test('standard day-of-week: "1-5" never fires on Saturday or Sunday; 0 and 7 are both Sunday', async () => {
    const { clock, host } = harness(MONDAY_NOON, {
      weekdays: { cron: "0 9 * * 1-5", timezone: "UTC" },
      sunday0: { cron: "0 9 * * 0", timezone: "UTC" },
      sunday7: { cron: "0 9 * * 7", timezone: "UTC" },
    });
    await clock.advance(28 * DAY);
    const days = (name: string) => host.dueTimes(name).map((d) => new Date(d).getUTCDay());
    expect(days("weekdays")).toHaveLength(20);
    expect(days("weekdays").every((d) => d >= 1 && d <= 5)).toBe(true);
    expect(days("sunday0")).toEqual([0, 0, 0, 0]);
    expect(host.dueTimes("sunday7")).toEqual(host.dueTimes("sunday0"));
  });

  test("day-of-month and day-of-week are ORed as in Vixie cron", async () => {
    const { clock, host } = harness(Date.UTC(2025, 0, 1), { odd: { cron: "0 0 13 * 5", timezone: "UTC" } });
    await clock.advance(31 * DAY);
    // Every Friday of January 2025 (3, 10, 17, 24, 31) plus Monday the 13th.
    expect(host.dueTimes().map((d) => new Date(d).getUTCDate())).toEqual([3, 10, 13, 17, 24, 31]);
  });

  test("startAt bounds a cron schedule too", async () => {
    const { clock, host } = harness(MONDAY_NOON, { everySecond: { cron: "* * * * * *", startAt: MONDAY_NOON + 10_500 } });
    await clock.advance(13 * SECOND);
    expect(host.dueTimes()).toEqual([11, 12, 13].map((s) => MONDAY_NOON + s * SECOND));
  });
});

describe("pause and resume", () => {
  test("nothing fires while paused; resuming with catchUp skip continues on schedule without a burst", async () => {
    const { clock, host, scheduler } = harness(MONDAY_NOON, { m: { repeatIntervalMs: MINUTE } });
    await clock.advance(2 * MINUTE);
    expect(scheduler.pause("m")).toMatchObject({ paused: true });
    await clock.advance(10 * MINUTE + 30 * SECOND);
    expect(host.fires).toHaveLength(2);
    scheduler.resume("m");
    await clock.advance(0);
    expect(host.fires).toHaveLength(2);
    expect(host.skips).toMatchObject([{ name: "m", reason: "missed", count: 10, dueAt: MONDAY_NOON + 12 * MINUTE }]);
    await clock.advance(30 * SECOND);
    expect(host.dueTimes().at(-1)).toBe(MONDAY_NOON + 13 * MINUTE);
    expect(host.fires).toHaveLength(3);
    expect(scheduler.list()[0]).toMatchObject({ paused: false, runs: 3, skipped: 10 });
  });

  test("resuming with catchUp once runs exactly one catch-up run at once", async () => {
    const { clock, host, scheduler } = harness(MONDAY_NOON, { m: { repeatIntervalMs: MINUTE, catchUp: "once" } });
    scheduler.pause("m");
    await clock.advance(10 * MINUTE + 30 * SECOND);
    scheduler.resume("m");
    await clock.advance(0);
    expect(host.fires).toMatchObject([{ dueAt: MONDAY_NOON + 10 * MINUTE, catchUp: true }]);
    expect(host.skips).toMatchObject([{ reason: "missed", count: 9 }]);
    await clock.advance(MINUTE);
    expect(host.fires.map((f) => f.catchUp)).toEqual([true, false]);
  });

  test("pausing or resuming an unknown name is a typed error", () => {
    const { scheduler } = harness(MONDAY_NOON, { m: { repeatIntervalMs: MINUTE } });
    const error = (() => {
      try {
        scheduler.pause("nope");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FastWorkerError);
    expect((error as FastWorkerError).code).toBe("E_UNKNOWN_SCHEDULE");
  });
});

describe("overlap", () => {
  test("a run still going makes the next due time skip (recorded), never two at once", async () => {
    const { clock, host, scheduler } = harness(MONDAY_NOON, { slow: { repeatIntervalMs: SECOND } });
    host.keepActive = true;
    await clock.advance(SECOND);
    const first = host.fires[0]!.taskId;
    await clock.advance(2 * SECOND);
    expect(host.fires).toHaveLength(1);
    expect(host.skips).toMatchObject([
      { reason: "overlap", taskId: first, dueAt: MONDAY_NOON + 2 * SECOND },
      { reason: "overlap", taskId: first, dueAt: MONDAY_NOON + 3 * SECOND },
    ]);
    host.active.delete(first);
    await clock.advance(SECOND);
    expect(host.dueTimes()).toEqual([MONDAY_NOON + SECOND, MONDAY_NOON + 4 * SECOND]);
    expect(scheduler.list()[0]).toMatchObject({ runs: 2, skipped: 2, lastTaskId: `slow@${MONDAY_NOON + 4 * SECOND}` });
  });

  test("overlap: true lets runs pile up", async () => {
    const { clock, host } = harness(MONDAY_NOON, { fast: { repeatIntervalMs: SECOND, overlap: true } });
    host.keepActive = true;
    await clock.advance(5 * SECOND);
    expect(host.fires).toHaveLength(5);
    expect(host.skips).toEqual([]);
  });

  test("a due time whose task id already exists is skipped as a duplicate", async () => {
    const { clock, host } = harness(MONDAY_NOON, { d: { repeatIntervalMs: MINUTE, overlap: true } });
    host.submitted.add(`d@${MONDAY_NOON + MINUTE}`);
    await clock.advance(2 * MINUTE);
    expect(host.skips).toMatchObject([{ reason: "duplicate", taskId: `d@${MONDAY_NOON + MINUTE}` }]);
    expect(host.dueTimes()).toEqual([MONDAY_NOON + 2 * MINUTE]);
  });
});

describe("clock jumps", () => {
  // Each test: a run at 12:01, then at 12:01:01 the wall clock steps forward by 1 h 29 s. The
  // timer armed for 12:02 keeps its monotonic delay, so it wakes at 13:02:29 wall time, 29 s
  // after the due time 13:02 and with 61 due times (12:02 ... 13:02) passed.
  test("forward jump with catchUp skip: the missed runs never run, no burst, then back on schedule", async () => {
    const { clock, host } = harness(MONDAY_NOON, { m: { repeatIntervalMs: MINUTE } });
    await clock.advance(MINUTE + SECOND);
    clock.jump(HOUR + 29 * SECOND);
    await clock.advance(3 * MINUTE);
    expect(host.dueTimes().map((d) => (d - MONDAY_NOON) / MINUTE)).toEqual([1, 63, 64]);
    expect(host.skips).toMatchObject([{ reason: "missed", count: 61, dueAt: MONDAY_NOON + 62 * MINUTE }]);
  });

  test("forward jump with catchUp once: exactly one catch-up run", async () => {
    const { clock, host } = harness(MONDAY_NOON, { m: { repeatIntervalMs: MINUTE, catchUp: "once" } });
    await clock.advance(MINUTE + SECOND);
    clock.jump(HOUR + 29 * SECOND);
    await clock.advance(3 * MINUTE);
    expect(host.fires.map((f) => [(f.dueAt - MONDAY_NOON) / MINUTE, f.catchUp])).toEqual([
      [1, false], [62, true], [63, false], [64, false],
    ]);
    expect(host.skips).toMatchObject([{ reason: "missed", count: 60, dueAt: MONDAY_NOON + 61 * MINUTE }]);
  });

  test("a due time handled within the late tolerance still runs on time (a stalled event loop is not a miss)", async () => {
    const { clock, host } = harness(MONDAY_NOON, { m: { repeatIntervalMs: MINUTE } }, 5 * SECOND);
    // The timer armed for 12:01 fires at 12:02:04: 12:02 is 4 s late (on time), 12:01 is missed.
    await clock.stall(2 * MINUTE + 4 * SECOND);
    expect(host.fires).toMatchObject([{ dueAt: MONDAY_NOON + 2 * MINUTE, catchUp: false }]);
    expect(host.skips).toMatchObject([{ reason: "missed", count: 1, dueAt: MONDAY_NOON + MINUTE }]);
  });

  test("cron over a jump of a year: one catch-up run, misses counted up to a cap, not walked one by one", async () => {
    const { clock, host } = harness(MONDAY_NOON, { s: { cron: "* * * * * *", catchUp: "once" } }, 100);
    await clock.advance(SECOND);
    clock.jump(365 * DAY + 10_500);
    await clock.advance(SECOND);
    // The timer wakes 500 ms after a due second: late beyond the 100 ms tolerance, so a catch-up.
    expect(host.fires.filter((f) => f.catchUp)).toHaveLength(1);
    expect(host.skips).toHaveLength(1);
    expect(host.skips[0]).toMatchObject({ reason: "missed", count: 9_999 });
  });

  test("a backward jump does not stall the schedule until the old next due time", async () => {
    const { clock, host } = harness(MONDAY_NOON, { m: { repeatIntervalMs: MINUTE } });
    await clock.advance(10 * MINUTE);
    clock.jump(-HOUR);
    await clock.advance(2 * MINUTE);
    // Back on the same one-minute grid, an hour earlier, instead of silent until 12:11.
    expect(host.dueTimes().at(-1)).toBe(MONDAY_NOON - 48 * MINUTE);
  });
});
