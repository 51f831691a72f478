/** Pool building blocks tested on the main thread, without spawning Workers. */
import { describe, expect, test } from "bun:test";
import { NonRetryable, RetryLater } from "../../src/errors.ts";
import { executeJob, type DefinitionLookup } from "../../src/pool/execute.ts";
import { toJsonValue } from "../../src/pool/json-result.ts";
import { MAX_JSON_DEPTH } from "../../src/protocol/limits.ts";
import { decodeJobs, encodeJob, joinJobs, type FromWorker, type ResultMessage, type WireJob } from "../../src/pool/messages.ts";
import { PriorityFifo } from "../../src/pool/priority-fifo.ts";
import { respawnDelayMs } from "../../src/pool/respawn-backoff.ts";
import { SharedJobState } from "../../src/pool/shared-state.ts";
import { WorkerRuntime } from "../../src/pool/worker-runtime.ts";
import { task, type TaskDefinition } from "../../src/tasks/definition.ts";

function lookup(...definitions: TaskDefinition<never, unknown>[]): DefinitionLookup {
  return new Map(definitions.map((definition) => [definition.name, definition as TaskDefinition<unknown[], unknown>]));
}

function wireJob(seq: number, name: string, args: unknown[] = [], rank = 2): WireJob {
  return { seq, name, rank, args };
}

/** The seqs of every result posted, in order, whether each came alone or in a `results` batch. */
function resultSeqs(posted: readonly FromWorker[]): number[] {
  return posted.flatMap((message) => (message.t === "results" ? message.list : "seq" in message ? [message] : [])).map((result) => result.seq);
}

describe("PriorityFifo", () => {
  test("orders by rank, FIFO within a rank, with lazy removal and push-front", () => {
    const queue = new PriorityFifo<string>();
    queue.push("low-1", 3);
    queue.push("normal-1", 2);
    queue.push("low-2", 3);
    queue.push("critical-1", 0);
    queue.push("normal-2", 2);
    queue.remove("normal-1");
    queue.pushFront("normal-0", 2);
    expect(queue.size).toBe(5);
    expect(queue.drain()).toEqual(["critical-1", "normal-0", "normal-2", "low-1", "low-2"]);
    expect(queue.size).toBe(0);
    expect(queue.shift()).toBeUndefined();
  });

  test("stays correct across many pushes and shifts", () => {
    const queue = new PriorityFifo<number>();
    let expected = 0;
    for (let i = 0; i < 5000; i++) {
      queue.push(i, 1);
      if (i % 3 === 2) {
        expect(queue.shift()).toBe(expected++);
        expect(queue.shift()).toBe(expected++);
      }
    }
    while (queue.size > 0) expect(queue.shift()).toBe(expected++);
    expect(expected).toBe(5000);
  });
});

describe("toJsonValue", () => {
  test("keeps JSON values and normalises the rest the way JSON does", () => {
    expect(toJsonValue(3)).toEqual({ ok: true, value: 3 });
    expect(toJsonValue(undefined)).toEqual({ ok: true, value: null });
    expect(toJsonValue({ a: [1, "x", null, undefined], b: undefined, d: new Date(0) })).toEqual({
      ok: true,
      value: { a: [1, "x", null, null], d: "1970-01-01T00:00:00.000Z" },
    });
    const shared = { n: 1 };
    expect(toJsonValue({ left: shared, right: shared })).toEqual({ ok: true, value: { left: { n: 1 }, right: { n: 1 } } });
  });

  test("explains where a value is not JSON", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.me = cyclic;
    const cases: Array<[unknown, string]> = [
      [Number.NaN, "result is NaN"],
      [{ a: [1, 2n] }, "result.a[1] is a bigint"],
      [{ f: () => 1 }, "result.f is a function"],
      [new Set([1]), "result is a Set"],
      [{ p: Promise.resolve(1) }, "did you forget to await it?"],
      [new Uint8Array(2), "result is binary data"],
      [cyclic, "result.me is a circular reference"],
    ];
    for (const [value, reason] of cases) {
      const converted = toJsonValue(value);
      expect(converted.ok).toBe(false);
      if (!converted.ok) expect(converted.reason).toContain(reason);
    }
  });

  test("accepts a result as deep as the protocol's bound and refuses one level more, so a report never carries it", () => {
    const nest = (levels: number): unknown => {
      let value: unknown = [];
      for (let i = 1; i < levels; i++) value = [value];
      return value;
    };
    expect(toJsonValue(nest(MAX_JSON_DEPTH)).ok).toBe(true);
    const converted = toJsonValue(nest(MAX_JSON_DEPTH + 1));
    expect(converted.ok).toBe(false);
    if (!converted.ok) expect(converted.reason).toContain(`nests deeper than ${MAX_JSON_DEPTH} levels`);
  });
});

describe("respawnDelayMs", () => {
  test("grows exponentially from 100 ms and caps at 30 s", () => {
    expect([1, 2, 3, 4].map(respawnDelayMs)).toEqual([100, 200, 400, 800]);
    expect(respawnDelayMs(50)).toBe(30_000);
  });
});

