import { afterEach, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { createControlPlane, type ControlPlane } from "../../src/control-plane/index.ts";
import { FastWorkerError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { Subworker, type SubworkerOptions } from "../../src/subworker/index.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { EXAMPLE_TASKS, FIXTURES, freeAddress } from "./cluster.ts";

// Control plane, subworker and client in this process (the tasks still run on Bun Workers):
// quick checks of the subworker's own behaviour and counters.

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 20_000);

async function controlPlane(address: string, workerTimeoutMs?: number): Promise<ControlPlane> {
  const cp = await createControlPlane({
    taskModules: [EXAMPLE_TASKS], address, concurrency: 0, discoveryAddress: null, log: silentLogger,
    ...(workerTimeoutMs !== undefined ? { workerTimeoutMs } : {}),
  });
  cleanups.push(() => cp.stop());
  return cp;
}

function subworker(options: Partial<SubworkerOptions> & { controlPlaneAddress: string }): Subworker {
  const sw = new Subworker({ taskModules: [EXAMPLE_TASKS], concurrency: 1, log: silentLogger, ...options });
  cleanups.push(() => sw.stop());
  return sw;
}

async function client(address: string): Promise<Client> {
  const c = await new Client({ address }).start();
  cleanups.push(() => c.stop());
  return c;
}

test("a result is not held back by a lease waiting for work", async () => {
  const address = await freeAddress();
  await controlPlane(address); // heartbeat 5 s: a held result would take that long
  const sw = subworker({ controlPlaneAddress: address, concurrency: 2 });
  await sw.start();
  const c = await client(address);
  const startedAt = Date.now();
  expect(await c.submit<number>("sleep", [300])).toBe(300);
  // With free slots left the subworker keeps a lease waiting at the control plane; the result
  // must overtake it rather than wait out the heartbeat interval.
  expect(Date.now() - startedAt).toBeLessThan(3_000);
  expect(sw.stats()).toMatchObject({ completed: 1, reported: 1, dropped: 0, registrations: 1 });
}, 20_000);

test("a cancel reaches the subworker: the running task stops and the subworker goes on working", async () => {
  const address = await freeAddress();
  await controlPlane(address);
  const sw = subworker({ controlPlaneAddress: address });
  await sw.start();
  const c = await client(address);
  const id = await c.enqueue("sleep", [10_000]);
  await waitFor(async () => (await c.result(id)).status === "running", { message: "the task to run" });
  await waitFor(() => sw.stats().running === 1, { message: "the subworker to hold it" });
  expect(await c.cancel(id)).toBe(true);
  await waitFor(() => sw.stats().cancelled === 1 && sw.stats().running === 0, { message: "the subworker to drop it" });
  expect((await c.result(id)).status).toBe("cancelled");
  expect(await c.submit<number>("add", [2, 2])).toBe(4);
}, 20_000);

test("heartbeats keep a subworker whose slots are all busy for longer than the worker timeout", async () => {
  const address = await freeAddress();
  const cp = await controlPlane(address, 600);
  const inactive: string[] = [];
  cp.on("worker.inactive", ({ workerId }) => inactive.push(workerId));
  const sw = subworker({ controlPlaneAddress: address, prefetch: 1 });
  await sw.start();
  const c = await client(address);
  const record = await c.result(await c.enqueue("sleep", [1_500]), { wait: true });
  expect([record.status, record.workerId, record.attempts]).toEqual(["success", sw.id, 1]);
  expect(inactive).toEqual([]);
  expect(sw.stats().registrations).toBe(1);
}, 20_000);

test("stop() with a short drain hands unfinished tasks back: the control plane re-queues them", async () => {
  const address = await freeAddress();
  await controlPlane(address);
  const sw = subworker({ controlPlaneAddress: address, concurrency: 2, drainMs: 200 });
  await sw.start();
  const c = await client(address);
  const ids = await Promise.all([c.enqueue("sleep", [5_000]), c.enqueue("sleep", [5_000])]);
  await waitFor(() => sw.stats().running === 2, { message: "both to run" });
  await sw.stop();
  expect(sw.stats()).toMatchObject({ state: "stopped", returned: 2, completed: 0, running: 0 });
  const records = await Promise.all(ids.map((id) => c.result(id)));
  expect(records.map((r) => [r.status, r.attempts])).toEqual([["queued", 0], ["queued", 0]]);
  expect((await c.status()).workers).toEqual([]);
}, 20_000);

test("start() waits for a control plane that is not up yet, and registers when it comes", async () => {
  const address = await freeAddress();
  const sw = subworker({ controlPlaneAddress: address });
  const registered = sw.start();
  await Bun.sleep(600); // deliberate: no control plane for a while is the situation under test; start() must keep waiting
  expect(sw.stats().registrations).toBe(0);
  await controlPlane(address);
  await registered;
  expect(sw.stats()).toMatchObject({ state: "running", registrations: 1, address });
  await sw.stop(); // before the control plane it found goes away
  expect(sw.stats().state).toBe("stopped");
}, 20_000);

test("stop() before any control plane answered: start() rejects with E_CLOSED, stop() resolves", async () => {
  const sw = subworker({ controlPlaneAddress: await freeAddress() });
  const started = sw.start();
  await Bun.sleep(300); // deliberate: stop() must come while start() is still trying to reach nobody
  await sw.stop();
  expect(await started.then(() => "registered", (e: unknown) => (e instanceof FastWorkerError ? e.code : String(e)))).toBe("E_CLOSED");
  expect(sw.stats().state).toBe("stopped");
}, 20_000);

test("refused by the control plane: start() and closed reject with E_REFUSED, no retrying", async () => {
  const address = await freeAddress();
  await controlPlane(address);
  const lines: string[] = [];
  const sw = subworker({ controlPlaneAddress: address, taskModules: [`${FIXTURES}/unknown-task.ts`], log: (level, msg) => lines.push(`${level} ${msg}`) });
  const error = await sw.start().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FastWorkerError);
  expect((error as FastWorkerError).code).toBe("E_REFUSED");
  expect(await sw.closed.then(() => "resolved", (e: unknown) => (e as FastWorkerError).code)).toBe("E_REFUSED");
  expect(lines.filter((l) => l.includes("E_REFUSED"))).toEqual([expect.stringContaining("mystery")]);
  expect(sw.stats().state).toBe("stopped");
}, 20_000);
