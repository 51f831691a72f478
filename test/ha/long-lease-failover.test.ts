// A src/ bug found with bench/failover.ts, kept as a failing (todo) test until it is fixed: an
// active/standby pair whose --leader-lease-ms is longer than the client's connect timeout (5 s).
// After kill -9 of the active the client marks its address down for connectTimeoutMs only; once
// that ends, and while the standby still names the dead leader in E_NOT_LEADER, the request goes
// back to the dead address. Its dial is refused, so no pipe ever comes up or drops: the request
// waits its whole timeout (connect 5 s + the submit's 20 s long-poll) and the 30 s failover
// budget is gone -> E_UNAVAILABLE, though the standby took over after about 7 s.
// (src/connection/failover.ts: moveOn() follows the stale hint once isDown() has expired; a
// Connection to a refusing address never fails its requests early.)
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { startPostgres, type Postgres } from "../helpers/postgres.ts";
import { killAll, startProcess, type Started } from "../helpers/processes.ts";

const LEASE_MS = 7_000;
let pg: Postgres;

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await killAll();
  await pg?.stop();
});

function startCp(url: string, address: string): Started {
  return startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/ha/burst-tasks.ts", "--base-address", address,
    "--no-discovery", "--no-gui", "--concurrency", "1", "--leader-lease-ms", String(LEASE_MS)], { env: { FASTWORKER_JOURNAL_URL: url } });
}

describe("failover with a lease longer than the client's connect timeout", () => {
  test.todo(`--leader-lease-ms ${LEASE_MS}: a submit() sent right after kill -9 of the active resolves from the standby`, async () => {
    const url = await pg.createDatabase("long_lease");
    const [a, b] = [await freeAddress(), await freeAddress()];
    const active = startCp(url, a);
    await active.waitFor(/control plane .* ready/);
    const standby = startCp(url, b);
    await standby.waitFor(/standby: the leader is /);
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
