import { describe, expect, test } from "bun:test";
import { FastWorkerError, StateTransitionError, ConfigError } from "../../src/errors.ts";
import {
  DelayedQueue,
  Deque,
  HISTORY_LIMIT,
  PRIORITIES,
  ReadyQueue,
  TASK_STATES,
  canTransition,
  computeBackoffMs,
  isTerminal,
  transition,
  type Priority,
  type StatefulRecord,
  type TaskState,
} from "../../src/queue/index.ts";
import { historyEntries, startHistory } from "../../src/model/state-history.ts";

const LEGAL: Array<[TaskState, TaskState]> = [
  ["pending", "queued"],
  ["pending", "scheduled"],
  ["pending", "cancelled"],
  ["scheduled", "queued"],
  ["scheduled", "cancelled"],
  ["queued", "running"],
  ["queued", "cancelled"],
  ["running", "success"],
  ["running", "failure"],
  ["running", "retrying"],
  ["running", "cancelled"],
  ["running", "queued"],
  ["retrying", "queued"],
  ["retrying", "scheduled"],
  ["retrying", "cancelled"],
];
const MANUAL_ONLY: Array<[TaskState, TaskState]> = [
  ["failure", "queued"],
  ["cancelled", "queued"],
];

const rec = (state: TaskState): StatefulRecord => ({ id: "t1", state, history: startHistory(state, 0) });

