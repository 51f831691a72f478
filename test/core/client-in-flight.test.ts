import { afterAll, describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { QueueFullError } from "../../src/errors.ts";
import { ReqSocket } from "../../src/nng/index.ts";
import { decodeReply, encodeFrame } from "../../src/protocol/index.ts";
import { startControlPlane } from "../helpers/control-plane.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);

describe("per-client in-flight cap (--max-in-flight-per-client)", () => {
  test("client A floods past its cap and is refused E_QUEUE_FULL with retryAfterMs; client B's submits are accepted; A's backpressure delivers every task in the end", async () => {
    const { address } = await startControlPlane(["--concurrency", "1", "--max-in-flight-per-client", "100"]);
    const impatient = await new Client({ address, connectTimeoutMs: 5000, backpressure: { maxWaitMs: 0 } }).start();
    // A blocker keeps the only slot busy: A's tasks stay queued, so its count stays at the cap.
    const blocker = impatient.submit("sleep", [1500]);
    await waitFor(async () => (await impatient.status()).running === 1, { message: "the blocker to run" });
    const flood = await Promise.allSettled(Array.from({ length: 150 }, (_, i) => impatient.enqueue("add", [i, 1])));
    const refused = flood.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as unknown);
    expect(flood.filter((r) => r.status === "fulfilled").length).toBe(99); // the blocker is the 100th
    expect(refused.length).toBe(51);
    expect(refused[0]).toBeInstanceOf(QueueFullError);
    expect((refused[0] as QueueFullError).retryAfterMs).toBeGreaterThan(0);
    expect((refused[0] as QueueFullError).message).toContain("--max-in-flight-per-client");

    // Another client is not affected: its own 100 fit.
    const other = await new Client({ address, connectTimeoutMs: 5000, backpressure: { maxWaitMs: 0 } }).start();
    const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => other.enqueue("add", [i, 2])));
    expect(new Set(ids).size).toBe(100);
    // A peer without a clientId is counted by its connection: a fresh one has its own share.
    const raw = new ReqSocket().dial(address);
    const reply = decodeReply(await raw.request(encodeFrame({ v: 1, type: "submit", tasks: [{ id: "raw-1", name: "add", args: [1, 1] }] }), { timeoutMs: 5000 }));
    expect(reply).toMatchObject({ type: "submitted", tasks: [{ id: "raw-1", status: "queued" }] });
    await raw.close();

    // With backpressure on (the default), the same flood is held back and resubmitted until every task ran.
    const patient = await new Client({ address, connectTimeoutMs: 5000, backpressure: { initialDelayMs: 20, maxDelayMs: 100 } }).start();
    const results = await Promise.all(Array.from({ length: 250 }, (_, i) => patient.submit<number>("add", [i, 0])));
    expect(results).toEqual(Array.from({ length: 250 }, (_, i) => i));
    await blocker;
    await Promise.all([impatient.stop(), other.stop(), patient.stop()]);
  });

  test("FASTWORKER_MAX_IN_FLIGHT_PER_CLIENT sets the cap when the flag is absent", async () => {
    const address = await freeAddress();
    const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", address, "--no-discovery", "--no-gui", "--no-journal", "--concurrency", "0"],
      { env: { FASTWORKER_MAX_IN_FLIGHT_PER_CLIENT: "3" } });
    await cp.waitFor(/control plane .* ready/);
    const raw = new ReqSocket().dial(address);
    const tasks = Array.from({ length: 5 }, (_, i) => ({ id: `e-${i}`, name: "add", args: [i, 1] }));
    const reply = decodeReply(await raw.request(encodeFrame({ v: 1, type: "submit", tasks, clientId: "flooder" }), { timeoutMs: 5000 }));
    if (reply.type !== "submitted") throw new Error(reply.type);
    expect(reply.tasks.map((t) => t.error?.code ?? "accepted")).toEqual(["accepted", "accepted", "accepted", "E_QUEUE_FULL", "E_QUEUE_FULL"]);
    await raw.close();
  });
});
