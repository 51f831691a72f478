// An active/standby pair whose --leader-lease-ms (7 s) is longer than the client's connect timeout
// (5 s): after kill -9 of the active, the client's down mark on the dead leader runs out while the
// standby still names it. Each request there must fail over in about 1.5 s (no connection comes
// up: its dial is refused), not wait out connect timeout + long-poll, so the submit resolves from
// the standby once it has taken over instead of spending the whole 30 s failover budget.
import { describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { postgresForFile, startHaControlPlane, startLeaderThenStandby } from "../helpers/ha.ts";
import { type Started } from "../helpers/processes.ts";

const LEASE_MS = 7_000;
const db = postgresForFile();

function startCp(url: string, address: string): Started {
  return startHaControlPlane(url, address, { leaseMs: LEASE_MS, tasks: "test/fixtures/ha/burst-tasks.ts" });
}

describe("failover with a lease longer than the client's connect timeout", () => {
  test(`--leader-lease-ms ${LEASE_MS}: a submit() sent right after kill -9 of the active resolves from the standby`, async () => {
    const url = await db.pg.createDatabase("long_lease");
    const [a, b] = [await freeAddress(), await freeAddress()];
    const [active, standby] = await startLeaderThenStandby((address) => startCp(url, address), [a, b]);
    const client = await new Client({ addresses: [a, b] }).start();
    try {
      expect(await client.submit<number>("noop", [1])).toBe(1);
      await active.stop("SIGKILL");
      const killedAt = performance.now();
      const outcome = await client.submit<number>("noop", [2]).then((v) => v, (e: unknown) => String(e));
      const tookMs = Math.round(performance.now() - killedAt);
      console.log(`long lease failover: ${typeof outcome === "number" ? "resolved" : outcome} after ${tookMs} ms`);
      expect(outcome).toBe(2);
      expect(client.address).toBe(b);
      expect(tookMs).toBeLessThan(LEASE_MS + 5_000);
    } finally {
      await client.stop();
      await standby.stop();
    }
  }, 60_000);
});