describe("state machine", () => {
  test("every legal transition is allowed and recorded", () => {
    for (const [from, to] of LEGAL) {
      expect(canTransition(from, to)).toBe(true);
      const r = rec(from);
      transition(r, to, 42);
      expect(r.state).toBe(to);
      expect(historyEntries(r.history).at(-1)).toEqual({ state: to, at: 42 });
    }
  });

  test("exactly the listed pairs are legal (exhaustive over all 64 pairs)", () => {
    const legal = new Set(LEGAL.map(([a, b]) => `${a}>${b}`));
    const manual = new Set(MANUAL_ONLY.map(([a, b]) => `${a}>${b}`));
    for (const from of TASK_STATES) {
      for (const to of TASK_STATES) {
        const key = `${from}>${to}`;
        expect(canTransition(from, to)).toBe(legal.has(key));
        expect(canTransition(from, to, true)).toBe(legal.has(key) || manual.has(key));
      }
    }
  });

  test("illegal transitions throw StateTransitionError and leave the record untouched", () => {
    const samples: Array<[TaskState, TaskState]> = [
      ["pending", "running"],
      ["pending", "success"],
      ["scheduled", "running"],
      ["queued", "success"],
      ["queued", "queued"],
      ["running", "running"],
      ["running", "scheduled"],
      ["retrying", "running"],
      ["success", "queued"],
      ["success", "failure"],
      ["failure", "running"],
      ["cancelled", "scheduled"],
    ];
    for (const [from, to] of samples) {
      const r = rec(from);
      let caught: unknown;
      try {
        transition(r, to, 1);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(StateTransitionError);
      expect((caught as StateTransitionError).code).toBe("E_ILLEGAL_TRANSITION");
      expect(r.state).toBe(from);
      expect(historyEntries(r.history)).toEqual([{ state: from, at: 0 }]);
    }
  });

  test("failure/cancelled → queued only as a manual retry", () => {
    for (const [from, to] of MANUAL_ONLY) {
      expect(() => transition(rec(from), to, 1)).toThrow(/manual retry/);
      const r = rec(from);
      transition(r, to, 5, { manual: true });
      expect(r.state).toBe("queued");
    }
    // manual does not open anything else
    expect(() => transition(rec("success"), "queued", 1, { manual: true })).toThrow(StateTransitionError);
    expect(() => transition(rec("failure"), "running", 1, { manual: true })).toThrow(StateTransitionError);
  });

  test("isTerminal", () => {
    const terminal = TASK_STATES.filter((s) => isTerminal(s));
    expect(terminal.sort()).toEqual(["cancelled", "failure", "success"]);
  });

  test("history is capped: first entry plus the most recent ones", () => {
    const r = rec("pending");
    transition(r, "queued", 1);
    let t = 2;
    for (let i = 0; i < 1000; i++) {
      transition(r, "running", t++);
      transition(r, "queued", t++);
    }
    const history = historyEntries(r.history);
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(history[0]).toEqual({ state: "pending", at: 0 });
    expect(history.at(-1)).toEqual({ state: "queued", at: t - 1 });
    expect(history[1].at).toBe(t - HISTORY_LIMIT + 1);
    for (let i = 2; i < history.length; i++) {
      expect(history[i].at).toBe(history[i - 1].at + 1);
      expect(history[i].state).toBe(history[i - 1].state === "running" ? "queued" : "running");
    }
  });
});

describe("Deque", () => {
  test("FIFO across growth and wrap-around, both ends", () => {
    const d = new Deque<number>();
    const model: number[] = [];
    let next = 0;
    // Deterministic mixed workload, checked against an array model.
    for (let i = 0; i < 20_000; i++) {
      const op = (i * 7919) % 10;
      if (op < 4) {
        d.pushBack(next);
        model.push(next++);
      } else if (op < 6) {
        d.pushFront(next);
        model.unshift(next++);
      } else if (op < 9) {
        expect(d.popFront()).toBe(model.shift());
      } else {
        expect(d.popBack()).toBe(model.pop());
      }
      expect(d.length).toBe(model.length);
    }
    expect([...d]).toEqual(model);
    expect(d.at(0)).toBe(model[0]);
    expect(d.at(model.length)).toBeUndefined();
  });

  test("shrinks after draining and retain keeps order", () => {
    const d = new Deque<number>();
    for (let i = 0; i < 10_000; i++) d.pushBack(i);
    const grown = d.capacity;
    while (d.length > 10) d.popFront();
    expect(d.capacity).toBeLessThan(grown);
    expect([...d]).toEqual([9990, 9991, 9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999]);
    expect(d.retain((v) => v % 2 === 0)).toBe(5);
    expect([...d]).toEqual([9990, 9992, 9994, 9996, 9998]);
    expect(new Deque<number>().popFront()).toBeUndefined();
  });
});

interface Item {
  id: string;
  name: string;
  priority: Priority;
}
const item = (id: string, name: string, priority: Priority = "normal"): Item => ({ id, name, priority });
const ids = (items: Item[]): string[] => items.map((i) => i.id);

describe("ReadyQueue", () => {
  test("take(..., lowest) returns nothing below that priority and leaves it queued (overtaking takes only what outranks)", () => {
    const q = new ReadyQueue<Item>();
    q.push(item("l", "a", "low"));
    q.push(item("n", "b", "normal"));
    q.push(item("h", "a", "high"));
    expect(q.take(new Set(["a"]), 5, "normal").map((i) => i.id)).toEqual(["h"]);
    expect(q.take(null, 5, "high")).toEqual([]);
    expect(q.take(null, 5, "normal").map((i) => i.id)).toEqual(["n"]);
    expect(q.take(null, 5).map((i) => i.id)).toEqual(["l"]);
  });

  test("strict priority across levels with interleaved pushes", () => {
    const q = new ReadyQueue<Item>();
    q.push(item("l1", "a", "low"));
    q.push(item("n1", "a", "normal"));
    q.push(item("c1", "a", "critical"));
    q.push(item("h1", "a", "high"));
    q.push(item("l2", "a", "low"));
    q.push(item("c2", "a", "critical"));
    q.push(item("n2", "a", "normal"));
    q.push(item("h2", "a", "high"));
    expect(ids(q.take(null, 3))).toEqual(["c1", "c2", "h1"]);
    q.push(item("c3", "a", "critical"));
    expect(ids(q.take(null, 100))).toEqual(["c3", "h2", "n1", "n2", "l1", "l2"]);
    expect(q.size).toBe(0);
  });

  test("FIFO within a level across different names", () => {
    const q = new ReadyQueue<Item>();
    const order = ["a", "b", "a", "c", "c", "b", "a"];
    order.forEach((name, i) => q.push(item(`t${i}`, name)));
    expect(ids(q.take(null, 100))).toEqual(order.map((_, i) => `t${i}`));
    // Taking one at a time follows the same global order.
    order.forEach((name, i) => q.push(item(`u${i}`, name)));
    const one: string[] = [];
    while (q.size > 0) one.push(...ids(q.take(null, 1)));
    expect(one).toEqual(order.map((_, i) => `u${i}`));
  });

  test("take() with a name filter never returns other names and keeps priority among runnable", () => {
    const q = new ReadyQueue<Item>();
    q.push(item("c-x", "x", "critical"));
    q.push(item("h-a", "a", "high"));
    q.push(item("n-b1", "b", "normal"));
    q.push(item("h-x", "x", "high"));
    q.push(item("n-a", "a", "normal"));
    q.push(item("n-b2", "b", "normal"));
    q.push(item("l-a", "a", "low"));

    // A source that registered a and b only: x must never come back, even if higher priority.
    expect(ids(q.take(new Set(["a", "b"]), 2))).toEqual(["h-a", "n-b1"]);
    expect(ids(q.take((name) => name === "b" || name === "a", 10))).toEqual(["n-a", "n-b2", "l-a"]);
    expect(q.take(new Set(["a", "b"]), 10)).toEqual([]);
    expect(q.take(new Set<string>(), 10)).toEqual([]);
    expect(q.take((n) => n === "zzz", 10)).toEqual([]);
    expect(q.size).toBe(2);
    expect(ids(q.take(new Set(["x"]), 10))).toEqual(["c-x", "h-x"]);
  });

  test("filter is consulted per name, not per item", () => {
    const q = new ReadyQueue<Item>();
    for (let i = 0; i < 100; i++) q.push(item(`t${i}`, i % 2 === 0 ? "even" : "odd"));
    const asked: string[] = [];
    const got = q.take((name) => {
      asked.push(name);
      return name === "odd";
    }, 1000);
    expect(got).toHaveLength(50);
    expect(got.every((i) => i.name === "odd")).toBe(true);
    expect(asked.sort()).toEqual(["even", "odd"]);
  });

  test("remove, pushFront and sizes stay exact", () => {
    const q = new ReadyQueue<Item>();
    const a1 = item("a1", "a");
    q.push(a1);
    q.push(item("b1", "b"));
    q.push(item("a2", "a"));
    q.push(item("h1", "a", "high"));
    q.push(item("l1", "b", "low"));
    expect(q.size).toBe(5);
    expect(q.sizeByPriority()).toEqual({ critical: 0, high: 1, normal: 3, low: 1 });

    expect(q.has(a1)).toBe(true);
    expect(q.remove(a1)).toBe(true);
    expect(q.remove(a1)).toBe(false);
    expect(q.has(a1)).toBe(false);
    expect(q.size).toBe(4);
    expect(q.sizeByPriority()).toEqual({ critical: 0, high: 1, normal: 2, low: 1 });

    // A lease-lost task goes to the front of its own level only.
    q.pushFront(item("rq", "b"));
    q.pushFront(item("rq2", "a"));
    expect(q.peek("normal", 10).map((i) => i.id)).toEqual(["rq2", "rq", "b1", "a2"]);
    expect(ids(q.take(null, 10))).toEqual(["h1", "rq2", "rq", "b1", "a2", "l1"]);
    expect(q.size).toBe(0);
    expect(q.sizeByPriority()).toEqual({ critical: 0, high: 0, normal: 0, low: 0 });
    expect(q.namesWaiting()).toEqual([]);
  });

  test("a removed item can be pushed again and keeps only its new position", () => {
    const q = new ReadyQueue<Item>();
    const x = item("x", "a");
    q.push(x);
    q.push(item("y", "a"));
    q.remove(x);
    q.push(x);
    expect(q.size).toBe(2);
    expect([...q].map((i) => i.id)).toEqual(["y", "x"]);
    expect(ids(q.take(null, 10))).toEqual(["y", "x"]);
  });

  test("an item already queued is rejected without corrupting the queue (the task table keeps ids unique)", () => {
    const q = new ReadyQueue<Item>();
    const d = item("d", "a");
    q.push(d);
    let caught: unknown;
    try {
      q.pushFront(d);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FastWorkerError);
    expect((caught as FastWorkerError).code).toBe("E_DUPLICATE_ID");
    expect(q.size).toBe(1);
    expect(q.namesWaiting()).toEqual(["a"]);
    expect(ids(q.take(null, 10))).toEqual(["d"]);
  });

  test("first() is what take(null, 1) would return next, across names and levels, and consumes nothing", () => {
    const q = new ReadyQueue<Item>();
    expect(q.first()).toBeUndefined();
    q.push(item("n1", "a"));
    q.push(item("n2", "b"));
    expect(q.first()?.id).toBe("n1");
    q.pushFront(item("n0", "b"));
    expect(q.first()?.id).toBe("n0"); // pushed to the front of its level: before every older push
    q.push(item("h1", "c", "high"));
    expect(q.first()?.id).toBe("h1");
    expect(q.size).toBe(4);
    for (const expected of ["h1", "n0", "n1", "n2"]) {
      expect(q.first()?.id).toBe(expected);
      expect(q.take(null, 1)[0]?.id).toBe(expected);
    }
    expect(q.first()).toBeUndefined();
  });

  test("peek, namesWaiting and iteration reflect live items in take order", () => {
    const q = new ReadyQueue<Item>();
    const n2 = item("n2", "b");
    q.push(item("n1", "a"));
    q.push(n2);
    q.push(item("c1", "c", "critical"));
    q.push(item("n3", "a"));
    q.remove(n2);
    expect(q.peek("normal", 1).map((i) => i.id)).toEqual(["n1"]);
    expect(q.peek("normal", 10).map((i) => i.id)).toEqual(["n1", "n3"]);
    expect(q.peek("low", 10)).toEqual([]);
    expect(q.namesWaiting().sort()).toEqual(["a", "c"]);
    expect([...q].map((i) => i.id)).toEqual(["c1", "n1", "n3"]);
    expect(q.size).toBe(3); // peeking and iterating consume nothing
  });

  test("mass removal compacts lanes without losing order or size", () => {
    const q = new ReadyQueue<Item>();
    const all = Array.from({ length: 10_000 }, (_, i) => item(`t${i}`, i % 3 === 0 ? "a" : "b"));
    for (const it of all) q.push(it);
    for (let i = 0; i < 10_000; i++) if (i % 5 !== 0) q.remove(all[i]!);
    expect(q.size).toBe(2000);
    const got = ids(q.take(null, Infinity));
    const expected: string[] = [];
    for (let i = 0; i < 10_000; i += 5) expected.push(`t${i}`);
    expect(got).toEqual(expected);
    expect(q.size).toBe(0);
  });

  test("matches a naive model under a random mixed workload", () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const names = ["a", "b", "c", "d"];
    const q = new ReadyQueue<Item>();
    // Model: array of {item, key} where key = [level, seq]; front pushes get decreasing seq.
    const model: Array<{ it: Item; level: number; seq: number }> = [];
    let back = 0;
    let front = 0;
    let n = 0;
    for (let step = 0; step < 20_000; step++) {
      const r = rand();
      if (r < 0.45) {
        const it = item(`m${n++}`, names[Math.floor(rand() * 4)], PRIORITIES[Math.floor(rand() * 4)]);
        const atFront = rand() < 0.1;
        if (atFront) q.pushFront(it);
        else q.push(it);
        model.push({ it, level: PRIORITIES.indexOf(it.priority), seq: atFront ? --front : ++back });
      } else if (r < 0.6 && model.length > 0) {
        const victim = model[Math.floor(rand() * model.length)];
        expect(q.remove(victim.it)).toBe(true);
        model.splice(model.indexOf(victim), 1);
      } else {
        const allowed = new Set(names.filter(() => rand() < 0.6));
        const max = 1 + Math.floor(rand() * 5);
        const expected = model
          .filter((e) => allowed.has(e.it.name))
          .sort((x, y) => x.level - y.level || x.seq - y.seq)
          .slice(0, max);
        const got = q.take(allowed, max);
        expect(ids(got)).toEqual(expected.map((e) => e.it.id));
        for (const e of expected) model.splice(model.indexOf(e), 1);
      }
      expect(q.size).toBe(model.length);
    }
  });

  test("1 000 000 push+take operations keep priority and FIFO order", () => {
    const q = new ReadyQueue<Item>();
    const N = 1_000_000;
    const names = ["a", "b", "c"];
    const lastSeen = new Map<string, number>(); // priority → last index taken
    let pushed = 0;
    let taken = 0;
    const check = (batch: Item[]): void => {
      let prevLevel = -1;
      for (const it of batch) {
        const level = PRIORITIES.indexOf(it.priority);
        // Strict priority within a batch; FIFO within a level across all batches.
        // (Plain throws instead of expect(): a million expect() calls dominate the runtime.)
        if (level < prevLevel) throw new Error(`priority violated at ${it.id}`);
        prevLevel = level;
        const idx = Number(it.id);
        const last = lastSeen.get(it.priority) ?? -1;
        if (idx <= last) throw new Error(`FIFO violated at ${it.id} after ${last}`);
        lastSeen.set(it.priority, idx);
      }
      taken += batch.length;
    };
    while (pushed < N) {
      for (let i = 0; i < 1000 && pushed < N; i++, pushed++) {
        q.push({ id: String(pushed), name: names[pushed % 3], priority: PRIORITIES[(pushed * 7) % 4] });
      }
      check(q.take(null, 600));
    }
    while (q.size > 0) check(q.take(null, 1000));
    expect(taken).toBe(N);
    expect(q.size).toBe(0);
  });
});

