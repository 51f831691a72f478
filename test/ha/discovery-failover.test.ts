// Issue 19 item 4, "discovery across control planes": a client that found the active control plane
// by discovery (no address given) finds the new leader the same way after kill -9 of the active,
// and its waiting submit() resolves. Only the active announces itself; a standby that takes over
// starts announcing on the same discovery address.
import { describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { postgresForFile, startHaControlPlane, startLeaderThenStandby } from "../helpers/ha.ts";
import { type Started } from "../helpers/processes.ts";

const LEASE_MS = 1_000;
const db = postgresForFile();

function startCp(url: string, address: string, discovery: string): Started {
  return startHaControlPlane(url, address, { leaseMs: LEASE_MS, discovery });
}

describe("a client that uses discovery, across a takeover", () => {
  test("kill -9 of the active: the client asks discovery again, finds the new leader, and its submit() resolves", async () => {
    const url = await db.pg.createDatabase("discovery_failover");
    const [a, b, discovery] = [await freeAddress(), await freeAddress(), await freeAddress()];
    const [active, standby] = await startLeaderThenStandby((address) => startCp(url, address, discovery), [a, b]);
    const client = await new Client({ discoveryAddress: discovery }).start();
    try {
      expect(client.address).toBe(a);
      expect(await client.submit<number>("add", [1, 2])).toBe(3);
      await active.stop("SIGKILL");
      const killedAt = performance.now();
      expect(await client.submit<number>("add", [2, 3])).toBe(5);
      const tookMs = Math.round(performance.now() - killedAt);
      console.log(`discovery failover: submit resolved ${tookMs} ms after kill -9 (lease ${LEASE_MS} ms)`);
      expect(client.address).toBe(b);
      expect(tookMs).toBeLessThan(LEASE_MS + 10_000);
    } finally {
      await client.stop();
      await standby.stop();
    }
  });
});
