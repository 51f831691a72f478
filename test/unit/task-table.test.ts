// The task table on its own (src/control-plane/task-table.ts): every state change, on an injected clock.
import { describe, expect, test } from "bun:test";
import { TaskTable } from "../../src/control-plane/task-table.ts";
import { createEntry, type TaskEntry } from "../../src/control-plane/task-entry.ts";
import type { Outcome, TaskSpec } from "../../src/protocol/index.ts";
import { task } from "../../src/tasks/index.ts";

const T0 = 1_700_000_000_000;
const add = task("add", (a: number, b: number) => a + b);
const flaky = task({ name: "flaky", retries: 2, backoff: { baseMs: 100, factor: 2, maxMs: 1000, jitter: 0 } }, () => 0);

/** A table whose clock moves only when the test says; `clock.t` is "now". */
function tableAt(options: { resultCacheSize?: number; resultCacheTtlMs?: number } = {}): { table: TaskTable; clock: { t: number } } {
  const clock = { t: T0 };
  const table = new TaskTable({
    resultCacheSize: options.resultCacheSize ?? 100, resultCacheTtlMs: options.resultCacheTtlMs ?? 60_000, now: () => clock.t,
    onListenerError: (error) => { throw error; },
  });
  return { table, clock };
}

function admit(table: TaskTable, now: number, spec: Partial<TaskSpec> & { id: string }, definition = add): TaskEntry {
  const entry = createEntry({ name: definition.name, args: [1, 2], ...spec }, definition, now);
  table.admit(entry);
  return entry;
}

/** What the dispatcher does: take the task off the ready queue, then start it on a worker. */
function begin(table: TaskTable, entry: TaskEntry, workerId: string): void {
  table.ready.remove(entry);
  table.start(entry, workerId);
}

function ok(id: string, attempt: number, result: unknown = 3): Outcome {
  return { id, attempt, ok: true, result, startedAt: T0, finishedAt: T0 };
}

function failed(id: string, attempt: number, retry: Extract<Outcome, { ok: false }>["retry"] = "policy"): Outcome {
  return { id, attempt, ok: false, error: { code: "E_TASK_FAILED", message: "boom" }, retry, finishedAt: T0 };
}

describe("TaskTable: admission and due times", () => {
  test("admit puts a task without a due time in the ready queue as queued", () => {
    const { table } = tableAt();
    admit(table, T0, { id: "t1" });
    expect(table.live.get("t1")?.state).toBe("queued");
    expect(table.ready.size).toBe(1);
    expect(table.delayed.size).toBe(0);
    const record = table.get("t1");
    expect(record?.status).toBe("queued");
    expect(record?.history.map((h) => h.state)).toEqual(["pending", "queued"]);
    expect(record?.attempts).toBe(0);
  });

  test("a countdown schedules the task for its due time; promoteDue moves it to the queue exactly then", () => {
    const { table, clock } = tableAt();
    admit(table, T0, { id: "later", countdownMs: 500 });
    expect(table.live.get("later")?.state).toBe("scheduled");
    expect(table.get("later")?.timings.dueAt).toBe(T0 + 500);
    expect(table.nextDueAt()).toBe(T0 + 500);
    expect(table.ready.size).toBe(0);
    clock.t = T0 + 499;
    expect(table.promoteDue()).toBe(0);
    expect(table.live.get("later")?.state).toBe("scheduled");
    clock.t = T0 + 500;
    expect(table.promoteDue()).toBe(1);
    expect(table.live.get("later")?.state).toBe("queued");
    expect(table.ready.size).toBe(1);
    expect(table.nextDueAt()).toBeUndefined();
    expect(table.get("later")?.timings.dueAt).toBeUndefined();
  });

  test("start then a successful outcome: running with a worker, then success in the result cache", () => {
    const { table, clock } = tableAt();
    const entry = admit(table, T0, { id: "t1" });
    clock.t = T0 + 10;
    begin(table, entry, "w1");
    expect(table.get("t1")).toMatchObject({ status: "running", attempts: 1, workerId: "w1", timings: { startedAt: T0 + 10 } });
    clock.t = T0 + 25;
    expect(table.complete("t1", ok("t1", 1, 3))).toBe(true);
    expect(table.live.has("t1")).toBe(false);
    expect(table.results.has("t1")).toBe(true);
    expect(table.get("t1")).toMatchObject({ status: "success", result: 3, attempts: 1, timings: { finishedAt: T0 + 25 } });
    expect(table.get("t1")?.history.map((h) => h.state)).toEqual(["pending", "queued", "running", "success"]);
  });
});

