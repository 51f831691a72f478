/** Watches in-process: bounded queues, expiry, and listening only while someone watches. */
import { expect, test } from "bun:test";
import { EventBus } from "../../src/control-plane/events.ts";
import { Watches } from "../../src/control-plane/watches.ts";
import { silentLogger } from "../../src/log.ts";

const started = (taskId: string, attempt: number) => ({ taskId, name: "t", workerId: "w", attempt, at: attempt });

test("a watcher that falls behind keeps the newest events and is told how many it missed", async () => {
  const bus = new EventBus(silentLogger);
  const watches = new Watches(bus, () => undefined, { maxQueue: 3 });
  await watches.watch("w", ["a"], 0);
  for (let i = 1; i <= 10; i++) bus.emit("task.started", started("a", i));
  bus.emit("task.started", started("other", 1));
  const batch = await watches.watch("w", [], 0);
  expect(batch.missed).toBe(7);
  expect(batch.events.map((e) => (e.payload as { attempt: number }).attempt)).toEqual([8, 9, 10]);
  expect((await watches.watch("w", [], 0))).toEqual({ events: [], missed: 0 });
  watches.close();
});

test("the bus is listened to only while a watch exists; idle watches expire", async () => {
  const bus = new EventBus(silentLogger);
  const watches = new Watches(bus, () => undefined, { idleTtlMs: 1000 });
  expect(bus.idle).toBe(true);
  await watches.watch("w", ["a"], 0);
  expect(bus.idle).toBe(false);
  watches.sweep(Date.now() + 500);
  expect(watches.size).toBe(1);
  watches.sweep(Date.now() + 1500);
  expect(watches.size).toBe(0);
  expect(bus.idle).toBe(true);
});

test("a newer request for the same watch answers the held one at once", async () => {
  const bus = new EventBus(silentLogger);
  const watches = new Watches(bus, () => undefined);
  const held = watches.watch("w", ["a"], 60_000);
  const newer = watches.watch("w", [], 60_000);
  expect(await held).toEqual({ events: [], missed: 0, unknown: ["a"] });
  bus.emit("task.started", started("a", 1));
  expect((await newer).events).toMatchObject([{ name: "task.started", taskId: "a" }]);
  watches.close();
});
