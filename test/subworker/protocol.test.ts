import { afterEach, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { Connection } from "../../src/connection/connection.ts";
import { createControlPlane, type ControlPlane } from "../../src/control-plane/index.ts";
import { silentLogger } from "../../src/log.ts";
import { DEFAULT_MAX_FRAME_BYTES, PROTOCOL_VERSION, type Outcome } from "../../src/protocol/index.ts";
import { encodeLease } from "../../src/subworker/lease-frame.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { EXAMPLE_TASKS, freeAddress } from "./cluster.ts";

// The control plane's side of the lease/report protocol as the subworker relies on it, spoken
// frame by frame; and the subworker's frame builder.

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 20_000);

async function setup(): Promise<{ cp: ControlPlane; client: Client; worker: Connection }> {
  const address = await freeAddress();
  const cp = await createControlPlane({ taskModules: [EXAMPLE_TASKS], address, concurrency: 0, discoveryAddress: null, log: silentLogger });
  cleanups.push(() => cp.stop());
  const client = await new Client({ address }).start();
  cleanups.push(() => client.stop());
  // With FASTWORKER_TOKEN set (the suite run with auth on) the raw worker authenticates like a subworker.
  const token = process.env.FASTWORKER_TOKEN;
  const worker = new Connection(address, 5_000, DEFAULT_MAX_FRAME_BYTES, { role: "worker", ...(token ? { token } : {}) });
  cleanups.push(() => worker.close());
  await worker.call({ v: PROTOCOL_VERSION, type: "hello", workerId: "raw", capacity: 4, tasks: ["add", "sleep"], protocol: PROTOCOL_VERSION }, "welcome");
  return { cp, client, worker };
}

test("a lease that does not wait (waitMs 0) still gets the tasks already queued", async () => {
  const { client, worker } = await setup();
  await Promise.all([client.delay("add", 1, 1), client.delay("add", 2, 2), client.delay("add", 3, 3)]);
  const reply = await worker.call({ v: PROTOCOL_VERSION, type: "lease", workerId: "raw", credits: 2, waitMs: 0 }, "leased");
  expect(reply.tasks.map((t) => t.args)).toEqual([[1, 1], [2, 2]]);
});

test("a newer request supersedes a waiting lease: the waiting one is answered at once, the report's outcomes count", async () => {
  const { cp, client, worker } = await setup();
  const first = await worker.call({ v: PROTOCOL_VERSION, type: "lease", workerId: "raw", credits: 1, waitMs: 0 }, "leased");
  expect(first.tasks).toEqual([]);
  const id = await client.delay("add", 20, 22);
  const leased = await worker.call({ v: PROTOCOL_VERSION, type: "lease", workerId: "raw", credits: 1, waitMs: 5_000 }, "leased");
  expect(leased.tasks.map((t) => t.id)).toEqual([id]);

  const startedAt = Date.now();
  const waiting = worker.call({ v: PROTOCOL_VERSION, type: "lease", workerId: "raw", credits: 1, waitMs: 5_000 }, "leased", 5_000);
  // The report must find that lease waiting at the control plane (it then offers the lease's free slot).
  await waitFor(() => cp.dispatcher.all().some((source) => source.id === "raw" && source.freeSlots() === 1), { message: "the lease to wait at the control plane" });
  const outcome: Outcome = { id, attempt: 1, ok: true, result: 42, startedAt, finishedAt: Date.now() };
  const report = worker.call({ v: PROTOCOL_VERSION, type: "report", workerId: "raw", outcomes: [outcome], running: [], credits: 0, waitMs: 0 }, "leased");
  expect((await waiting).tasks).toEqual([]);
  expect(Date.now() - startedAt).toBeLessThan(4_000);
  await report;
  expect(await client.result(id)).toMatchObject({ status: "success", result: 42, workerId: "raw" });
});

test("a worker the control plane does not know is told to register again", async () => {
  const { worker } = await setup();
  const reply = await worker.call({ v: PROTOCOL_VERSION, type: "lease", workerId: "stranger", credits: 1, waitMs: 0 }, "leased");
  expect(reply.reregister).toBe(true);
});

test("encodeLease: a batch over the frame limit is split, a result that can never fit becomes a failure", () => {
  const outcome = (id: string, size: number): Outcome => ({ id, attempt: 1, ok: true, result: "x".repeat(size), startedAt: 1, finishedAt: 2 });
  const request = { workerId: "w", running: [], credits: 1, waitMs: 0 };

  const small = encodeLease({ ...request, outcomes: [outcome("a", 10), outcome("b", 10)] }, 10_000);
  expect([small.sent.length, small.rest.length]).toEqual([2, 0]);
  expect(JSON.parse(new TextDecoder().decode(small.bytes)).type).toBe("report");

  const split = encodeLease({ ...request, outcomes: [outcome("a", 600), outcome("b", 600), outcome("c", 600), outcome("d", 600)] }, 2_000);
  expect(split.bytes.byteLength).toBeLessThanOrEqual(2_000);
  expect([...split.sent, ...split.rest].map((o) => o.id)).toEqual(["a", "b", "c", "d"]);
  expect(split.rest.length).toBeGreaterThan(0);

  const huge = encodeLease({ ...request, outcomes: [outcome("big", 5_000), outcome("next", 10)] }, 2_000);
  expect(huge.sent).toEqual([expect.objectContaining({ id: "big", ok: false, retry: "never", error: expect.objectContaining({ code: "E_RESULT_TOO_LARGE" }) })]);
  expect(huge.rest.map((o) => o.id)).toEqual(["next"]);

  const idle = encodeLease({ ...request, outcomes: [] }, 2_000);
  expect(JSON.parse(new TextDecoder().decode(idle.bytes)).type).toBe("lease");
});