describe("TaskTable: retries", () => {
  test("a failed attempt with retries left is retrying for its backoff, then queued; the last failure is final", () => {
    const { table, clock } = tableAt();
    const entry = admit(table, T0, { id: "f1" }, flaky);
    begin(table, entry, "w1");
    expect(table.complete("f1", failed("f1", 1))).toBe(true);
    expect(entry.state).toBe("retrying");
    expect(table.nextDueAt()).toBe(T0 + 100); // baseMs
    clock.t = T0 + 99;
    expect(table.promoteDue()).toBe(0);
    clock.t = T0 + 100;
    expect(table.promoteDue()).toBe(1);
    expect(entry.state).toBe("queued");

    begin(table, entry, "w1");
    expect(table.complete("f1", failed("f1", 2))).toBe(true);
    expect(entry.state).toBe("retrying");
    expect(table.nextDueAt()).toBe(T0 + 100 + 200); // baseMs × factor
    clock.t = T0 + 300;
    table.promoteDue();

    begin(table, entry, "w1");
    expect(table.complete("f1", failed("f1", 3))).toBe(true); // attempts 3 > retries 2
    expect(table.get("f1")).toMatchObject({ status: "failure", attempts: 3, error: { code: "E_TASK_FAILED" } });
    expect(table.get("f1")?.history.map((h) => h.state)).toEqual([
      "pending", "queued", "running", "retrying", "queued", "running", "retrying", "queued", "running", "failure",
    ]);
  });

  test("retry 'never' fails at once, an explicit delay overrides the policy", () => {
    const { table } = tableAt();
    const never = admit(table, T0, { id: "n1" }, flaky);
    begin(table, never, "w1");
    table.complete("n1", failed("n1", 1, "never"));
    expect(table.get("n1")?.status).toBe("failure");

    const delayed = admit(table, T0, { id: "d1" }, flaky);
    begin(table, delayed, "w1");
    table.complete("d1", failed("d1", 1, { delayMs: 7 }));
    expect(delayed.state).toBe("retrying");
    expect(table.nextDueAt()).toBe(T0 + 7);
  });
});

describe("TaskTable: cancel", () => {
  test("a queued task leaves the ready queue, a scheduled one the delayed heap, a running one ends cancelled", () => {
    const { table } = tableAt();
    admit(table, T0, { id: "q" });
    admit(table, T0, { id: "s", countdownMs: 1000 });
    const running = admit(table, T0, { id: "r" });
    begin(table, running, "w1");
    expect(table.cancel("q")).toEqual({ cancelled: true, previous: "queued" });
    expect(table.cancel("s")).toEqual({ cancelled: true, previous: "scheduled" });
    expect(table.cancel("r")).toEqual({ cancelled: true, previous: "running" });
    expect(table.ready.size).toBe(0);
    expect(table.delayed.size).toBe(0);
    expect(table.live.size).toBe(0);
    for (const id of ["q", "s", "r"]) {
      expect(table.get(id)).toMatchObject({ status: "cancelled", error: { code: "E_TASK_CANCELLED" } });
    }
  });

  test("a finished task is not cancelled (its state is returned); an unknown one is E_TASK_NOT_FOUND", () => {
    const { table } = tableAt();
    const entry = admit(table, T0, { id: "done" });
    begin(table, entry, "w1");
    table.complete("done", ok("done", 1));
    expect(table.cancel("done")).toEqual({ cancelled: false, previous: "success" });
    expect(table.get("done")?.status).toBe("success");
    const unknown = table.cancel("nope");
    expect(unknown.cancelled).toBe(false);
    expect(unknown.error?.code).toBe("E_TASK_NOT_FOUND");
  });
});

describe("TaskTable: stale outcomes", () => {
  test("an outcome for another attempt, for a task not running, or for an unknown id changes nothing", () => {
    const { table } = tableAt();
    const entry = admit(table, T0, { id: "t1" });
    expect(table.complete("t1", ok("t1", 0))).toBe(false); // queued, not running
    begin(table, entry, "w1");
    expect(table.complete("t1", ok("t1", 2))).toBe(false); // wrong attempt
    expect(entry.state).toBe("running");
    expect(table.complete("ghost", ok("ghost", 1))).toBe(false);
    expect(table.complete("t1", ok("t1", 1, "first"))).toBe(true);
    expect(table.complete("t1", ok("t1", 1, "second"))).toBe(false); // already finished
    expect(table.get("t1")?.result).toBe("first");
  });

  test("a task lost with its worker goes back to the front of its queue, the attempt not counted", () => {
    const { table } = tableAt();
    const lost = admit(table, T0, { id: "lost" });
    admit(table, T0, { id: "next" });
    const [taken] = table.take(null, 1);
    expect(taken?.id).toBe("lost");
    begin(table, lost, "w1");
    table.requeueLost(lost);
    expect(lost.state).toBe("queued");
    expect(lost.attempts).toBe(0);
    expect(table.take(null, 2).map((e) => e.id)).toEqual(["lost", "next"]);
  });
});

