/** The `watch` long-poll: a remote client follows the tasks it submitted without polling results. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReqSocket } from "../../src/nng/index.ts";
import { decodeReply, encodeFrame, type ReplyOf, type TaskSpec, type WatchEvent } from "../../src/protocol/index.ts";
import { killAll } from "../helpers/processes.ts";
import { startCp } from "./cp-helpers.ts";

const scratch = mkdtempSync(join(tmpdir(), "fw-watch-"));
let socket: ReqSocket;

beforeAll(async () => {
  const { address } = await startCp("test/fixtures/core-tasks.ts", ["--concurrency", "2"]);
  socket = new ReqSocket().dial(address);
});
afterAll(async () => {
  await socket?.close();
  await killAll();
});

async function submit(...tasks: TaskSpec[]): Promise<void> {
  const reply = decodeReply(await socket.request(encodeFrame({ v: 1, type: "submit", tasks }), { timeoutMs: 5000 }));
  expect(reply.type).toBe("submitted");
}

async function watch(watchId: string, ids: string[], waitMs: number): Promise<ReplyOf<"events">> {
  const reply = decodeReply(await socket.request(encodeFrame({ v: 1, type: "watch", watchId, ids, waitMs }), { timeoutMs: waitMs + 5000 }));
  if (reply.type !== "events") throw new Error(`expected events, got ${JSON.stringify(reply)}`);
  return reply;
}

/** Asks the watch (adding `ids`) until `finals` final events came; returns every event, in order. */
async function follow(watchId: string, ids: string[], finals = Math.max(1, ids.length)): Promise<WatchEvent[]> {
  const all: WatchEvent[] = [];
  let seen = 0;
  for (let add = ids; seen < finals; add = []) {
    const reply = await watch(watchId, add, 10_000);
    expect(reply.missed).toBe(0);
    for (const event of reply.events) {
      all.push(event);
      if (["task.succeeded", "task.failed", "task.cancelled"].includes(event.name)) seen++;
    }
  }
  return all;
}

test("watched before submitting, a task's events arrive as they happen, ending with its result", async () => {
  expect((await watch("watcher-1", ["w-sleep"], 0)).unknown).toEqual(["w-sleep"]);
  await submit({ id: "w-sleep", name: "sleep", args: [300] });
  const events = await follow("watcher-1", []);
  const names = events.map((e) => e.name);
  expect(names).toEqual(["task.queued", "task.started", "task.succeeded"]);
  expect(events.at(-1)!.payload).toMatchObject({ record: { taskId: "w-sleep", status: "success", result: 300 } });
  expect(events.every((e) => e.taskId === "w-sleep")).toBe(true);
});

test("retries show up as task.retrying events before the final success", async () => {
  await watch("watcher-2", ["w-retry"], 0);
  await submit({ id: "w-retry", name: "failTwice", args: [join(scratch, "fail-twice")] });
  const names = (await follow("watcher-2", [])).map((e) => e.name);
  expect(names).toEqual([
    "task.queued", "task.started", "task.retrying", "task.queued", "task.started", "task.retrying", "task.queued", "task.started", "task.succeeded",
  ]);
});

test("watching a task that already ended answers at once with its final event", async () => {
  await submit({ id: "w-done", name: "add", args: [1, 2] });
  await follow("watcher-3", ["w-done"]);
  const again = await watch("watcher-4", ["w-done"], 10_000);
  expect(again.events).toMatchObject([{ name: "task.succeeded", taskId: "w-done", payload: { record: { result: 3 } } }]);
});

test("unknown ids are reported (and watched: they may be submitted next)", async () => {
  const reply = await watch("watcher-5", ["never-submitted"], 0);
  expect(reply).toMatchObject({ events: [], missed: 0, unknown: ["never-submitted"] });
});

test("one watch follows many tasks; each leaves the watch after its final event", async () => {
  const ids = Array.from({ length: 20 }, (_, i) => `w-many-${i}`);
  await submit(...ids.map((id, i) => ({ id, name: "add", args: [i, 1] })));
  const events = await follow("watcher-6", ids);
  const finals = events.filter((e) => e.name === "task.succeeded");
  expect(finals.map((e) => e.taskId).sort()).toEqual([...ids].sort());
  // Nothing more comes for them.
  expect((await watch("watcher-6", [], 200)).events).toEqual([]);
});
