// The dashboard's task index (src/control-plane/task-index.ts): it agrees with a full scan of the
// task table through every kind of change, and /api/tasks stays bounded with 200 000 queued tasks.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { OrderedBlocks } from "../../src/control-plane/ordered-blocks.ts";
import { SEARCH_WINDOW, taskIndexOf, type IndexQuery } from "../../src/control-plane/task-index.ts";
import { TaskTable } from "../../src/control-plane/task-table.ts";
import type { TaskEntry } from "../../src/control-plane/task-entry.ts";
import { startHistory } from "../../src/model/state-history.ts";
import { TASK_STATES, type TaskState } from "../../src/model/task-state.ts";
import type { Priority } from "../../src/model/priority.ts";
import type { TaskSpec } from "../../src/protocol/index.ts";
import type { TaskListJson } from "../../src/server/api-types.ts";
import { startInProcess, type InProcess } from "./fixture.ts";

const NAMES = ["alpha", "beta", "gamma"];
const PRIORITIES: Priority[] = ["critical", "high", "normal", "low"];

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let admitted = 0;
function entry(id: string, name: string, priority: Priority, now: number, dueAt?: number): TaskEntry {
  return {
    seq: admitted++,
    id, name, args: [], priority, state: "pending", history: startHistory("pending", now), attempts: 0, maxRetries: 1,
    backoff: { baseMs: 5, factor: 1, maxMs: 5, jitter: 0 }, submittedAt: now, ...(dueAt !== undefined ? { dueAt } : {}),
  };
}

interface Row { id: string; name: string; priority: Priority; status: TaskState; at: number; seq: number }

/** What the index must agree with: every live entry and every unexpired cached result, filtered and sorted one by one. */
function scan(table: TaskTable, query: IndexQuery): { ids: string[]; total: number; truncated: boolean } {
  const rows: Row[] = [];
  for (const e of table.live.values()) rows.push({ id: e.id, name: e.name, priority: e.priority, status: e.state, at: e.submittedAt, seq: e.seq });
  for (const [, e] of table.results.entries("newest")) rows.push({ id: e.id, name: e.name, priority: e.priority, status: e.state, at: e.submittedAt, seq: e.seq });
  const base = rows
    .filter((r) => (!query.status || r.status === query.status) && (!query.name || r.name === query.name))
    .sort((a, b) => b.at - a.at || b.seq - a.seq);
  const searched = query.q !== undefined || query.priority !== undefined;
  const window = searched ? base.slice(0, SEARCH_WINDOW) : base;
  let matches = window.filter((r) => (!query.priority || r.priority === query.priority) &&
    (!query.q || r.id.toLowerCase().includes(query.q) || r.name.toLowerCase().includes(query.q)));
  if (query.sort === "oldest") matches = matches.reverse();
  return { ids: matches.slice(query.offset, query.offset + query.limit).map((r) => r.id), total: matches.length, truncated: window.length < base.length };
}

describe("ordered blocks", () => {
  test("match a sorted array through random inserts and removes, with blocks small enough to split and merge often", () => {
    const rand = random(7);
    const blocks = new OrderedBlocks<{ k: number }>((a, b) => a.k - b.k, 8);
    const model: Array<{ k: number }> = [];
    for (let step = 0; step < 20_000; step++) {
      if (model.length === 0 || rand() < 0.55) {
        // Mostly appends past the end (new tasks), some in the middle (a task entering a state late).
        const item = { k: rand() < 0.5 ? step * 10 : Math.floor(rand() * step * 10) + 0.5 + rand() * 0.1 };
        blocks.insert(item);
        model.push(item);
        model.sort((a, b) => a.k - b.k);
      } else {
        const at = rand() < 0.4 ? 0 : Math.floor(rand() * model.length);
        expect(blocks.remove(model[at]!)).toBe(true);
        model.splice(at, 1);
      }
      if (step % 97 === 0) {
        expect(blocks.size).toBe(model.length);
        const offset = Math.floor(rand() * (model.length + 2));
        expect(blocks.slice(offset, 7, false)).toEqual(model.slice(offset, offset + 7));
        expect(blocks.slice(offset, 7, true)).toEqual([...model].reverse().slice(offset, offset + 7));
      }
    }
    expect(blocks.remove({ k: -1 })).toBe(false);
    expect(blocks.slice(0, model.length + 1, false)).toEqual(model);
  });

  test("a shrunken block merges into the previous one when the next is full", () => {
    const blocks = new OrderedBlocks<number>((a, b) => a - b, 8);
    const keys = [...Array.from({ length: 26 }, (_, i) => i), 16.1, 16.2, 16.3, 16.4, 16.5, 16.6]; // blocks 0-7, 8-15, then 16 items
    for (const k of keys) blocks.insert(k);
    for (let k = 8; k <= 14; k++) expect(blocks.remove(k)).toBe(true);
    const left = keys.filter((k) => k < 8 || k > 14).sort((a, b) => a - b);
    expect(blocks.slice(0, 100, false)).toEqual(left);
    expect(blocks.slice(3, 100, true)).toEqual([...left].reverse().slice(3));
  });
});

