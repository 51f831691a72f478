import { afterAll, describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { TaskError } from "../../src/errors.ts";
import { ReqSocket } from "../../src/nng/index.ts";
import { decodeReply, DEFAULT_MAX_FRAME_BYTES, encodeEvents, encodeFrame, encodeResults, type TaskRecord } from "../../src/protocol/index.ts";
import { startControlPlane } from "../helpers/control-plane.ts";
import { killAll } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);
const MiB = 1024 * 1024;
const modules = "test/fixtures/result-size-tasks.ts";

describe("results that do not fit a reply frame", () => {
  test("a result too large for a reply fails its task with E_RESULT_TOO_LARGE naming size and limit; the connection and its neighbours are unharmed", async () => {
    const { address } = await startControlPlane(["--concurrency", "2"], modules);
    const client = await new Client({ address, connectTimeoutMs: 5000 }).start();
    // 17 MiB: over the 16 MiB frame limit (this reached the client as NNG_ECONNRESET before).
    const [error, small] = await Promise.all([client.submit("blob", [17 * MiB]).catch((e: unknown) => e), client.submit("echo", [7])]);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).code).toBe("E_RESULT_TOO_LARGE");
    expect((error as TaskError).message).toContain(String(17 * MiB + 2)); // the encoded size: the string and its quotes
    expect((error as TaskError).message).toContain(String(DEFAULT_MAX_FRAME_BYTES));
    expect(small).toBe(7);
    // Just under the frame limit by itself, over it with the record around it: refused the same way, not sent.
    const near = await client.submit("blob", [DEFAULT_MAX_FRAME_BYTES - 100]).catch((e: unknown) => e);
    expect((near as TaskError).code).toBe("E_RESULT_TOO_LARGE");
    // The stored record says so too (the dashboard and a later result() see the failure).
    const id = await client.enqueue("blob", [17 * MiB]);
    const record = await client.result(id, { wait: true });
    expect(record).toMatchObject({ status: "failure", error: { code: "E_RESULT_TOO_LARGE" } });
    expect(record.result).toBeUndefined();
    const big = (await client.submit("blob", [6 * MiB])) as string;
    expect(big.length).toBe(6 * MiB);
    await client.stop();
  });

  test("many large results are delivered over several replies, none over the frame limit", async () => {
    const { address } = await startControlPlane(["--concurrency", "4"], modules);
    const client = await new Client({ address, connectTimeoutMs: 5000 }).start();
    // Four 6 MiB results finishing together owe 24 MiB to one outbox: collect takes them in turns.
    const results = (await Promise.all(Array.from({ length: 4 }, () => client.submit("blob", [6 * MiB])))) as string[];
    expect(results.map((r) => r.length)).toEqual([6 * MiB, 6 * MiB, 6 * MiB, 6 * MiB]);

    // A plain lookup of three finished 6 MiB tasks through a raw socket: the reply holds what fits, the rest on asking again.
    const ids = await Promise.all(Array.from({ length: 3 }, () => client.enqueue("blob", [6 * MiB])));
    await waitFor(async () => (await Promise.all(ids.map((id) => client.result(id)))).every((r) => r.status === "success"), { message: "the three tasks to finish" });
    const raw = new ReqSocket({ recvMaxSize: DEFAULT_MAX_FRAME_BYTES }).dial(address);
    const ask = async (wanted: string[]) => {
      const bytes = await raw.request(encodeFrame({ v: 1, type: "result", ids: wanted }), { timeoutMs: 10_000 });
      expect(bytes.byteLength).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES);
      const reply = decodeReply(bytes);
      if (reply.type !== "results") throw new Error(`unexpected reply ${reply.type}`);
      return reply;
    };
    const first = await ask(ids);
    expect(first.missing).toEqual([]);
    expect(first.results.map((r) => r.taskId)).toEqual(ids.slice(0, 2));
    const second = await ask(ids.filter((id) => !first.results.some((r) => r.taskId === id)));
    expect(second.results.map((r) => r.taskId)).toEqual([ids[2]!]);

    // A watch of the same three finished tasks: their final events (with the records) come over two replies.
    const watch = async (adding: string[]) => {
      const bytes = await raw.request(encodeFrame({ v: 1, type: "watch", watchId: "w-big", ids: adding, waitMs: 0 }), { timeoutMs: 10_000 });
      expect(bytes.byteLength).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES);
      const reply = decodeReply(bytes);
      if (reply.type !== "events") throw new Error(`unexpected reply ${reply.type}`);
      return reply.events.map((e) => [e.name, e.taskId]);
    };
    expect(await watch(ids)).toEqual(ids.slice(0, 2).map((id) => ["task.succeeded", id]));
    expect(await watch([])).toEqual([["task.succeeded", ids[2]!]]);
    await raw.close();
    await client.stop();
  });
});

