// The subworker registry (src/control-plane/subworkers.ts) through RequestRouter.handle: hello, lease, report, bye, no socket.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { PROTOCOL_VERSION } from "../../src/protocol/index.ts";
import { task } from "../../src/tasks/index.ts";
import { call, expectReply, hello, inMemoryHost, leaseNow, okOutcome, submitTasks, type InMemoryHost } from "../helpers/in-memory-host.ts";
import { ManualClock } from "../helpers/manual-clock.ts";

const add = task("add", (a: number, b: number) => a + b);
const other = task("other", () => 0);

let h: InMemoryHost;
beforeEach(() => {
  h = inMemoryHost([add, other], { id: "cp-test" });
});
afterEach(() => h.close());

describe("hello", () => {
  test("a subworker that says hello is welcomed and becomes a capacity source", async () => {
    const welcome = expectReply(await hello(h.router, "sw1", ["add"], 1, 3), "welcome");
    expect(welcome).toEqual({ v: PROTOCOL_VERSION, type: "welcome", cpId: "cp-test", heartbeatMs: 5000, workerTimeoutMs: 15_000 });
    const source = h.parts.dispatcher.get("sw1");
    expect(source?.kind).toBe("subworker");
    expect(source?.info()).toMatchObject({ id: "sw1", state: "active", capacity: 3, running: 0, tasks: ["add"] });
  });

  test("unknown task names, another protocol, or an id held by another connection are refused", async () => {
    const unknown = expectReply(await hello(h.router, "sw1", ["add", "nope"]), "error");
    expect(unknown.error.code).toBe("E_REFUSED");
    expect(unknown.error.message).toContain("nope");
    const oldProtocol = expectReply(await call(h.router, { type: "hello", workerId: "sw1", capacity: 1, tasks: ["add"], protocol: PROTOCOL_VERSION + 1 }), "error");
    expect(oldProtocol.error.code).toBe("E_REFUSED");
    expect(h.parts.dispatcher.all()).toEqual([]);
    expectReply(await hello(h.router, "sw1", ["add"], 1), "welcome");
    const stolen = expectReply(await hello(h.router, "sw1", ["add"], 2), "error");
    expect(stolen.error.code).toBe("E_REFUSED");
    expect(h.parts.dispatcher.all().map((s) => s.id)).toEqual(["sw1"]);
  });
});

describe("lease", () => {
  test("a lease gets queued tasks of the names it registered, up to its credits", async () => {
    await submitTasks(h.router, "add", ["a1", "a2", "a3"]);
    await submitTasks(h.router, "other", ["o1"]);
    expectReply(await hello(h.router, "sw1", ["add"]), "welcome");
    const first = await leaseNow(h.router, "sw1", 2);
    expect(first.tasks.map((t) => [t.id, t.name, t.attempt])).toEqual([["a1", "add", 1], ["a2", "add", 1]]);
    expect(h.host.record("a1")).toMatchObject({ status: "running", workerId: "sw1", attempts: 1 });
    const second = await leaseNow(h.router, "sw1", 5);
    expect(second.tasks.map((t) => t.id)).toEqual(["a3"]);
    expect(h.host.record("o1")?.status).toBe("queued"); // not a name sw1 runs
    expect(h.parts.dispatcher.get("sw1")?.info().running).toBe(3);
  });

  test("a lease that waits is answered as soon as work is submitted", async () => {
    expectReply(await hello(h.router, "sw1", ["add"]), "welcome");
    const held = call(h.router, { type: "lease", workerId: "sw1", credits: 1, waitMs: 4000 });
    await submitTasks(h.router, "add", ["late"]);
    const leased = expectReply(await held, "leased");
    expect(leased.tasks.map((t) => t.id)).toEqual(["late"]);
  });

  test("an unknown worker id is told to say hello again; another connection's id is refused", async () => {
    const unknown = await leaseNow(h.router, "ghost", 1);
    expect(unknown).toEqual({ v: PROTOCOL_VERSION, type: "leased", tasks: [], reregister: true });
    expectReply(await hello(h.router, "sw1", ["add"], 1), "welcome");
    const refused = expectReply(await call(h.router, { type: "lease", workerId: "sw1", credits: 1, waitMs: 0 }, 2), "error");
    expect(refused.error.code).toBe("E_REFUSED");
  });

  test("after its connection closes, the subworker resumes its id from a new connection", async () => {
    expectReply(await hello(h.router, "sw1", ["add"], 1), "welcome");
    h.router.connectionClosed(1);
    await submitTasks(h.router, "add", ["a1"]);
    const resumed = await leaseNow(h.router, "sw1", 1, 7);
    expect(resumed.tasks.map((t) => t.id)).toEqual(["a1"]);
    expect(h.router.subworkers.connectedOn(7)).toBe(true);
  });
});

