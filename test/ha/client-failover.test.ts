// Issue 19 item 4: clients and subworkers fail over between control planes by themselves. Real
// processes on 127.0.0.1: two control planes that share nothing (kill -9 the first; the second
// gets the in-flight requests again) and a fake standby answering E_NOT_LEADER with the leader.
import { afterAll, describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { FastWorkerError, UnavailableError } from "../../src/errors.ts";
import { startControlPlane } from "../helpers/control-plane.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll, startProcess, type Started } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);

const TASKS = "test/fixtures/core-tasks.ts";

async function startStandby(leaderAddress?: string): Promise<{ standby: Started; address: string }> {
  const address = await freeAddress();
  const standby = startProcess(["test/fixtures/ha/standby-server.ts", address, ...(leaderAddress ? [leaderAddress] : [])]);
  await standby.waitFor(/standby ready/);
  return { standby, address };
}

async function startSubworker(addresses: string, workerId: string): Promise<Started> {
  const sw = startProcess(["bin/fastworker.ts", "subworker", "--task-modules", TASKS, "--control-plane-address", addresses, "--worker-id", workerId, "--concurrency", "1"]);
  await sw.waitFor(new RegExp(`subworker ${workerId} ready`));
  return sw;
}

async function hasWorker(client: Client, workerId: string): Promise<boolean> {
  return (await client.status()).workers.some((w) => w.id === workerId && w.state === "active");
}

describe("the Client across control planes", () => {
  test("a waiting submit() resolves from the second control plane after kill -9 of the first, and resubmitted ids stay one task each", async () => {
    const first = await startControlPlane(["--concurrency", "4"]);
    const second = await startControlPlane(["--concurrency", "4"]);
    const client = await new Client({ addresses: [first.address, second.address], connectTimeoutMs: 3_000 }).start();
    const direct = await new Client({ address: second.address }).start();
    try {
      expect(client.address).toBe(first.address);
      // In flight on the first: two submit-and-wait calls and a fire-and-forget id, all still running there.
      const ids = ["ha-wait-1", "ha-wait-2"];
      const waiting = ids.map((id) => client.submit<number>("sleep", [1_500], { id }));
      const queued = await client.enqueue("sleep", [1_500], { id: "ha-delayed" });
      let seen: string[] = [];
      // The submits travel in their own frame, which the control plane may admit after the enqueue's reply: unknown is "not yet".
      const statusOf = (id: string) => client.result(id).then((r) => r.status, (error: unknown) => {
        if (error instanceof FastWorkerError && error.code === "E_TASK_NOT_FOUND") return "not admitted yet";
        throw error;
      });
      await waitFor(async () => {
        seen = await Promise.all(ids.map(statusOf));
        return seen.every((s) => s === "running");
      }, { message: () => `the tasks to run on the first control plane (now ${seen.join(", ")})` });
      const killedAt = Date.now();
      await first.cp.stop("SIGKILL");

      // The held submits are sent again to the second, which runs them: the callers get results, not errors.
      expect(await Promise.all(waiting)).toEqual([1_500, 1_500]);
      expect(Date.now() - killedAt).toBeLessThan(10_000);
      expect(client.address).toBe(second.address);
      for (const id of ids) expect((await direct.result(id)).status).toBe("success");

      // Submitting an id again (as a retry does) returns the first task, never a second one.
      const beforeResubmit = await direct.result(ids[0]!);
      expect(await client.enqueue("sleep", [1_500], { id: ids[0] })).toBe(ids[0]!);
      expect(await client.submit<number>("sleep", [1_500], { id: ids[1] })).toBe(1_500);
      const after = await direct.result(ids[0]!);
      expect(after.timings.submittedAt).toBe(beforeResubmit.timings.submittedAt);
      expect(after.attempts).toBe(beforeResubmit.attempts);

      // The fire-and-forget task was accepted by the first only, which is gone with it (nothing shared): the id is unknown here.
      expect(queued).toBe("ha-delayed");
      // An id that had already ended is answered at once, not after a long-poll's wait.
      expect(Date.now() - killedAt).toBeLessThan(10_000);
      const lost = await direct.result("ha-delayed").then(() => undefined, (error: unknown) => error);
      expect(lost).toBeInstanceOf(FastWorkerError);
      expect((lost as FastWorkerError).code).toBe("E_TASK_NOT_FOUND");
    } finally {
      await client.stop();
      await direct.stop();
      await second.cp.stop();
    }
  });

  test("an idle client's next request after each kill -9 goes to the next control plane at once, never waiting out a timeout", async () => {
    const planes = await Promise.all([0, 1, 2, 3].map(() => startControlPlane()));
    const client = await new Client({ addresses: planes.map((p) => p.address) }).start();
    try {
      for (let i = 0; i < planes.length - 1; i++) {
        expect(client.address).toBe(planes[i]!.address);
        expect(await client.submit<number>("add", [i, 1])).toBe(i + 1);
        await planes[i]!.cp.stop("SIGKILL");
        // Sent at once, maybe before the dropped connection was noticed: that request must not wait for a pipe that never comes back.
        const before = performance.now();
        expect(await client.submit<number>("add", [i, 2])).toBe(i + 2);
        expect(performance.now() - before).toBeLessThan(3_000);
      }
      expect(client.address).toBe(planes[3]!.address);
    } finally {
      await client.stop();
      await planes[3]!.cp.stop();
    }
  });

  test("a standby's E_NOT_LEADER sends the Client to the leader it names, given only the standby's address", async () => {
    const leader = await startControlPlane();
    const { standby, address } = await startStandby(leader.address);
    const client = await new Client({ address }).start();
    try {
      expect(client.address).toBe(leader.address);
      expect(await client.submit<number>("add", [2, 3])).toBe(5);
      expect((await client.status()).workers.length).toBeGreaterThan(0);
    } finally {
      await client.stop();
      await leader.cp.stop();
      expect(await standby.stop()).toBe(0);
      // It answered the first request (status) and no more: the client stayed with the leader.
      expect(standby.output()).toContain("answered 1");
    }
  });

  test("failing over is bounded: standbys that name no leader give a typed E_UNAVAILABLE naming every address tried", async () => {
    const a = await startStandby();
    const b = await startStandby();
    const startedAt = performance.now();
    const refused = await new Client({ addresses: [a.address, b.address], connectTimeoutMs: 1_500 }).start().then(() => undefined, (error: unknown) => error);
    const tookMs = performance.now() - startedAt;
    expect(refused).toBeInstanceOf(UnavailableError);
    expect((refused as UnavailableError).code).toBe("E_UNAVAILABLE");
    expect((refused as Error).message).toContain(a.address);
    expect((refused as Error).message).toContain(b.address);
    expect((refused as Error).message).toContain("E_NOT_LEADER");
    expect(tookMs).toBeLessThan(4_000);

    // A started client's own deadline: the only control plane that led dies, the other address is a standby.
    const leader = await startControlPlane();
    const client = await new Client({ addresses: [leader.address, a.address], failoverTimeoutMs: 1_000, connectTimeoutMs: 1_000 }).start();
    try {
      await leader.cp.stop("SIGKILL");
      const before = performance.now();
      const error = await client.status().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toContain(leader.address);
      expect((error as Error).message).toContain(a.address);
      expect(performance.now() - before).toBeLessThan(4_000);
    } finally {
      await client.stop();
      await a.standby.stop();
      await b.standby.stop();
    }
  });
});

describe("subworkers across control planes", () => {
  test("--control-plane-address a,b: the subworker re-registers with the second after kill -9 of the first and runs its tasks", async () => {
    const first = await startControlPlane(["--concurrency", "0"]);
    const second = await startControlPlane(["--concurrency", "0"]);
    const sw = await startSubworker(`${first.address},${second.address}`, "sw-ha");
    const client = await new Client({ addresses: [first.address, second.address] }).start();
    const atSecond = await new Client({ address: second.address }).start();
    try {
      expect(await hasWorker(client, "sw-ha")).toBe(true);
      expect(await client.submit<number>("add", [1, 2])).toBe(3);
      const killedAt = Date.now();
      await first.cp.stop("SIGKILL");
      await waitFor(() => hasWorker(atSecond, "sw-ha"), { message: "the subworker to register with the second control plane" });
      const registeredMs = Date.now() - killedAt;
      expect(await client.submit<number>("add", [20, 22])).toBe(42);
      // The lease in flight is reset at the kill: no timeout is waited out on either side.
      expect(registeredMs).toBeLessThan(5_000);
      expect(Date.now() - killedAt).toBeLessThan(5_000);
      expect(sw.output()).toContain(second.address);
    } finally {
      await client.stop();
      await atSecond.stop();
      await sw.stop();
      await second.cp.stop();
    }
  });

  test("a subworker given a standby's address registers with the leader the standby names", async () => {
    const leader = await startControlPlane(["--concurrency", "0"]);
    const { standby, address } = await startStandby(leader.address);
    const sw = await startSubworker(address, "sw-follow");
    const client = await new Client({ address: leader.address }).start();
    try {
      await waitFor(() => hasWorker(client, "sw-follow"), { message: "the subworker to register with the leader" });
      expect(await client.submit<number>("add", [4, 5])).toBe(9);
    } finally {
      await client.stop();
      await sw.stop();
      await standby.stop();
      await leader.cp.stop();
    }
  });
});
