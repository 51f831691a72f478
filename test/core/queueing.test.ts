import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../src/client/index.ts";
import { TaskError, UnavailableError } from "../../src/errors.ts";
import { MessageSocket, ReqSocket } from "../../src/nng/index.ts";
import { decodeReply, decodeTaskDone, encodeFrame } from "../../src/protocol/index.ts";
import { connect, startControlPlane } from "../helpers/control-plane.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);
const scratch = mkdtempSync(join(tmpdir(), "fw-queue-"));

describe("priorities", () => {
  // With prefetch 8 the low tasks sit in the Worker's own queue: the critical one must overtake them there.
  test.each([1, 8])("a critical task submitted behind a flood of low ones starts before all of them that were not already running (prefetch %i)", async (prefetch) => {
    const { address } = await startControlPlane(["--concurrency", "1", "--prefetch", String(prefetch)]);
    const client = await connect(address);
    const order = join(scratch, `order-${prefetch}`);
    const blocker = client.submit("sleep", [400]);
    await waitFor(async () => (await client.status()).running === 1, { message: "the blocker to take the only slot" });
    const lows = Array.from({ length: 60 }, (_, i) => client.enqueue("mark", [order, `low-${i}`], { priority: "low" }));
    await Promise.all(lows);
    const normal = await client.enqueue("mark", [order, "normal"], { priority: "normal" });
    const critical = await client.enqueue("mark", [order, "critical"], { priority: "critical" });
    await blocker;
    await client.result(critical, { wait: true });
    await client.result(normal, { wait: true });
    for (const id of await Promise.all(lows)) await client.result(id, { wait: true });
    const lines = readFileSync(order, "utf8").trim().split("\n");
    expect(lines).toHaveLength(62);
    expect(lines[0]).toBe("critical");
    expect(lines[1]).toBe("normal");
    // FIFO within the low level.
    expect(lines.slice(2)).toEqual(Array.from({ length: 60 }, (_, i) => `low-${i}`));
    await client.stop();
  });
});

describe("result cache", () => {
  test("evicted and expired results are reported as not found, never as a wrong value", async () => {
    const { address } = await startControlPlane(["--concurrency", "1", "--result-cache-size", "5", "--result-cache-ttl", "1", "--result-cache-cleanup-interval", "1"]);
    const client = await connect(address);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const id = await client.enqueue("add", [i, 0]);
      await client.result(id, { wait: true });
      ids.push(id);
    }
    const evicted = await client.result(ids[0]!).catch((e: unknown) => e);
    expect((evicted as TaskError).code).toBe("E_TASK_NOT_FOUND");
    expect((await client.result(ids[7]!)).result).toBe(7);
    // The TTL is 1 s: the result goes once it has passed (within a cleanup interval at most).
    const expired = await waitFor(() => client.result(ids[7]!).then(() => undefined, (e: unknown) => e), { timeoutMs: 3_000, message: "the result to expire" });
    expect((expired as TaskError).code).toBe("E_TASK_NOT_FOUND");
    await client.stop();
  });
});

describe("many clients", () => {
  test("10 000 tasks submitted concurrently by 4 client processes: every result correct, none lost or duplicated", async () => {
    const { address } = await startControlPlane(["--concurrency", "2"]);
    const clients = [0, 1, 2, 3].map((k) => startProcess(["test/fixtures/submit-many.ts", address, String(k), "2500"]));
    const outputs = await Promise.all(clients.map((c) => c.waitFor(/done \d+ \d+ \d+/, 60_000)));
    for (const line of outputs) {
      const [, ok, wrong, uniqueIds] = line.split(" ").map(Number);
      expect(ok).toBe(2500);
      expect(wrong).toBe(0);
      expect(uniqueIds).toBe(2500);
    }
    const client = await connect(address);
    const status = await client.status();
    expect(status.workers[0]!.completed).toBeGreaterThanOrEqual(10_000);
    await client.stop();
  });
});

describe("completion callbacks", () => {
  test("the submitter is told at its PAIR address when the task ends, with its callbackData", async () => {
    const { address } = await startControlPlane(["--concurrency", "1"]);
    const client = await connect(address);
    const callbackAddress = await freeAddress();
    const listener = MessageSocket.pair().listen(callbackAddress);
    const received = listener.recv({ timeoutMs: 10_000 });
    const id = await client.delayWithCallback("add", callbackAddress, [20, 22], { callbackData: { orderId: 7 } });
    const done = decodeTaskDone(await received);
    expect(done.record).toMatchObject({ taskId: id, status: "success", result: 42 });
    expect(done.callbackData).toEqual({ orderId: 7 });
    await listener.close();
    await client.stop();
  });
});

describe("bad input and unavailability", () => {
  test("malformed frames get typed error replies and the control plane keeps serving", async () => {
    const { address } = await startControlPlane(["--concurrency", "1"]);
    const raw = new ReqSocket().dial(address);
    const ask = async (bytes: Uint8Array) => decodeReply(await raw.request(bytes, { timeoutMs: 5000 }));
    const enc = new TextEncoder();
    expect(await ask(new Uint8Array([0xff, 0x00, 0x13]))).toMatchObject({ type: "error", error: { code: "E_DECODE" } });
    expect(await ask(enc.encode('{"v":1,"type":"submit","tasks":[{"id":'))).toMatchObject({ type: "error", error: { code: "E_DECODE" } });
    expect(await ask(enc.encode('{"v":2,"type":"status"}'))).toMatchObject({ type: "error", error: { code: "E_UNSUPPORTED_VERSION" } });
    expect(await ask(enc.encode('{"v":1,"type":"explode"}'))).toMatchObject({ type: "error", error: { code: "E_UNKNOWN_FRAME" } });
    expect(await ask(enc.encode('{"v":1,"type":"submit","tasks":[{"id":5,"name":"add","args":"x"}]}'))).toMatchObject({ type: "error", error: { code: "E_INVALID_FRAME" } });
    const ok = await ask(encodeFrame({ v: 1, type: "submit", tasks: [{ id: "t1", name: "add", args: [1, 2] }], wait: true }));
    expect(ok).toMatchObject({ type: "results", results: [{ taskId: "t1", status: "success", result: 3 }] });
    await raw.close();
  });

  test("an oversize payload is refused with a typed error, before it is sent", async () => {
    const { address } = await startControlPlane(["--concurrency", "1"]);
    const client = await new Client({ address, maxFrameBytes: 1024 }).start();
    const error = await client.submit("add", ["x".repeat(5000), 1]).catch((e: unknown) => e);
    expect((error as TaskError).code).toBe("E_FRAME_TOO_LARGE");
    expect(await client.submit("add", [1, 1])).toBe(2);
    await client.stop();
  });

  test("a client whose control plane is down gets E_UNAVAILABLE after its connect timeout", async () => {
    const client = new Client({ address: await freeAddress(), connectTimeoutMs: 300 });
    const error = await client.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).code).toBe("E_UNAVAILABLE");
  });
});