describe("DelayedQueue", () => {
  test("pops in due order, ties by insertion, only when due", () => {
    const d = new DelayedQueue();
    d.push("c", 30);
    d.push("a", 10);
    d.push("b1", 20);
    d.push("b2", 20);
    d.push("b3", 20);
    d.push("z", 100);
    expect(d.size).toBe(6);
    expect(d.nextDueAt()).toBe(10);
    expect(d.popDue(9)).toEqual([]);
    expect(d.popDue(20)).toEqual(["a", "b1", "b2", "b3"]);
    expect(d.popDue(1000, 1)).toEqual(["c"]);
    expect(d.nextDueAt()).toBe(100);
    expect(d.popDue(1000)).toEqual(["z"]);
    expect(d.nextDueAt()).toBeUndefined();
    expect(d.size).toBe(0);
  });

  test("remove is exact and skipped lazily; re-push reschedules", () => {
    const d = new DelayedQueue();
    d.push("a", 10);
    d.push("b", 20);
    d.push("c", 30);
    expect(d.remove("a")).toBe(true);
    expect(d.remove("a")).toBe(false);
    expect(d.has("a")).toBe(false);
    expect(d.size).toBe(2);
    expect(d.nextDueAt()).toBe(20);
    d.push("b", 40); // reschedule
    expect(d.size).toBe(2);
    expect(d.popDue(35)).toEqual(["c"]);
    expect(d.popDue(50)).toEqual(["b"]);
    expect(d.size).toBe(0);
  });

  test("rejects NaN due times", () => {
    expect(() => new DelayedQueue().push("x", Number.NaN)).toThrow(FastWorkerError);
  });

  test("heap order holds under a large random workload with removals", () => {
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const d = new DelayedQueue();
    const model = new Map<string, { due: number; seq: number }>();
    let seq = 0;
    for (let i = 0; i < 50_000; i++) {
      const due = Math.floor(rand() * 1000);
      d.push(`t${i}`, due);
      model.set(`t${i}`, { due, seq: seq++ });
    }
    for (let i = 0; i < 50_000; i += 3) {
      d.remove(`t${i}`);
      model.delete(`t${i}`);
    }
    expect(d.size).toBe(model.size);
    const expected = [...model.entries()]
      .sort((a, b) => a[1].due - b[1].due || a[1].seq - b[1].seq)
      .map(([id]) => id);
    const got: string[] = [];
    for (let now = 0; now < 1000; now += 50) got.push(...d.popDue(now + 49));
    expect(got).toEqual(expected);
    expect(d.size).toBe(0);
  });
});

