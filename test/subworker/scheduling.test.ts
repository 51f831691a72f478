// Scheduling across subworkers, through real processes started by the CLI: strict priorities
// when subworkers run the work, small bursts spread over idle Workers, silent subworkers listed
// as inactive before they are forgotten.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "../../src/client/index.ts";
import type { WorkersJson } from "../../src/server/api-types.ts";
import { connect, startControlPlane } from "../helpers/control-plane.ts";
import { freeAddress, freePort } from "../helpers/ports.ts";
import { killAll, startProcess, type Started } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);
const TASKS = "test/fixtures/core-tasks.ts";
const scratch = mkdtempSync(join(tmpdir(), "fw-scheduling-"));

async function startSubworker(address: string, workerId: string, extra: string[] = []): Promise<Started> {
  const sw = startProcess(["bin/fastworker.ts", "subworker", "--task-modules", TASKS, "--control-plane-address", address, "--worker-id", workerId, "--concurrency", "1", ...extra]);
  await sw.waitFor(new RegExp(`subworker ${workerId} ready`));
  return sw;
}

async function waitForRunning(client: Client, id: string): Promise<void> {
  await waitFor(async () => (await client.result(id)).status === "running", { message: `task ${id} to run` });
}

/** Registered is enough: a task queued before its first lease arrives waits for it in the queue. */
async function waitForSubworker(client: Client, workerId: string): Promise<void> {
  await waitFor(async () => (await client.status()).workers.some((w) => w.id === workerId && w.state === "active"), { message: `${workerId} to register` });
}

describe("priorities with subworkers only", () => {
  // Prefetch 8: the low tasks wait inside the subworker's Worker, and the urgent ones must overtake them there.
  test.each([1, 8])("a critical task submitted behind low ones starts before every one not already running (subworker --prefetch %i)", async (prefetch) => {
    const { address } = await startControlPlane(["--concurrency", "0"]);
    await startSubworker(address, `sw-priority-${prefetch}`, ["--prefetch", String(prefetch)]);
    const client = await connect(address);
    const order = join(scratch, `order-${prefetch}`);
    const blocker = await client.enqueue("sleep", [400]);
    await waitForRunning(client, blocker);
    const lows = await Promise.all(Array.from({ length: 30 }, (_, i) => client.enqueue("mark", [order, `low-${i}`], { priority: "low" })));
    const normal = await client.enqueue("mark", [order, "normal"], { priority: "normal" });
    const critical = await client.enqueue("mark", [order, "critical"], { priority: "critical" });
    for (const id of [blocker, critical, normal, ...lows]) expect((await client.result(id, { wait: true })).status).toBe("success");
    const lines = readFileSync(order, "utf8").trim().split("\n");
    expect(lines).toEqual(["critical", "normal", ...Array.from({ length: 30 }, (_, i) => `low-${i}`)]);
    await client.stop();
  });
});

describe("small bursts", () => {
  test("two slow tasks run in parallel on an idle local Worker and an idle subworker, even one offering prefetch room", async () => {
    const { address } = await startControlPlane(["--concurrency", "1"]);
    // --prefetch 2: the subworker offers two slots, yet only one of them is an idle Worker.
    await startSubworker(address, "sw-burst", ["--prefetch", "2"]);
    const client = await connect(address);
    await waitForSubworker(client, "sw-burst");
    for (let round = 0; round < 3; round++) {
      const [a, b] = await Promise.all([client.enqueue("sleep", [500]), client.enqueue("sleep", [500])]);
      const [ra, rb] = [await client.result(a, { wait: true }), await client.result(b, { wait: true })];
      expect([ra.status, rb.status]).toEqual(["success", "success"]);
      expect(new Set([ra.workerId, rb.workerId]).size).toBe(2);
      // They overlapped: each started before the other finished.
      expect(ra.timings.startedAt!).toBeLessThan(rb.timings.finishedAt!);
      expect(rb.timings.startedAt!).toBeLessThan(ra.timings.finishedAt!);
    }
    await client.stop();
  });
});

describe("a subworker that stops heartbeating", () => {
  test("is listed as inactive with its last heartbeat in status and /api/workers, then forgotten; its task runs elsewhere", async () => {
    const address = await freeAddress();
    const guiPort = await freePort();
    const cp = startProcess([
      "bin/fastworker.ts", "control-plane", "--task-modules", TASKS, "--base-address", address, "--no-discovery", "--no-journal",
      "--concurrency", "1", "--gui-port", String(guiPort), "--worker-timeout", "1", "--inactive-worker-ttl", "3",
    ]);
    await cp.waitFor(/control plane .* ready/);
    const sw = await startSubworker(address, "sw-silent");
    const client = await connect(address);
    await waitForSubworker(client, "sw-silent");
    // Two at once: one on each idle Worker, so the subworker holds one when it goes silent.
    const ids = await Promise.all([client.enqueue("sleep", [1500]), client.enqueue("sleep", [1500])]);
    await waitFor(async () => {
      const records = await Promise.all(ids.map((id) => client.result(id)));
      return records.some((r) => r.status === "running" && r.workerId === "sw-silent");
    }, { message: "a task to run on the subworker" });
    sw.proc.kill("SIGKILL");
    await sw.proc.exited;
    // Taken once the process is gone, not before the kill: a heartbeat already on its way when the
    // signal landed may still be counted, and that is a real "last seen".
    const goneAt = Date.now();

    const info = await waitFor(async () => {
      const found = (await client.status()).workers.find((w) => w.id === "sw-silent");
      return found?.state === "inactive" ? found : undefined;
    }, { message: "the subworker to be listed inactive" });
    expect(info.lastSeenAt).toBeLessThanOrEqual(goneAt);
    expect(info.running).toBe(0);
    const api = (await (await fetch(`http://127.0.0.1:${guiPort}/api/workers`)).json()) as WorkersJson;
    const row = api.workers.find((w) => w.id === "sw-silent");
    expect(row?.state).toBe("inactive");
    expect(row?.status).toBe("inactive");
    expect(Date.parse(row!.last_seen)).toBe(info.lastSeenAt);
    const cli = startProcess(["bin/fastworker.ts", "status", "--control-plane-address", address]);
    expect(await cli.proc.exited).toBe(0);
    expect(cli.output()).toContain(`sw-silent [subworker] inactive (last seen ${new Date(info.lastSeenAt).toISOString()})`);

    // At-least-once as before: what it held runs on the control plane's own Worker.
    for (const id of ids) {
      const record = await client.result(id, { wait: true });
      expect(record.status).toBe("success");
      expect(record.workerId).not.toBe("sw-silent");
    }
    await waitFor(async () => !(await client.status()).workers.some((w) => w.id === "sw-silent"), { message: "the inactive subworker to be forgotten" });
    await client.stop();
  });
});