describe("task index", () => {
  test("agrees with a full scan through submits, runs, retries, failures, cancels, revivals, evictions and expiry", () => {
    let now = 1_000_000;
    const table = new TaskTable({ resultCacheSize: 400, resultCacheTtlMs: 60_000, now: () => now });
    const rand = random(14);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
    // Some tasks exist before the index does: it starts from what the table holds.
    for (let i = 0; i < 50; i++) table.admit(entry(`pre-${i}`, pick(NAMES), pick(PRIORITIES), ++now));
    for (const e of table.take(null, 20)) {
      table.start(e, "w0");
      table.complete(e.id, { id: e.id, attempt: 1, startedAt: now, finishedAt: now, ok: false, error: { code: "E_TASK_FAILED", message: "no" }, retry: "never" });
    }
    expect(table.results.size).toBe(20);
    const index = taskIndexOf(table);
    expect(taskIndexOf(table)).toBe(index);
    const running: TaskEntry[] = [];
    let submitted = 0;
    let checks = 0;
    const compare = () => {
      for (const status of [undefined, ...TASK_STATES.filter((s) => s !== "pending")]) {
        for (const name of [undefined, ...NAMES]) {
          const sort = rand() < 0.5 ? "newest" : "oldest";
          const offset = pick([0, 0, 3, 40, 1000]);
          const queries: IndexQuery[] = [
            { sort, limit: 25, offset, ...(status ? { status } : {}), ...(name ? { name } : {}) },
            { sort, limit: 25, offset: 0, q: pick(["a-1", "7", "et", "pre"]), ...(status ? { status } : {}) },
            { sort, limit: 25, offset: 0, priority: pick(PRIORITIES), ...(name ? { name } : {}) },
          ];
          for (const query of queries) {
            const page = index.query(query);
            const expected = scan(table, query);
            expect({ ids: page.tasks.map((t) => t.id), total: page.total, truncated: page.truncated === true }, JSON.stringify(query)).toEqual(expected);
            checks++;
          }
        }
      }
      const counts = index.counts();
      for (const state of TASK_STATES) {
        const live = [...table.live.values()].filter((e) => e.state === state).length;
        const cached = [...table.results.entries("newest")].filter(([, e]) => e.state === state).length;
        expect(counts[state], state).toBe(live + cached);
      }
      expect(index.size).toBe(table.live.size + table.results.size);
    };
    for (let step = 0; step < 6000; step++) {
      now += rand() < 0.8 ? 1 : 7; // distinct submission times (ties are ordered by admission, checked below)
      const roll = rand();
      if (roll < 0.4) {
        const due = rand() < 0.15 ? now + 1 + Math.floor(rand() * 30) : undefined;
        table.admit(entry(`t${submitted++}-${pick(NAMES)}`, pick(NAMES), pick(PRIORITIES), now, due));
      } else if (roll < 0.55) {
        for (const e of table.take(null, 1 + Math.floor(rand() * 3))) {
          table.start(e, "w1");
          running.push(e);
        }
      } else if (roll < 0.7 && running.length > 0) {
        const e = running.splice(Math.floor(rand() * running.length), 1)[0]!;
        const ok = rand() < 0.6;
        const done = { id: e.id, attempt: e.attempts, startedAt: now, finishedAt: now };
        table.complete(e.id, ok ? { ...done, ok: true, result: e.id }
          : { ...done, ok: false, error: { code: "E_TASK_FAILED", message: "no" }, retry: rand() < 0.5 ? "policy" : "never" });
      } else if (roll < 0.78) {
        const ids = [...table.live.keys()];
        if (ids.length > 0) {
          const id = pick(ids);
          const i = running.findIndex((e) => e.id === id);
          if (i >= 0) running.splice(i, 1);
          table.cancel(id);
        }
      } else if (roll < 0.84) {
        table.promoteDue();
      } else if (roll < 0.88 && running.length > 0) {
        table.requeueLost(running.pop()!);
      } else if (roll < 0.92) {
        const failed = [...table.results.entries("newest")].find(([, e]) => e.state === "failure" || e.state === "cancelled");
        // As ControlPlane.retry builds it: a fresh entry (new submission time) in the state it ends.
        if (failed) table.revive({ ...entry(failed[0], failed[1].name, failed[1].priority, now), state: failed[1].state });
      } else if (roll < 0.95) {
        const cached = [...table.results.entries("oldest")];
        if (cached.length > 0) table.results.delete(pick(cached)[0]); // the dashboard's "clean"
      } else if (roll < 0.953) {
        now += 61_000; // every cached result expires
        table.sweep();
      }
      if (step % 500 === 499) compare();
    }
    compare();
    expect(checks).toBeGreaterThan(1000);
    expect(submitted).toBeGreaterThan(2000);
  });

  test("tasks submitted in the same millisecond keep their admission order", () => {
    const table = new TaskTable({ resultCacheSize: 100, resultCacheTtlMs: 60_000, now: () => 5 });
    const index = taskIndexOf(table);
    for (const id of ["z", "a", "m", "b"]) table.admit(entry(id, "alpha", "normal", 5));
    expect(index.query({ sort: "oldest", limit: 10, offset: 0 }).tasks.map((t) => t.id)).toEqual(["z", "a", "m", "b"]);
    expect(index.query({ sort: "newest", limit: 2, offset: 1, status: "queued" }).tasks.map((t) => t.id)).toEqual(["m", "a"]);
  });
});