describe("report", () => {
  test("reported outcomes complete their tasks; the result frame shows them", async () => {
    await submitTasks(h.router, "add", ["a1", "a2"]);
    expectReply(await hello(h.router, "sw1", ["add"]), "welcome");
    const leased = await leaseNow(h.router, "sw1", 2);
    expect(leased.tasks.length).toBe(2);
    const next = expectReply(await call(h.router, {
      type: "report", workerId: "sw1", outcomes: [okOutcome("a1", 1, 3), okOutcome("a2", 1, 7)], running: [], credits: 2, waitMs: 0,
    }), "leased");
    expect(next.tasks).toEqual([]);
    const results = expectReply(await call(h.router, { type: "result", ids: ["a1", "a2"] }), "results");
    expect(results.results.map((r) => [r.taskId, r.status, r.result, r.workerId])).toEqual([["a1", "success", 3, "sw1"], ["a2", "success", 7, "sw1"]]);
    expect(h.parts.dispatcher.get("sw1")?.info()).toMatchObject({ running: 0, completed: 2 });
  });

  test("an outcome for a task this subworker does not hold is dropped", async () => {
    await submitTasks(h.router, "add", ["a1", "a2"]);
    expectReply(await hello(h.router, "sw1", ["add"], 1), "welcome");
    expectReply(await hello(h.router, "sw2", ["add"], 2), "welcome");
    const mine = await leaseNow(h.router, "sw1", 1, 1);
    expect(mine.tasks.map((t) => t.id)).toEqual(["a1"]);
    const theirs = await leaseNow(h.router, "sw2", 1, 2);
    expect(theirs.tasks.map((t) => t.id)).toEqual(["a2"]);
    await call(h.router, { type: "report", workerId: "sw1", outcomes: [okOutcome("a2", 1, "forged")], running: [], credits: 0, waitMs: 0 }, 1);
    expect(h.host.record("a2")).toMatchObject({ status: "running", workerId: "sw2" });
    expect(h.parts.dispatcher.get("sw1")?.info().completed).toBe(0);
  });

  test("progress and log lines of a running attempt land on its record", async () => {
    await submitTasks(h.router, "add", ["a1"]);
    expectReply(await hello(h.router, "sw1", ["add"]), "welcome");
    await leaseNow(h.router, "sw1", 1);
    await call(h.router, {
      type: "report", workerId: "sw1", outcomes: [], running: ["a1"], credits: 0, waitMs: 0,
      progress: [{ id: "a1", attempt: 1, progress: 40 }], logs: [{ id: "a1", attempt: 1, at: 1, message: "halfway" }, { id: "a1", attempt: 9, at: 2, message: "stale" }],
    });
    expect(h.host.record("a1")).toMatchObject({ status: "running", progress: 40, logs: [{ at: 1, message: "halfway" }] });
  });

  test("a cancelled leased task is named in the subworker's next lease reply", async () => {
    await submitTasks(h.router, "add", ["a1"]);
    expectReply(await hello(h.router, "sw1", ["add"]), "welcome");
    await leaseNow(h.router, "sw1", 1);
    const cancelled = expectReply(await call(h.router, { type: "cancel", ids: ["a1"] }), "cancelled");
    expect(cancelled.outcomes).toEqual([{ id: "a1", cancelled: true, status: "cancelled" }]);
    const next = await leaseNow(h.router, "sw1", 1);
    expect(next.cancel).toEqual(["a1"]);
    expect(h.parts.dispatcher.get("sw1")?.info().running).toBe(0);
  });
});

describe("bye", () => {
  test("bye re-queues the subworker's running tasks (attempt not counted) and removes it", async () => {
    await submitTasks(h.router, "add", ["a1", "a2"]);
    expectReply(await hello(h.router, "sw1", ["add"], 1), "welcome");
    await leaseNow(h.router, "sw1", 2, 1);
    const ack = await call(h.router, { type: "bye", workerId: "sw1", outcomes: [okOutcome("a1", 1, 3)] }, 1);
    expect(ack).toEqual({ v: PROTOCOL_VERSION, type: "ack" });
    expect(h.host.record("a1")?.status).toBe("success"); // its outcome rode on the bye
    expect(h.host.record("a2")).toMatchObject({ status: "queued", attempts: 0 });
    expect(h.parts.dispatcher.get("sw1")).toBeUndefined();
    expectReply(await hello(h.router, "sw2", ["add"], 2), "welcome");
    const taken = await leaseNow(h.router, "sw2", 1, 2);
    expect(taken.tasks.map((t) => [t.id, t.attempt])).toEqual([["a2", 1]]);
  });

  test("bye for another connection's id is refused and changes nothing", async () => {
    await submitTasks(h.router, "add", ["a1"]);
    expectReply(await hello(h.router, "sw1", ["add"], 1), "welcome");
    await leaseNow(h.router, "sw1", 1, 1);
    const refused = expectReply(await call(h.router, { type: "bye", workerId: "sw1", outcomes: [] }, 2), "error");
    expect(refused.error.code).toBe("E_REFUSED");
    expect(h.host.record("a1")).toMatchObject({ status: "running", workerId: "sw1" });
  });
});

describe("heartbeats, on the control plane's clock (no sleeping)", () => {
  test("a subworker silent past --worker-timeout goes inactive, its leased task goes back to the queue, and it is forgotten after the inactive TTL", async () => {
    const clock = new ManualClock();
    const timed = inMemoryHost([add], { id: "cp-clock", clock, workerTimeoutMs: 4_000, inactiveWorkerTtlMs: 10_000 });
    try {
      await submitTasks(timed.router, "add", ["t1"]);
      expectReply(await hello(timed.router, "sw1", ["add"]), "welcome");
      expect((await leaseNow(timed.router, "sw1", 1)).tasks.map((t) => t.id)).toEqual(["t1"]);
      expect(timed.parts.table.live.get("t1")?.state).toBe("running");
      clock.advance(3_000); // within the timeout: still active
      expect(timed.parts.dispatcher.get("sw1")?.info().state).toBe("active");
      clock.advance(2_000); // 5 s silent > 4 s
      expect(timed.parts.dispatcher.get("sw1")).toBeUndefined();
      expect(timed.parts.table.live.get("t1")?.state).toBe("queued");
      expect(timed.router.subworkers.inactive().map((w) => [w.id, w.state])).toEqual([["sw1", "inactive"]]);
      clock.advance(11_000);
      expect(timed.router.subworkers.inactive()).toEqual([]);
    } finally {
      await timed.close();
    }
  });
});