describe("encodeEvents", () => {
  test("a batch over the limit keeps events in order and leaves the rest; one too large alone carries E_RESULT_TOO_LARGE instead of its record", () => {
    const event = (id: string, size: number) => ({ name: "task.succeeded", taskId: id, at: 1, payload: { record: { taskId: id, result: "x".repeat(size) } } });
    const cut = encodeEvents({ events: [event("a", 600), event("b", 600), event("c", 10)], missed: 2 }, 1_000);
    expect(cut.bytes.byteLength).toBeLessThanOrEqual(1_000);
    expect(decodeReply(cut.bytes)).toMatchObject({ type: "events", missed: 2, events: [{ taskId: "a" }] });
    expect(cut.left.map((e) => e.taskId)).toEqual(["b", "c"]);
    const huge = encodeEvents({ events: [event("big", 5_000), event("next", 10)], missed: 0 }, 1_000);
    const reply = decodeReply(huge.bytes);
    if (reply.type !== "events") throw new Error(reply.type);
    expect(reply.events.map((e) => e.taskId)).toEqual(["big", "next"]);
    expect(reply.events[0]!.payload).toMatchObject({ error: { code: "E_RESULT_TOO_LARGE" } });
    expect(huge.left).toEqual([]);
  });
});

describe("encodeResults", () => {
  const record = (id: string, size: number): TaskRecord => ({
    taskId: id, name: "blob", status: "success", priority: "normal", args: [], result: "x".repeat(size), attempts: 1,
    timings: { submittedAt: 1 }, history: [],
  });

  test("a reply that fits is the plain frame; one over the limit keeps records in order, the rest left for the next reply", () => {
    const fits = encodeResults([record("a", 10)], [], 10_000);
    expect(fits.left).toEqual([]);
    expect(decodeReply(fits.bytes)).toMatchObject({ type: "results", results: [{ taskId: "a" }], missing: [] });

    const missing = [{ id: "gone", error: { code: "E_TASK_NOT_FOUND", message: "not known" } }];
    const cut = encodeResults([record("a", 600), record("b", 600), record("c", 10), record("d", 600)], missing, 1_500);
    expect(cut.bytes.byteLength).toBeLessThanOrEqual(1_500);
    const reply = decodeReply(cut.bytes);
    if (reply.type !== "results") throw new Error(reply.type);
    expect(reply.results.map((r) => r.taskId)).toEqual(["a"]);
    expect(reply.missing).toEqual(missing);
    expect(cut.left.map((r) => r.taskId)).toEqual(["b", "c", "d"]);
  });

  test("a record that could never fit alone is answered as E_RESULT_TOO_LARGE instead of a frame the peer would drop", () => {
    const packed = encodeResults([record("huge", 5_000), record("next", 10)], [], 2_000);
    expect(packed.bytes.byteLength).toBeLessThanOrEqual(2_000);
    const reply = decodeReply(packed.bytes);
    if (reply.type !== "results") throw new Error(reply.type);
    expect(reply.results.map((r) => r.taskId)).toEqual(["next"]);
    expect(reply.missing).toEqual([{ id: "huge", error: { code: "E_RESULT_TOO_LARGE", message: expect.stringContaining("bytes") } }]);
    expect(packed.left).toEqual([]);
  });
});
