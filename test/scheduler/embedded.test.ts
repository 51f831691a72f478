/** cp.schedules(), pause/resume and the event stream on an in-process control plane. */
import { afterAll, describe, expect, test } from "bun:test";
import { createControlPlane } from "../../src/control-plane/index.ts";
import type { EventStream, StreamedEvent } from "../../src/control-plane/event-stream.ts";
import { FastWorkerError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { freeAddress } from "../helpers/ports.ts";

const cp = await createControlPlane({
  taskModules: ["test/fixtures/periodic-tasks.ts"], address: await freeAddress(), discoveryAddress: null, concurrency: 3, log: silentLogger,
});
afterAll(() => cp.stop());

/** The next streamed event matching `match`, or a clear failure after `timeoutMs`. */
async function nextMatching<K extends "schedule.fired">(
  stream: EventStream<K>, match: (event: StreamedEvent<K>) => boolean, timeoutMs = 5000,
): Promise<StreamedEvent<K>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error("no matching event in time");
    const result = await Promise.race([stream.next(), Bun.sleep(left).then(() => undefined)]); // the bound on this read
    if (result === undefined || result.done) throw new Error("no matching event in time");
    if (match(result.value)) return result.value;
  }
}

describe("schedules()", () => {
  test("lists every periodic task with its kind and its next three due times", () => {
    const byName = new Map(cp.schedules().map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(["cronTick", "everySecond", "greet", "slowTick", "twice"]);
    const cron = byName.get("cronTick")!;
    expect(cron).toMatchObject({ kind: "cron", expression: "*/1 * * * * *", paused: false, done: false });
    expect(cron.nextRuns).toHaveLength(3);
    expect(cron.nextRuns[1]! - cron.nextRuns[0]!).toBe(1000);
    expect(byName.get("greet")).toMatchObject({ kind: "cron", expression: "0 9 * * 1-5", timezone: "UTC" });
    expect(byName.get("everySecond")).toMatchObject({ kind: "interval", intervalMs: 1000 });
    expect(byName.get("twice")).toMatchObject({ repeatCount: 2 });
    expect(byName.get("greet")!.nextRuns.every((at) => ![0, 6].includes(new Date(at).getUTCDay()))).toBe(true);
  });

  test("pausing an unknown name is E_UNKNOWN_SCHEDULE", () => {
    let error: unknown;
    try {
      cp.pauseSchedule("nope");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FastWorkerError);
    expect((error as FastWorkerError).code).toBe("E_UNKNOWN_SCHEDULE");
  });
});

describe("the event stream", () => {
  test("sees schedule.fired; a paused schedule fires nothing until resumed", async () => {
    const stream = cp.events.stream(["schedule.fired"]);
    const isCron = (e: StreamedEvent<"schedule.fired">) => e.payload.name === "cronTick";
    const first = await nextMatching(stream, isCron);
    expect(first.payload.taskId).toBe(`cronTick@${first.payload.dueAt}`);
    expect(cp.pauseSchedule("cronTick").paused).toBe(true);
    const pausedAt = Date.now();
    await Bun.sleep(1500); // deliberate: the paused window in which nothing may fire
    const resumed = cp.resumeSchedule("cronTick");
    expect(resumed.paused).toBe(false);
    const after = await nextMatching(stream, isCron);
    // Anything fired between pause and resume would show up first: the next cron event is the resume's.
    expect(after.at).toBeGreaterThanOrEqual(pausedAt + 1500);
    await stream.return();
    const info = cp.schedules().find((s) => s.name === "cronTick")!;
    expect(info.runs).toBeGreaterThanOrEqual(2);
  });

  test("a throwing listener and a stream nobody reads do not hold up tasks", async () => {
    const off = cp.on("task.succeeded", () => {
      throw new Error("listener bug");
    });
    const unread = cp.events.stream(undefined, { bufferSize: 2 });
    const client = cp.client();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => client.submit<string>("greet", [`n${i}`])));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => `hello n${i}`));
    expect(unread.buffered).toBe(2);
    off();
    await unread.return();
  });
});
