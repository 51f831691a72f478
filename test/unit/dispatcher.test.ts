// The dispatcher (src/control-plane/dispatcher.ts) on a real TaskTable with capacity sources written here.
import { describe, expect, test } from "bun:test";
import { Dispatcher } from "../../src/control-plane/dispatcher.ts";
import type { CapacitySource } from "../../src/control-plane/sources.ts";
import { createEntry, type TaskEntry } from "../../src/control-plane/task-entry.ts";
import { TaskTable } from "../../src/control-plane/task-table.ts";
import type { Priority, WorkerInfo } from "../../src/protocol/index.ts";
import type { NameFilter } from "../../src/queue/index.ts";
import { task, type TaskDefinition } from "../../src/tasks/index.ts";

const add = task("add", (a: number, b: number) => a + b);
const other = task("other", () => 0);

/**
 * A source with `slots` free places, `idle` of them on Workers with nothing to do (default: all),
 * that records every hand-over. Each task it is given takes a slot until `finish()` frees it.
 */
class RecordingSource implements CapacitySource {
  readonly kind = "subworker" as const;
  /** Each assign() call, as the ids it was given. */
  readonly batches: string[][] = [];
  readonly cancelled: string[] = [];
  overtake: Priority | undefined;

  constructor(readonly id: string, private free: number, readonly canRun: NameFilter = null, private idle = free) {}

  get assigned(): string[] {
    return this.batches.flat();
  }

  freeSlots(): number {
    return this.free;
  }

  idleSlots(): number {
    return Math.min(this.idle, this.free);
  }

  overtakeLimit(): Priority | undefined {
    return this.free === 0 ? this.overtake : undefined;
  }

  assign(entries: TaskEntry[]): void {
    for (const entry of entries) expect(entry.state).toBe("running"); // marked before hand-over
    this.batches.push(entries.map((e) => e.id));
    this.free = Math.max(0, this.free - entries.length);
    this.idle = Math.max(0, this.idle - entries.length);
  }

  /** `n` of its tasks ended: their slots are free (and idle) again. */
  finish(n: number): void {
    this.free += n;
    this.idle += n;
  }

  cancel(id: string): void {
    this.cancelled.push(id);
  }

  info(): WorkerInfo {
    return { id: this.id, kind: this.kind, state: "active", capacity: this.free, running: 0, tasks: [], lastSeenAt: 0, registeredAt: 0, completed: 0 };
  }
}

function setup(): { table: TaskTable; dispatcher: Dispatcher; queue: (id: string, priority?: Priority, definition?: TaskDefinition) => void } {
  const table = new TaskTable({ resultCacheSize: 100, resultCacheTtlMs: 60_000, onListenerError: (error) => { throw error; } });
  const dispatcher = new Dispatcher(table);
  const queue = (id: string, priority: Priority = "normal", definition: TaskDefinition = add): void => {
    table.admit(createEntry({ id, name: definition.name, args: [], priority }, definition, Date.now()));
  };
  return { table, dispatcher, queue };
}

/** Dispatch runs on the microtask after schedule(): one turn later it has run. */
const dispatched = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