describe("TaskTable: result cache and idempotency", () => {
  test("a result evicted from the full cache fires listeners.forget with its id and finished entry", () => {
    const { table } = tableAt({ resultCacheSize: 2 });
    const forgotten: Array<[string, string]> = [];
    table.listeners.forget.add((id, entry) => forgotten.push([id, entry.state]));
    for (const id of ["a", "b", "c"]) {
      const entry = admit(table, T0, { id });
      begin(table, entry, "w1");
      table.complete(id, ok(id, 1));
    }
    expect(forgotten).toEqual([["a", "success"]]);
    expect(table.get("a")).toBeUndefined();
    expect(table.get("c")?.status).toBe("success");
    expect(table.results.size).toBe(2);
  });

  test("a result past its TTL is forgotten on sweep", () => {
    const { table, clock } = tableAt({ resultCacheTtlMs: 1000 });
    const forgotten: string[] = [];
    table.listeners.forget.add((id) => forgotten.push(id));
    const entry = admit(table, T0, { id: "old" });
    begin(table, entry, "w1");
    table.cancel("old");
    clock.t = T0 + 1001;
    table.sweep();
    expect(forgotten).toEqual(["old"]);
    expect(table.get("old")).toBeUndefined();
  });

  test("existing() finds a repeated id (live or finished) and a repeated idempotency key", () => {
    const { table } = tableAt();
    const entry = admit(table, T0, { id: "t1", idempotencyKey: "order-42" });
    expect(table.existing("t1")).toBe("t1");
    expect(table.existing("t2", "order-42")).toBe("t1");
    expect(table.existing("t2", "order-43")).toBeUndefined();
    expect(table.existing("t2")).toBeUndefined();
    begin(table, entry, "w1");
    table.complete("t1", ok("t1", 1));
    expect(table.existing("t1")).toBe("t1");
    expect(table.existing("t3", "order-42")).toBe("t1");
  });
});

describe("TaskTable: take() and priorities", () => {
  test("take() is strict by priority, FIFO within one, filtered by name and by the lowest priority asked", () => {
    const { table } = tableAt();
    const other = task("other", () => 0);
    admit(table, T0, { id: "low1", priority: "low" });
    admit(table, T0, { id: "norm1", priority: "normal" });
    admit(table, T0, { id: "crit1", priority: "critical" });
    admit(table, T0, { id: "high1", priority: "high" });
    admit(table, T0, { id: "norm2", priority: "normal" });
    admit(table, T0, { id: "crit-other", priority: "critical" }, other);
    expect(table.take(null, 0)).toEqual([]);
    expect(table.take(new Set(["add"]), 2, "high").map((e) => e.id)).toEqual(["crit1", "high1"]);
    expect(table.take(new Set(["add"]), 10, "high")).toEqual([]); // only normal and low "add" tasks are left
    expect(table.take(new Set(["add"]), 10).map((e) => e.id)).toEqual(["norm1", "norm2", "low1"]);
    expect(table.take((name) => name === "other", 10).map((e) => e.id)).toEqual(["crit-other"]);
    expect(table.ready.size).toBe(0);
  });
});

describe("TaskTable: terminal listeners", () => {
  test("each task ends exactly once, however many outcomes and cancels arrive after", () => {
    const { table } = tableAt();
    const ends = new Map<string, string[]>();
    table.listeners.terminal.add((entry, record) => ends.set(entry.id, [...(ends.get(entry.id) ?? []), record.status]));
    const a = admit(table, T0, { id: "a" });
    begin(table, a, "w1");
    table.complete("a", ok("a", 1));
    table.complete("a", ok("a", 1));
    table.cancel("a");
    const b = admit(table, T0, { id: "b" });
    begin(table, b, "w1");
    table.cancel("b");
    table.complete("b", ok("b", 1)); // the aborted attempt still reports
    table.cancel("b");
    const c = admit(table, T0, { id: "c" }, flaky);
    begin(table, c, "w1");
    table.complete("c", failed("c", 1)); // retrying is not an end
    table.cancel("c");
    expect(Object.fromEntries(ends)).toEqual({ a: ["success"], b: ["cancelled"], c: ["cancelled"] });
  });
});