describe("/api/tasks with many queued tasks", () => {
  let d: InProcess;
  beforeAll(async () => {
    d = await startInProcess({}, 1);
  });
  afterAll(async () => {
    await d.stop();
  });

  const queue = async (count: number, tag: string) => {
    for (let done = 0; done < count; done += 10_000) {
      const specs: TaskSpec[] = [];
      for (let i = done; i < Math.min(count, done + 10_000); i++) specs.push({ id: padded(tag, i), name: "add", args: [i, 1] });
      const replies = await d.cp.submit(specs);
      expect(replies.every((r) => r.error === undefined)).toBe(true);
    }
  };
  const PATHS = ["/api/tasks?limit=50", "/api/tasks?limit=50&status=queued", "/api/tasks?limit=50&name=add&sort=oldest&offset=1000",
    "/api/tasks?limit=50&status=queued&name=add&offset=100", "/api/tasks?limit=50&q=q-001", "/api/tasks?limit=50&priority=normal",
    // What the event stream's snapshots compute every second (status, workers, queues), and the cache panel.
    "/api/status", "/api/workers", "/api/queues", "/api/cache"];
  /** Median over a few rounds of every path, in ms (medians: the machine is shared and noisy). */
  const timeRequests = async (): Promise<number> => {
    const times: number[] = [];
    for (let round = 0; round < 7; round++) {
      const started = performance.now();
      for (const path of PATHS) {
        const response = await d.call(path);
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[3]!;
  };

  test("answers 200 000 queued tasks in about the time it answers 2 000 (so do the per-second snapshots), and search examines a bounded window", async () => {
    // One long task holds the only Worker, so everything after it stays queued.
    const [blocker] = await d.cp.submit([{ id: "blocker", name: "sleep", args: [30_000] }]);
    expect(blocker?.error).toBeUndefined();
    await queue(2_000, "q");
    await timeRequests(); // warm-up
    const small = await timeRequests();
    await queue(198_000, "r");
    const large = await timeRequests();
    const index = taskIndexOf(d.cp.table);

    const plain = await d.json<TaskListJson>("/api/tasks?limit=50&status=queued&offset=197980");
    expect(plain.body.total).toBe(200_000);
    expect(plain.body.tasks.map((t) => t.task_id)).toEqual(Array.from({ length: 50 }, (_, i) => expectedNewest(197_980 + i)));
    expect(index.lastExamined).toBe(0);
    const searched = await d.json<TaskListJson>("/api/tasks?limit=50&q=q-001");
    expect(index.lastExamined).toBe(SEARCH_WINDOW);
    expect(searched.body.truncated).toBe(true);
    expect(searched.body.total).toBe(0); // the "q-" tasks are the oldest, outside the newest 10 000
    const all = await d.json<TaskListJson>("/api/tasks?limit=50");
    expect(all.body.total).toBe(200_001);
    expect(all.body.tasks[0]!.task_id).toBe(padded("r", 197_999));

    // A scan grows 100-fold here; the index stays within a small factor (noise, GC, a bigger heap).
    console.log(`/api/tasks rounds: ${small.toFixed(1)} ms at 2 000 queued, ${large.toFixed(1)} ms at 200 000`);
    expect(large / small).toBeLessThan(8);
    d.cp.cancel("blocker");
  }, 120_000);
});

/** Zero-padded, so the ids' order is also their submission order (readable expectations). */
const padded = (tag: string, i: number) => `${tag}-${String(i).padStart(6, "0")}`;

/** The id at `offset` from the newest of the 200 000 queued tasks: "r-197999" … "r-000000", then "q-001999" … "q-000000". */
function expectedNewest(offset: number): string {
  return offset < 198_000 ? padded("r", 197_999 - offset) : padded("q", 1_999 - (offset - 198_000));
}