describe("Dispatcher", () => {
  test("a source gets queued tasks up to its free slots, each marked running on it", async () => {
    const { table, dispatcher, queue } = setup();
    for (const id of ["t1", "t2", "t3", "t4", "t5"]) queue(id);
    const source = new RecordingSource("s1", 3);
    dispatcher.add(source); // add() schedules a dispatch
    await dispatched();
    expect(source.assigned).toEqual(["t1", "t2", "t3"]);
    for (const id of ["t1", "t2", "t3"]) expect(table.get(id)).toMatchObject({ status: "running", workerId: "s1", attempts: 1 });
    expect(table.ready.size).toBe(2);
    expect(table.get("t4")?.status).toBe("queued");
  });

  test("the highest priority goes first, FIFO within a priority", async () => {
    const { dispatcher, queue } = setup();
    queue("low", "low");
    queue("normal1", "normal");
    queue("critical", "critical");
    queue("normal2", "normal");
    queue("high", "high");
    const source = new RecordingSource("s1", 4);
    dispatcher.add(source);
    await dispatched();
    expect(source.assigned).toEqual(["critical", "high", "normal1", "normal2"]);
  });

  test("a source only gets the names it accepts; the others stay queued", async () => {
    const { table, dispatcher, queue } = setup();
    queue("o1", "critical", other);
    queue("a1");
    queue("o2", "normal", other);
    queue("a2");
    const addsOnly = new RecordingSource("adds", 10, new Set(["add"]));
    dispatcher.add(addsOnly);
    await dispatched();
    expect(addsOnly.assigned).toEqual(["a1", "a2"]);
    expect(table.get("o1")?.status).toBe("queued");
    expect(table.get("o2")?.status).toBe("queued");
    const others = new RecordingSource("others", 10, (name) => name === "other");
    dispatcher.add(others);
    await dispatched();
    expect(others.assigned).toEqual(["o1", "o2"]);
    expect(table.ready.size).toBe(0);
  });

  test("freed capacity and schedule() hand out more; schedules in one turn make one dispatch", async () => {
    const { table, dispatcher, queue } = setup();
    for (const id of ["t1", "t2", "t3", "t4"]) queue(id);
    const source = new RecordingSource("s1", 1);
    dispatcher.add(source);
    await dispatched();
    expect(source.batches).toEqual([["t1"]]);
    dispatcher.schedule(); // no free slot: nothing more
    await dispatched();
    expect(source.batches).toEqual([["t1"]]);
    table.complete("t1", { id: "t1", attempt: 1, ok: true, result: null, startedAt: 0, finishedAt: 0 });
    source.finish(2);
    const dispatch = dispatcher.dispatch.bind(dispatcher);
    let runs = 0;
    dispatcher.dispatch = (): void => (runs++, dispatch());
    dispatcher.schedule();
    dispatcher.schedule();
    dispatcher.schedule();
    expect(runs).toBe(0); // not synchronous: on the next microtask
    await dispatched();
    expect(runs).toBe(1);
    expect(source.batches).toEqual([["t1"], ["t2", "t3"]]);
    expect(table.ready.size).toBe(1);
  });

  test("two sources share a short queue in proportion to their free slots", async () => {
    const { dispatcher, queue } = setup();
    for (const id of ["t1", "t2", "t3", "t4"]) queue(id);
    const big = new RecordingSource("big", 6);
    const small = new RecordingSource("small", 2);
    dispatcher.add(small);
    dispatcher.add(big);
    await dispatched();
    // 4 tasks for 8 slots: each gets ceil(slots × 4 / 8), the larger source first.
    expect(big.assigned).toEqual(["t1", "t2", "t3"]);
    expect(small.assigned).toEqual(["t4"]);
  });

  test("equal sources split the queue evenly; with more tasks than slots every slot is filled", async () => {
    const { table, dispatcher, queue } = setup();
    for (let i = 1; i <= 4; i++) queue(`t${i}`);
    const a = new RecordingSource("a", 4);
    const b = new RecordingSource("b", 4);
    dispatcher.add(a);
    dispatcher.add(b);
    await dispatched();
    expect(a.assigned.length).toBe(2);
    expect(b.assigned.length).toBe(2);
    expect(new Set([...a.assigned, ...b.assigned]).size).toBe(4);
    for (let i = 5; i <= 10; i++) queue(`t${i}`);
    dispatcher.schedule();
    await dispatched();
    expect(a.assigned.length).toBe(4);
    expect(b.assigned.length).toBe(4);
    expect(table.ready.size).toBe(2);
  });

  test("idle Workers are filled before prefetch room behind busy ones", async () => {
    const { dispatcher, queue } = setup();
    queue("t1");
    queue("t2");
    const busy = new RecordingSource("busy", 4, null, 0); // 4 places of prefetch room, no idle Worker
    const idle = new RecordingSource("idle", 2);
    dispatcher.add(busy);
    dispatcher.add(idle);
    await dispatched();
    expect(idle.assigned).toEqual(["t1", "t2"]);
    expect(busy.assigned).toEqual([]);
  });

  test("a full source takes one task that outranks its prefetched work, none below its limit", async () => {
    const { table, dispatcher, queue } = setup();
    queue("normal", "normal");
    queue("crit1", "critical");
    queue("crit2", "critical");
    const full = new RecordingSource("full", 0);
    full.overtake = "high";
    dispatcher.add(full);
    await dispatched();
    expect(full.assigned).toEqual(["crit1"]);
    expect(table.get("normal")?.status).toBe("queued");
    expect(table.get("crit2")?.status).toBe("queued");
  });

  test("a removed source gets nothing more", async () => {
    const { table, dispatcher, queue } = setup();
    const source = new RecordingSource("s1", 5);
    dispatcher.add(source);
    expect(dispatcher.get("s1")).toBe(source);
    dispatcher.remove("s1");
    queue("t1");
    dispatcher.schedule();
    await dispatched();
    expect(source.assigned).toEqual([]);
    expect(dispatcher.all()).toEqual([]);
    expect(table.get("t1")?.status).toBe("queued");
  });
});
