// The request router (src/control-plane/request-router.ts) as the in-memory request path: frame in, reply frame out.
import { afterEach, describe, expect, test } from "bun:test";
import { encodeFrame, FASTWORKER_VERSION, PROTOCOL_VERSION } from "../../src/protocol/index.ts";
import { task } from "../../src/tasks/index.ts";
import { call, callRaw, expectReply, hello, inMemoryHost, leaseNow, okOutcome, submitTasks, type InMemoryHost } from "../helpers/in-memory-host.ts";

const add = task("add", (a: number, b: number) => a + b);
const other = task("other", () => 0);
const encoder = new TextEncoder();

const hosts: InMemoryHost[] = [];
function host(options: Parameters<typeof inMemoryHost>[1] = {}): InMemoryHost {
  const h = inMemoryHost([add, other], { id: "cp-router", ...options });
  hosts.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

/** A subworker for "add" that leases what is queued now and reports each task done with `result`. */
async function runQueued(h: InMemoryHost, result: (id: string) => unknown, expected: number): Promise<void> {
  expectReply(await hello(h.router, "sw1", ["add"], 9), "welcome");
  const leased = await leaseNow(h.router, "sw1", 100, 9);
  expect(leased.tasks.length).toBe(expected);
  const outcomes = leased.tasks.map((t) => okOutcome(t.id, t.attempt, result(t.id)));
  expectReply(await call(h.router, { type: "report", workerId: "sw1", outcomes, running: [], credits: 0, waitMs: 0 }, 9), "leased");
}

describe("submit", () => {
  test("without wait: submitted, each task with its state; unknown names and repeated ids answered per task", async () => {
    const h = host();
    const reply = expectReply(await call(h.router, {
      type: "submit", tasks: [
        { id: "t1", name: "add", args: [1, 2] },
        { id: "t2", name: "add", args: [], countdownMs: 60_000 },
        { id: "t3", name: "missing", args: [] },
      ],
    }), "submitted");
    expect(reply.tasks[0]).toEqual({ id: "t1", status: "queued" });
    expect(reply.tasks[1]).toEqual({ id: "t2", status: "scheduled" });
    expect(reply.tasks[2]?.error?.code).toBe("E_UNKNOWN_TASK");
    const again = await submitTasks(h.router, "add", ["t1"]);
    expect(again.tasks).toEqual([{ id: "t1", status: "queued" }]);
    const byKey = await submitTasks(h.router, "add", ["k1"], { idempotencyKey: "once" });
    const sameKey = await submitTasks(h.router, "add", ["k2"], { idempotencyKey: "once" });
    expect(byKey.tasks).toEqual([{ id: "k1", status: "queued" }]);
    expect(sameKey.tasks).toEqual([{ id: "k1", status: "queued" }]);
    expect(h.host.record("k2")).toBeUndefined();
    expect(h.parts.table.live.size).toBe(3);
  });

  test("with wait: the reply is held until the subworker reports, then carries the results", async () => {
    const h = host();
    const held = call(h.router, { type: "submit", tasks: [{ id: "w1", name: "add", args: [2, 3] }, { id: "w2", name: "add", args: [] }], wait: true, waitMs: 10_000 });
    let answered = false;
    void held.then(() => (answered = true));
    expectReply(await hello(h.router, "sw1", ["add"], 9), "welcome");
    const leased = await leaseNow(h.router, "sw1", 2, 9);
    expect(leased.tasks.map((t) => t.id)).toEqual(["w1", "w2"]);
    expect(answered).toBe(false); // both running, nothing reported yet
    const outcomes = leased.tasks.map((t) => okOutcome(t.id, 1, `done:${t.id}`));
    await call(h.router, { type: "report", workerId: "sw1", outcomes, running: [], credits: 0, waitMs: 0 }, 9);
    const results = expectReply(await held, "results");
    expect(results.results.map((r) => [r.taskId, r.status, r.result]).sort()).toEqual([["w1", "success", "done:w1"], ["w2", "success", "done:w2"]]);
    expect(results.missing).toEqual([]);
  });

  test("with wait and a clientId: results come from the client's outbox; a refused task is missing", async () => {
    const h = host();
    const held = call(h.router, {
      type: "submit", tasks: [{ id: "c1", name: "add", args: [] }, { id: "bad", name: "nope", args: [] }], wait: true, waitMs: 10_000, clientId: "client-1",
    });
    await runQueued(h, () => 42, 1);
    const results = expectReply(await held, "results");
    expect(results.results.map((r) => [r.taskId, r.result])).toEqual([["c1", 42]]);
    expect(results.missing.map((m) => [m.id, m.error.code])).toEqual([["bad", "E_UNKNOWN_TASK"]]);
  });
});

describe("result and collect", () => {
  test("a plain result reads records now: live ones as they are, unknown ones as missing", async () => {
    const h = host();
    await submitTasks(h.router, "add", ["q1"]);
    const reply = expectReply(await call(h.router, { type: "result", ids: ["q1", "ghost"] }), "results");
    expect(reply.results.map((r) => [r.taskId, r.status])).toEqual([["q1", "queued"]]);
    expect(reply.missing).toEqual([{ id: "ghost", error: { code: "E_TASK_NOT_FOUND", message: "task ghost is not known (or its result expired)" } }]);
  });

  test("a result with waitMs is held until the task ends; unfinished ones are left out", async () => {
    const h = host();
    await submitTasks(h.router, "add", ["r1"]);
    const held = call(h.router, { type: "result", ids: ["r1"], waitMs: 10_000 });
    await runQueued(h, () => "ok", 1);
    const reply = expectReply(await held, "results");
    expect(reply.results.map((r) => [r.taskId, r.status, r.result])).toEqual([["r1", "success", "ok"]]);
  });

  test("a result with a clientId answers now and sends the rest to the outbox; collect hands it over", async () => {
    const h = host();
    await submitTasks(h.router, "add", ["o1"]);
    const now = expectReply(await call(h.router, { type: "result", ids: ["o1"], waitMs: 10_000, clientId: "cl" }), "results");
    expect(now.results).toEqual([]);
    expect(now.missing).toEqual([]);
    await runQueued(h, () => 5, 1);
    const collected = expectReply(await call(h.router, { type: "collect", clientId: "cl", waitMs: 10_000 }), "results");
    expect(collected.results.map((r) => [r.taskId, r.result])).toEqual([["o1", 5]]);
    expect(h.parts.outboxes.take("cl").items).toEqual([]);
  });

  test("one connection may hold only maxHeldPerConnection waits; the next is E_TOO_MANY_WAITS", async () => {
    const h = host({ maxHeldPerConnection: 1 });
    await submitTasks(h.router, "add", ["h1"]);
    const first = call(h.router, { type: "result", ids: ["h1"], waitMs: 10_000 }, 3);
    const second = expectReply(await call(h.router, { type: "result", ids: ["h1"], waitMs: 10_000 }, 3), "error");
    expect(second.error.code).toBe("E_TOO_MANY_WAITS");
    expect(h.router.held.heldOn(3)).toBe(1);
    h.router.connectionClosed(3); // its held wait ends at once
    expect(expectReply(await first, "results").results).toEqual([]);
  });
});

describe("cancel", () => {
  test("queued and scheduled tasks are cancelled; a finished one is not; an unknown one is E_TASK_NOT_FOUND", async () => {
    const h = host();
    await submitTasks(h.router, "other", ["q1"]); // no subworker runs "other": it stays queued
    await submitTasks(h.router, "other", ["s1"], { countdownMs: 60_000 });
    await submitTasks(h.router, "add", ["d1"]);
    await runQueued(h, () => 1, 1);
    expect(h.host.record("d1")?.status).toBe("success");
    const reply = expectReply(await call(h.router, { type: "cancel", ids: ["q1", "s1", "d1", "ghost"] }), "cancelled");
    expect(reply.outcomes[0]).toEqual({ id: "q1", cancelled: true, status: "cancelled" });
    expect(reply.outcomes[1]).toEqual({ id: "s1", cancelled: true, status: "cancelled" });
    expect(reply.outcomes[2]).toEqual({ id: "d1", cancelled: false, status: "success" });
    expect(reply.outcomes[3]?.cancelled).toBe(false);
    expect(reply.outcomes[3]?.error?.code).toBe("E_TASK_NOT_FOUND");
    expect(h.parts.table.ready.size).toBe(0);
    expect(h.parts.table.delayed.size).toBe(0);
    expect(h.host.record("q1")?.error?.code).toBe("E_TASK_CANCELLED");
  });
});

describe("status", () => {
  test("the status reply counts queues by priority, scheduled, running, workers and the cache", async () => {
    const h = host({ resultCacheSize: 50 });
    await submitTasks(h.router, "other", ["n1", "n2"]);
    await submitTasks(h.router, "other", ["hi"], { priority: "high" });
    await submitTasks(h.router, "other", ["later"], { countdownMs: 60_000 });
    await submitTasks(h.router, "add", ["run1", "run2", "fin"]);
    expectReply(await hello(h.router, "sw1", ["add"], 4, 8), "welcome");
    const leased = await leaseNow(h.router, "sw1", 3, 4);
    expect(leased.tasks.map((t) => t.id)).toEqual(["run1", "run2", "fin"]);
    await call(h.router, { type: "report", workerId: "sw1", outcomes: [okOutcome("fin", 1, null)], running: ["run1", "run2"], credits: 0, waitMs: 0 }, 4);
    const status = expectReply(await call(h.router, { type: "status" }), "status_reply");
    expect(status).toMatchObject({
      cpId: "cp-router", version: FASTWORKER_VERSION, protocol: PROTOCOL_VERSION,
      queues: { critical: 0, high: 1, normal: 2, low: 0 }, scheduled: 1, running: 2, workersTotal: 1,
      cache: { size: 1, maxSize: 50 }, tasks: ["add", "other"],
    });
    expect(status.workers.map((w) => [w.id, w.kind, w.capacity, w.running, w.completed])).toEqual([["sw1", "subworker", 8, 2, 1]]);
  });
});

describe("bad input", () => {
  test("every malformed frame gets a typed error frame", async () => {
    const h = host();
    const code = async (bytes: Uint8Array): Promise<string> => expectReply(await callRaw(h.router, bytes), "error").error.code;
    expect(await code(encoder.encode("{not json"))).toBe("E_DECODE");
    expect(await code(encoder.encode("[1,2]"))).toBe("E_DECODE");
    expect(await code(new Uint8Array([0xff, 0xfe, 0x7b]))).toBe("E_DECODE");
    expect(await code(encoder.encode(JSON.stringify({ v: PROTOCOL_VERSION + 1, type: "status" })))).toBe("E_UNSUPPORTED_VERSION");
    expect(await code(encoder.encode(JSON.stringify({ v: PROTOCOL_VERSION, type: "teleport" })))).toBe("E_UNKNOWN_FRAME");
    expect(await code(encoder.encode(JSON.stringify({ v: PROTOCOL_VERSION, type: "submit", tasks: [] })))).toBe("E_INVALID_FRAME");
    expect(await code(encoder.encode(JSON.stringify({ v: PROTOCOL_VERSION, type: "cancel", ids: "t1" })))).toBe("E_INVALID_FRAME");
    expect(h.parts.table.live.size).toBe(0);
  });

  test("a frame over maxFrameBytes is E_FRAME_TOO_LARGE; arguments nested too deep are E_INVALID_ARGS", async () => {
    const h = host({ maxFrameBytes: 64 * 1024 });
    const big = encodeFrame({ v: PROTOCOL_VERSION, type: "submit", tasks: [{ id: "big", name: "add", args: ["x".repeat(70_000)] }] });
    expect(expectReply(await callRaw(h.router, big), "error").error.code).toBe("E_FRAME_TOO_LARGE");
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const nested = encodeFrame({ v: PROTOCOL_VERSION, type: "submit", tasks: [{ id: "deep", name: "add", args: [deep] }] });
    expect(expectReply(await callRaw(h.router, nested), "error").error.code).toBe("E_INVALID_ARGS");
    expect(h.host.record("big")).toBeUndefined();
    expect(h.host.record("deep")).toBeUndefined();
  });
});
