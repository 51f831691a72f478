/** When a Worker's results travel together and when they must go at once (src/pool/result-batch.ts). */
import { describe, expect, test } from "bun:test";
import { encodeJob, joinJobs, type FromWorker, type ResultMessage } from "../../src/pool/messages.ts";
import { FAST_JOB_MS, MAX_HELD_MS, MAX_HELD_RESULTS, ResultBatch } from "../../src/pool/result-batch.ts";
import { SharedJobState } from "../../src/pool/shared-state.ts";
import { WorkerRuntime } from "../../src/pool/worker-runtime.ts";
import { task, type TaskDefinition } from "../../src/tasks/definition.ts";

function ok(seq: number): ResultMessage {
  return { t: "ok", seq, result: seq, startedAt: 0, finishedAt: 0 };
}

/** Each message posted, as the seqs it carries: [3] for one result, [3, 4] for a batch of two. */
function shapes(posted: readonly FromWorker[]): number[][] {
  return posted.map((message) => (message.t === "results" ? message.list.map((r) => r.seq) : "seq" in message ? [message.seq] : []));
}

function batchWithClock() {
  const posted: FromWorker[] = [];
  const clock = { ms: 0 };
  const batch = new ResultBatch((message) => posted.push(message), () => clock.ms);
  return { posted, clock, batch };
}

describe("ResultBatch", () => {
  test("holds results while the loop runs on to short jobs, and posts them in order as one message when it stops", () => {
    const { posted, batch } = batchWithClock();
    batch.ran("add", FAST_JOB_MS / 10);
    for (const seq of [1, 2, 3]) {
      batch.beforeStart("add");
      batch.add(ok(seq), true);
    }
    expect(posted).toHaveLength(0);
    batch.flush();
    expect(shapes(posted)).toEqual([[1, 2, 3]]);
    batch.flush(); // nothing held: nothing posted
    expect(posted).toHaveLength(1);
  });

  test("a lone result goes as itself, not as a batch of one", () => {
    const { posted, batch } = batchWithClock();
    batch.add(ok(7), true);
    batch.flush();
    expect(posted).toEqual([ok(7)]);
  });

  test("before a job not known to be short (never ran here, ran long, or async), what is held is posted first", () => {
    const { posted, batch } = batchWithClock();
    batch.ran("short", 0);
    batch.ran("long", FAST_JOB_MS);
    batch.ran("async", Infinity);
    for (const [seq, next] of [[1, "never-ran"], [2, "long"], [3, "async"]] as const) {
      batch.add(ok(seq), true);
      batch.beforeStart("short");
      expect(batch.held).toBe(1);
      batch.beforeStart(next);
      expect(batch.held).toBe(0);
    }
    expect(shapes(posted)).toEqual([[1], [2], [3]]);
  });

  test("nothing is held longer than MAX_HELD_MS nor more than MAX_HELD_RESULTS at once", () => {
    const { posted, clock, batch } = batchWithClock();
    batch.ran("add", 0);
    batch.add(ok(1), true);
    clock.ms += MAX_HELD_MS / 2;
    batch.beforeStart("add");
    expect(batch.held).toBe(1);
    clock.ms += MAX_HELD_MS / 2;
    batch.beforeStart("add");
    expect(shapes(posted)).toEqual([[1]]);
    for (let seq = 0; seq < MAX_HELD_RESULTS; seq++) batch.add(ok(seq), true);
    expect(posted).toHaveLength(2);
    expect(shapes(posted)[1]).toHaveLength(MAX_HELD_RESULTS);
    expect(batch.held).toBe(0);
  });

  test("a result that ends outside the loop is posted at once, after what was held (order kept)", () => {
    const { posted, batch } = batchWithClock();
    batch.add(ok(1), true);
    batch.add(ok(2), true);
    batch.add(ok(3), false);
    expect(shapes(posted)).toEqual([[1, 2], [3]]);
  });
});

describe("WorkerRuntime with batched results", () => {
  function runtimeOf(...definitions: TaskDefinition<never, unknown>[]) {
    const posted: FromWorker[] = [];
    const lookup = new Map(definitions.map((d) => [d.name, d as TaskDefinition<unknown[], unknown>]));
    const runtime = new WorkerRuntime(lookup, new SharedJobState(), (message) => posted.push(message));
    const send = (jobs: Array<[seq: number, name: string, args: unknown[]]>) =>
      runtime.handle({ t: "jobs", data: joinJobs(jobs.map(([seq, name, args]) => encodeJob(seq, name, 2, args, undefined))) });
    return { posted, send };
  }

  test("short synchronous jobs in one message from the pool come back in fewer messages, every result once and in order", () => {
    const { posted, send } = runtimeOf(task("add", (a: number, b: number) => a + b));
    send([[1, "add", [1, 1]]]); // its first run: from now on "add" is known to be short
    const before = posted.length;
    send(Array.from({ length: 20 }, (_, i) => [i + 2, "add", [i, i]] as [number, string, unknown[]]));
    const messages = shapes(posted.slice(before));
    expect(messages.flat()).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(messages.length).toBeLessThan(20);
  });

  test("a job of a task that never ran in this Worker starts only once the results before it were posted", () => {
    const seenAtStart: number[] = [];
    const { posted, send } = runtimeOf(
      task("add", (a: number, b: number) => a + b),
      task("first-time", () => seenAtStart.push(shapes(posted).flat().length)),
    );
    send([[1, "add", [0, 0]]]);
    send([[2, "add", [1, 1]], [3, "add", [2, 2]], [4, "first-time", []]]);
    // By the time first-time ran, all three add results had been posted: a block there could not lose them.
    expect(seenAtStart).toEqual([3]);
    expect(shapes(posted).flat()).toEqual([1, 2, 3, 4]);
  });

  test("an async handler's result is posted when it settles, and results are never held for an async job", async () => {
    const seenAtStart: number[] = [];
    let release: () => void = () => {};
    const { posted, send } = runtimeOf(
      task("add", (a: number, b: number) => a + b),
      task("wait", () => {
        seenAtStart.push(shapes(posted).flat().length);
        return new Promise<void>((resolve) => (release = resolve));
      }),
    );
    send([[1, "add", [0, 0]]]);
    send([[2, "add", [1, 1]], [3, "wait", []]]);
    expect(seenAtStart).toEqual([2]);
    release();
    await Promise.resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(shapes(posted).flat()).toEqual([1, 2, 3]);
  });
});
