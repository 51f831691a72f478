// The elector on top of the lease: one leader among contenders, a quick takeover on release,
// and a leader cut off from PostgreSQL steps down by its own clock while a standby takes over.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { SQL } from "bun";
import { NotLeaderError } from "../../src/errors.ts";
import { fencedWrite, LeaderElector, LeaderLease, type Role } from "../../src/ha/index.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { startPostgres, type Postgres } from "../helpers/postgres.ts";

let pg: Postgres;
const pools: SQL[] = [];
const electors: LeaderElector[] = [];

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await Promise.all(electors.map((e) => e.stop().catch(() => undefined)));
  await Promise.all(pools.map((p) => p.close()));
  await pg?.stop();
});

function contender(url: string, i: number, leaseMs: number, changes: Role[] = []): { elector: LeaderElector; sql: SQL } {
  const sql = new SQL({ url, max: 2 });
  pools.push(sql);
  const lease = new LeaderLease(sql, { holderId: `cp-${i}`, address: `tcp://127.0.0.1:${5700 + i}`, leaseMs });
  const elector = new LeaderElector(lease, { onChange: (role) => changes.push(role) });
  electors.push(elector);
  return { elector, sql };
}

test("one leader among three; the others name it; on release a standby leads within a check interval, with the next epoch", async () => {
  const url = await pg.createDatabase("elect");
  const all = [0, 1, 2].map((i) => contender(url, i, 600));
  const roles = await Promise.all(all.map((c) => c.elector.start()));
  const leaders = roles.filter((r) => r.role === "leader");
  expect(leaders.length).toBe(1);
  const leader = all.find((c) => c.elector.isLeader())!;
  const epoch = (leader.elector.role as { epoch: number }).epoch;
  // Standbys learn the leader on their next check.
  await waitFor(() => all.every((c) => c.elector.leaderAddress() === leader.elector.leaderAddress()), { message: "standbys to name the leader" });
  const stoppedAt = performance.now();
  await leader.elector.stop();
  await waitFor(() => all.some((c) => c !== leader && c.elector.isLeader()), { intervalMs: 10, message: "a standby to take over" });
  expect(performance.now() - stoppedAt).toBeLessThan(600);
  const next = all.find((c) => c !== leader && c.elector.isLeader())!;
  expect((next.elector.role as { epoch: number }).epoch).toBe(epoch + 1);
  expect(all.filter((c) => c.elector.isLeader()).length).toBe(1);
});

test("a leader that loses PostgreSQL steps down by its own clock within the lease; a standby takes over and the old epoch's writes are refused", async () => {
  const url = await pg.createDatabase("cutoff");
  const changes: Role[] = [];
  const a = contender(url, 10, 500, changes);
  expect((await a.elector.start()).role).toBe("leader");
  const b = contender(url, 11, 500);
  expect((await b.elector.start()).role).toBe("standby");
  const oldToken = (a.elector.role as { token: Parameters<typeof fencedWrite>[1] }).token;
  const cutAt = performance.now();
  await a.sql.close(); // every renewal fails from now on, as when the network to PostgreSQL is gone
  await waitFor(() => !a.elector.isLeader() && a.elector.role.role === "standby", { intervalMs: 10, message: "the cut-off leader to step down" });
  expect(performance.now() - cutAt).toBeLessThan(600);
  await waitFor(() => b.elector.isLeader(), { intervalMs: 10, message: "the standby to take over" });
  expect(changes.map((r) => r.role)).toEqual(["leader", "standby"]);
  const writer = new SQL({ url, max: 1 });
  pools.push(writer);
  const refused = await fencedWrite(writer, oldToken, (tx) => tx`SELECT 1`).then(() => undefined, (e: unknown) => e);
  expect(refused).toBeInstanceOf(NotLeaderError);
  expect((refused as NotLeaderError).leaderAddress).toBe("tcp://127.0.0.1:5711");
});