describe("computeBackoffMs", () => {
  const policy = { baseMs: 100, factor: 2, maxMs: 10_000, jitter: 0 };

  test("exponential growth and cap", () => {
    expect([1, 2, 3, 4, 5].map((a) => computeBackoffMs(a, policy))).toEqual([100, 200, 400, 800, 1600]);
    expect(computeBackoffMs(7, policy)).toBe(6400);
    expect(computeBackoffMs(8, policy)).toBe(10_000);
    expect(computeBackoffMs(10_000, policy)).toBe(10_000); // overflow to Infinity is capped
    expect(computeBackoffMs(5, { ...policy, factor: 1 })).toBe(100);
  });

  test("jitter stays within ±fraction, never negative, never above maxMs", () => {
    const j = { ...policy, jitter: 0.5 };
    expect(computeBackoffMs(3, j, () => 0)).toBe(200); // 400 − 50 %
    expect(computeBackoffMs(3, j, () => 0.5)).toBe(400);
    expect(computeBackoffMs(3, j, () => 0.999999)).toBe(600); // ≈ 400 + 50 %
    // Capped nominal: upward jitter is clamped to maxMs.
    expect(computeBackoffMs(20, j, () => 0.999999)).toBe(10_000);
    expect(computeBackoffMs(20, j, () => 0)).toBe(5_000);
    // Full jitter can reach 0 but not below.
    expect(computeBackoffMs(1, { ...policy, jitter: 1 }, () => 0)).toBe(0);
    for (let i = 0; i < 1000; i++) {
      const r = i / 1000;
      const v = computeBackoffMs(1 + (i % 12), { ...policy, jitter: 1 }, () => r);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(10_000);
      expect(Number.isInteger(v)).toBe(true);
    }
  });

  test("rejects invalid input with typed errors", () => {
    expect(() => computeBackoffMs(0, policy)).toThrow(FastWorkerError);
    expect(() => computeBackoffMs(1.5, policy)).toThrow(FastWorkerError);
    expect(() => computeBackoffMs(1, { ...policy, jitter: 2 })).toThrow(ConfigError);
    expect(() => computeBackoffMs(1, { ...policy, factor: 0.5 })).toThrow(ConfigError);
    expect(() => computeBackoffMs(1, { ...policy, baseMs: -1 })).toThrow(ConfigError);
    expect(() => computeBackoffMs(1, { ...policy, maxMs: Infinity })).toThrow(ConfigError);
  });
});
