// Awaiting tasks submitted earlier (`result(id, { wait: true })`): finished ones are answered at
// once and the others are handed out through the awaiting client's outbox, one record each.
import { afterAll, describe, expect, test } from "bun:test";
import { ReqSocket } from "../../src/nng/index.ts";
import { decodeReply, encodeFrame } from "../../src/protocol/index.ts";
import { connect, startControlPlane } from "../helpers/control-plane.ts";
import { killAll } from "../helpers/processes.ts";

afterAll(killAll);

describe("result with wait", () => {
  test("a `result` with clientId answers finished tasks now and delivers the unfinished one through `collect`, once", async () => {
    const { address } = await startControlPlane(["--concurrency", "1"]);
    const raw = new ReqSocket().dial(address);
    try {
      const ask = async (frame: Parameters<typeof encodeFrame>[0]) => decodeReply(await raw.request(encodeFrame(frame), { timeoutMs: 5000 }));
      await ask({ v: 1, type: "submit", tasks: [{ id: "done-1", name: "add", args: [1, 2] }], wait: true });
      await ask({ v: 1, type: "submit", tasks: [{ id: "slow-1", name: "sleep", args: [300] }] });
      const started = performance.now();
      const first = await ask({ v: 1, type: "result", ids: ["done-1", "slow-1", "nobody"], waitMs: 10_000, clientId: "c-1" });
      // At once, not after the sleeping task: the unfinished one is kept for c-1's outbox.
      expect(performance.now() - started).toBeLessThan(250);
      expect(first).toMatchObject({ type: "results", results: [{ taskId: "done-1", result: 3 }], missing: [{ id: "nobody", error: { code: "E_TASK_NOT_FOUND" } }] });
      const collected = await ask({ v: 1, type: "collect", clientId: "c-1", waitMs: 5_000 });
      expect(collected).toMatchObject({ type: "results", results: [{ taskId: "slow-1", status: "success", result: 300 }] });
      // Delivered once: the outbox is empty afterwards (a short wait comes back with nothing).
      expect(await ask({ v: 1, type: "collect", clientId: "c-1", waitMs: 50 })).toMatchObject({ type: "results", results: [] });
    } finally {
      await raw.close();
    }
  });

  test("two clients awaiting the same running task both get its one result; 3 000 awaited at once all settle correctly", async () => {
    const { address } = await startControlPlane(["--concurrency", "2"]);
    const [a, b] = await Promise.all([connect(address), connect(address)]);
    try {
      const id = await a.delay("sleep", 200);
      const [fromA, fromB] = await Promise.all([a.result(id, { wait: true }), b.result(id, { wait: true })]);
      expect(fromA).toMatchObject({ taskId: id, status: "success", result: 200 });
      expect(fromB).toEqual(fromA);
      const ids = await Promise.all(Array.from({ length: 3_000 }, (_, i) => b.delay("add", i, i)));
      const records = await Promise.all(ids.map((taskId) => a.result(taskId, { wait: true })));
      expect(records.every((r, i) => r.taskId === ids[i] && r.status === "success" && r.result === 2 * i)).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