describe("SharedJobState", () => {
  test("reports the running jobs and their start times", () => {
    const epoch = Date.now() - 1000;
    const worker = new SharedJobState(undefined, epoch);
    const pool = new SharedJobState(worker.buffer, epoch);
    expect(pool.runningCount()).toBe(0);
    const first = worker.markStarted(7, epoch + 500);
    const second = worker.markStarted(8, epoch + 600);
    expect([first, second]).toEqual([0, 1]);
    expect(pool.runningCount()).toBe(2);
    expect(pool.running(epoch + 800)).toEqual(new Map([[7, epoch + 500], [8, epoch + 600]]));
    worker.markFinished(first);
    expect(pool.running(epoch + 800)).toEqual(new Map([[8, epoch + 600]]));
    // The lowest free pair is reused first, so the pool's scans stay short.
    expect(worker.markStarted(9, epoch + 700)).toBe(0);
    worker.markFinished(0);
    worker.markFinished(second);
    expect(pool.runningCount()).toBe(0);
    expect(pool.running(epoch + 900).size).toBe(0);
  });

  test("a cancel requested before start makes the Worker skip the job", () => {
    const worker = new SharedJobState();
    const pool = new SharedJobState(worker.buffer, worker.epoch);
    expect(pool.requestCancel(9)).toBe(false);
    expect(worker.markStarted(9, Date.now())).toBe(-1);
    expect(pool.runningCount()).toBe(0);
    expect(worker.markStarted(10, Date.now())).toBeGreaterThanOrEqual(0);
    expect(pool.requestCancel(10)).toBe(true);
  });

  test("counts posted messages so the Worker knows when more are on the way", () => {
    const state = new SharedJobState();
    expect(state.messagesInFlight(0)).toBe(0);
    state.notePosted();
    state.notePosted();
    expect(state.messagesInFlight(1)).toBe(1);
    expect(state.messagesInFlight(2)).toBe(0);
  });
});

describe("job encoding", () => {
  test("round-trips jobs and rejects args that are not JSON", () => {
    const data = joinJobs([encodeJob(1, "add", 2, [1, 2], undefined), encodeJob(2, "echo", 0, [{ a: 1 }], "00-abc-def-01")]);
    expect(decodeJobs(data)).toEqual([
      { seq: 1, name: "add", rank: 2, args: [1, 2] },
      { seq: 2, name: "echo", rank: 0, args: [{ a: 1 }], traceparent: "00-abc-def-01" },
    ]);
    expect(() => encodeJob(3, "x", 2, [1n], undefined)).toThrow(TypeError);
  });
});

describe("executeJob", () => {
  const definitions = lookup(
    task("sum", (a: number, b: number) => a + b),
    task("later", async () => ({ done: true })),
    task("retry", () => {
      throw new RetryLater(1500);
    }),
    task("stop", () => {
      throw new NonRetryable("no");
    }),
    task("foreignRetry", () => {
      // A RetryLater from another copy of errors.ts: recognised by name.
      const error = Object.assign(new Error("again"), { name: "RetryLater", delayMs: 20 });
      throw error;
    }),
  );

  test("returns synchronous results without a promise", () => {
    const result = executeJob(definitions, wireJob(1, "sum", [2, 3]), 1000);
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toMatchObject({ t: "ok", seq: 1, result: 5, startedAt: 1000 });
  });

  test("sends object results as JSON text", async () => {
    const result = await executeJob(definitions, wireJob(2, "later"), 1000);
    expect(result).toMatchObject({ t: "okj", seq: 2, json: '{"done":true}' });
  });

  test("classifies failures", () => {
    const retry = executeJob(definitions, wireJob(3, "retry"), 0) as ResultMessage;
    expect(retry).toMatchObject({ t: "err", code: "E_TASK_FAILED", retry: 1500 });
    expect(executeJob(definitions, wireJob(4, "stop"), 0)).toMatchObject({ t: "err", retry: "never", message: "NonRetryable: no" });
    expect(executeJob(definitions, wireJob(5, "foreignRetry"), 0)).toMatchObject({ t: "err", retry: 20 });
    expect(executeJob(definitions, wireJob(6, "missing"), 0)).toMatchObject({ t: "err", code: "E_UNKNOWN_TASK", retry: "never" });
  });
});

describe("WorkerRuntime", () => {
  test("runs queued jobs by priority and skips cancelled ones", () => {
    const order: string[] = [];
    const definitions = lookup(task("note", (label: string) => order.push(label)));
    const posted: FromWorker[] = [];
    const state = new SharedJobState();
    const runtime = new WorkerRuntime(definitions, state, (message) => posted.push(message));
    // Announce two messages so the runtime waits for both before picking a job.
    state.notePosted();
    state.notePosted();
    const jobs = [wireJob(1, "note", ["low"], 3), wireJob(2, "note", ["cancelled"], 2), wireJob(3, "note", ["normal"], 2)];
    runtime.handle({ t: "jobs", data: joinJobs(jobs.map((job) => encodeJob(job.seq, job.name, job.rank, job.args, undefined))) });
    expect(order).toEqual([]);
    expect(runtime.queued).toBe(3);
    runtime.handle({ t: "cancel", seq: 2 });
    expect(order).toEqual(["normal", "low"]);
    expect(resultSeqs(posted)).toEqual([3, 1]);
    expect(state.runningCount()).toBe(0);
  });
});
