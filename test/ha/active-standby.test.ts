// Issue 19 item 3 end to end: control planes on one PostgreSQL journal (--journal-url), one
// active (the lease holder), the others standbys answering E_NOT_LEADER; kill -9 of the active
// -> a standby takes over within about --leader-lease-ms, recovers the journal, and waiting
// clients get their results; a stopped (SIGSTOP) leader that wakes after a takeover stops.
import { describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { postgresForFile, startHaControlPlane, startLeaderThenStandby } from "../helpers/ha.ts";
import { type Started } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

const LEASE_MS = 1_000;
const db = postgresForFile();

function startCp(url: string, address: string): Started {
  return startHaControlPlane(url, address, { leaseMs: LEASE_MS, concurrency: 2 });
}

describe("active and standby control planes on one PostgreSQL journal", () => {
  test("kill -9 of the active during a burst: the standby takes over, every waiting submit() resolves once, from the journal", async () => {
    const url = await db.pg.createDatabase("failover");
    const [a, b] = [await freeAddress(), await freeAddress()];
    const [active, standby] = await startLeaderThenStandby((address) => startCp(url, address), [a, b]);
    expect(standby.output()).toContain(a);
    const client = await new Client({ addresses: [b, a] }).start(); // the standby first: it sends us to the leader
    try {
      expect(await client.submit<number>("add", [1, 2])).toBe(3);
      expect(client.address).toBe(a);
      const ids = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
      const results = ids.map((id) => client.submit<number>("sleep", [200], { id }));
      // Accepted (journaled) before the kill: known to the leader, not yet all finished.
      await waitFor(async () => (await client.result(ids.at(-1)!).then(() => true, () => false)), { intervalMs: 10, message: "the burst to be accepted" });
      const killedAt = performance.now();
      await active.stop("SIGKILL");
      await standby.waitFor(/control plane .* ready/, 20_000);
      const first = await Promise.race(results);
      const firstMs = performance.now() - killedAt;
      expect(first).toBe(200);
      expect(await Promise.all(results)).toEqual(ids.map(() => 200));
      const allMs = performance.now() - killedAt;
      console.log(`failover: kill -9 -> first result from the new leader in ${Math.round(firstMs)} ms, all ${ids.length} in ${Math.round(allMs)} ms (lease ${LEASE_MS} ms)`);
      expect(firstMs).toBeLessThan(LEASE_MS + 5_000);
      // The rest follow as the new leader runs them (4 s of work on 2 Workers), not after a long-poll's wait.
      expect(allMs).toBeLessThan(15_000);
      // One record per id, each finished once, on the new leader.
      const records = await Promise.all(ids.map((id) => client.result(id)));
      expect(records.every((r) => r.status === "success")).toBe(true);
      expect(standby.output()).toContain("epoch 2");
    } finally {
      await client.stop();
      await standby.stop();
    }
  });

  test("a stopped (SIGSTOP) leader that wakes after a takeover stops with E_NOT_LEADER instead of acting beside the new one", async () => {
    const url = await db.pg.createDatabase("fencing");
    const [a, b] = [await freeAddress(), await freeAddress()];
    const [first, second] = await startLeaderThenStandby((address) => startCp(url, address), [a, b]);
    first.proc.kill("SIGSTOP");
    await second.waitFor(/control plane .* ready/, 20_000);
    first.proc.kill("SIGCONT");
    const code = await first.proc.exited;
    expect(code).toBe(3);
    expect(first.output()).toContain("lost the leader lease");
    const client = await new Client({ addresses: [a, b] }).start();
    try {
      expect(await client.submit<number>("add", [2, 2])).toBe(4);
      expect(client.address).toBe(b);
    } finally {
      await client.stop();
      await second.stop();
    }
  });
});
