/** The event bus: isolated subscribers and bounded async streams. */
import { describe, expect, test } from "bun:test";
import { EVENT_NAMES, EventBus } from "../../src/control-plane/events.ts";
import type { Logger } from "../../src/log.ts";
import { silentLogger } from "../../src/log.ts";

const queued = (i: number) => ({ taskId: `t${i}`, name: "add", priority: "normal", at: i });

describe("subscribers", () => {
  test("a throwing subscriber is logged and skipped; the others still get every event", () => {
    const logged: string[] = [];
    const log: Logger = (level, msg) => void logged.push(`${level} ${msg}`);
    const bus = new EventBus(log);
    const seen: string[] = [];
    bus.on("task.queued", () => {
      throw new Error("subscriber bug");
    });
    bus.on("task.queued", (e) => void seen.push(e.taskId));
    for (let i = 0; i < 3; i++) bus.emit("task.queued", queued(i));
    expect(seen).toEqual(["t0", "t1", "t2"]);
    expect(logged).toEqual(Array(3).fill("error a subscriber of task.queued threw; it was skipped"));
  });

  test("a stream nobody reads never blocks emit and never holds more than its buffer", () => {
    const bus = new EventBus(silentLogger);
    const stream = bus.stream(["task.queued"], { bufferSize: 5 });
    for (let i = 0; i < 100_000; i++) bus.emit("task.queued", queued(i));
    expect(stream.buffered).toBe(5);
  });
});

describe("streams", () => {
  test("deliver { name, payload, at, missed } in order, only for the names asked", async () => {
    const bus = new EventBus(silentLogger);
    const stream = bus.stream(["task.queued", "schedule.fired"]);
    bus.emit("task.queued", queued(1));
    bus.emit("worker.left", { workerId: "w", reason: "gone" });
    bus.emit("schedule.fired", { name: "tick", taskId: "tick@5", dueAt: 5, catchUp: false, at: 5 });
    const first = await stream.next();
    const second = await stream.next();
    expect(first.value).toMatchObject({ name: "task.queued", payload: { taskId: "t1" }, missed: 0 });
    expect(typeof first.value?.at).toBe("number");
    expect(second.value).toMatchObject({ name: "schedule.fired", payload: { taskId: "tick@5" }, missed: 0 });
    await stream.return();
  });

  test("a waiting reader gets an event as soon as it is emitted", async () => {
    const bus = new EventBus(silentLogger);
    const stream = bus.stream(["worker.inactive"]);
    const next = stream.next();
    bus.emit("worker.inactive", { workerId: "w1" });
    expect((await next).value).toMatchObject({ name: "worker.inactive", payload: { workerId: "w1" } });
    await stream.return();
  });

  test("a slow consumer loses the oldest events and is told how many it missed", async () => {
    const bus = new EventBus(silentLogger);
    const stream = bus.stream(["task.queued"], { bufferSize: 3 });
    for (let i = 0; i < 10; i++) bus.emit("task.queued", queued(i));
    const got: Array<[string, number]> = [];
    for (let i = 0; i < 3; i++) {
      const { value } = await stream.next();
      got.push([value!.payload.taskId, value!.missed]);
    }
    expect(got).toEqual([["t7", 7], ["t8", 0], ["t9", 0]]);
    bus.emit("task.queued", queued(10));
    expect((await stream.next()).value).toMatchObject({ payload: { taskId: "t10" }, missed: 0 });
    await stream.return();
  });

  test("breaking out of for-await unsubscribes; with no names the stream takes every event", async () => {
    const bus = new EventBus(silentLogger);
    const stream = bus.stream();
    expect(bus.idle).toBe(false);
    bus.emit("worker.left", { workerId: "w", reason: "bye" });
    bus.emit("task.queued", queued(1));
    const names: string[] = [];
    for await (const event of stream) {
      names.push(event.name);
      if (names.length === 2) break;
    }
    expect(names).toEqual(["worker.left", "task.queued"]);
    expect(bus.idle).toBe(true);
    expect(EVENT_NAMES).toContain("schedule.skipped");
  });

  test("aborting the signal ends a pending read", async () => {
    const bus = new EventBus(silentLogger);
    const abort = new AbortController();
    const stream = bus.stream(["task.failed"], { signal: abort.signal });
    const pending = stream.next();
    abort.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(bus.idle).toBe(true);
  });
});
