// The one observer primitive (src/model/listeners.ts): listener sets, never an overwritten hook.
import { describe, expect, test } from "bun:test";
import { Emitter, ListenerSet } from "../../src/model/listeners.ts";
import { TaskTable } from "../../src/control-plane/task-table.ts";
import { createEntry } from "../../src/control-plane/task-entry.ts";
import { task } from "../../src/tasks/index.ts";

describe("ListenerSet", () => {
  test("every listener runs, in the order added; a removed one no longer does", () => {
    const seen: string[] = [];
    const set = new ListenerSet<[number]>((error) => { throw error; });
    set.add((n) => seen.push(`a${n}`));
    const removeB = set.add((n) => seen.push(`b${n}`));
    set.call(1);
    removeB();
    set.call(2);
    expect(seen).toEqual(["a1", "b1", "a2"]);
    expect(set.size).toBe(1);
  });

  test("a throwing listener is reported and the others still run", () => {
    const errors: unknown[] = [];
    const seen: number[] = [];
    const set = new ListenerSet<[number]>((error) => errors.push(error));
    set.add(() => { throw new Error("boom"); });
    set.add((n) => seen.push(n));
    set.call(7);
    expect(seen).toEqual([7]);
    expect(String(errors[0])).toContain("boom");
  });
});

describe("Emitter", () => {
  interface Events { ping: { n: number }; pong: { s: string } }

  test("typed events reach their own listeners; idle tells when nobody listens", () => {
    const emitter = new Emitter<Events>((name, error) => { throw new Error(`${name}: ${String(error)}`); });
    expect(emitter.idle).toBe(true);
    const pings: number[] = [];
    const off = emitter.on("ping", ({ n }) => pings.push(n));
    emitter.on("pong", () => pings.push(-1));
    expect(emitter.idle).toBe(false);
    emitter.emit("ping", { n: 1 });
    off();
    off(); // a second call removes nothing more
    emitter.emit("ping", { n: 2 });
    emitter.emit("pong", { s: "x" });
    expect(pings).toEqual([1, -1]);
    expect(emitter.idle).toBe(false);
  });

  test("a listener that throws is reported with the event's name", () => {
    const reported: string[] = [];
    const emitter = new Emitter<Events>((name) => reported.push(name));
    emitter.on("pong", () => { throw new Error("x"); });
    emitter.emit("pong", { s: "" });
    expect(reported).toEqual(["pong"]);
  });
});

describe("TaskTable listeners", () => {
  test("several observers of state changes and ends each see every change, whoever was added last", () => {
    const table = new TaskTable({ resultCacheSize: 10, resultCacheTtlMs: 60_000 });
    const first: string[] = [];
    const second: string[] = [];
    table.listeners.state.add((entry, from) => first.push(`${from}>${entry.state}`));
    table.listeners.state.add((entry) => second.push(entry.state));
    table.listeners.terminal.add((_entry, record) => first.push(`end:${record.status}`));
    const add = task("add", (a: number, b: number) => a + b);
    const now = Date.now();
    const entry = createEntry({ id: "t1", name: "add", args: [1, 2] }, add, now);
    table.admit(entry);
    table.start(entry, "w1");
    table.complete("t1", { id: "t1", attempt: 1, ok: true, result: 3, startedAt: now, finishedAt: now });
    expect(first).toEqual(["pending>pending", "pending>queued", "queued>running", "end:success"]);
    expect(second).toEqual(["pending", "queued", "running"]);
  });
});
