// Issue 19 item 3: the leader lease in PostgreSQL and its fencing, against a real server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { NotLeaderError } from "../../src/errors.ts";
import { fence, fencedWrite, FENCE_PREDICATE, LeaderLease } from "../../src/ha/index.ts";
import { PostgresTaskStore, type StoredTask } from "../../src/store/index.ts";
import { startPostgres, type Postgres } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/wait-for.ts";

let pg: Postgres;
const pools: SQL[] = [];

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await pg?.stop();
});

/** Each contender has its own connection, as separate control plane processes would. */
async function contenders(url: string, count: number, leaseMs: number): Promise<LeaderLease[]> {
  const leases = Array.from({ length: count }, (_, i) => {
    const sql = new SQL({ url, max: 1 });
    pools.push(sql);
    return new LeaderLease(sql, { holderId: `cp-${i}`, address: `tcp://127.0.0.1:${5600 + i}`, leaseMs });
  });
  await Promise.all(leases.map((l) => l.ensureSchema()));
  return leases;
}

async function database(name: string): Promise<{ url: string; sql: SQL }> {
  const url = await pg.createDatabase(name);
  const sql = new SQL({ url, max: 4 });
  pools.push(sql);
  return { url, sql };
}

describe("the leader lease", () => {
  test("contenders racing for it: exactly one wins each round, and each new holder gets the next epoch", async () => {
    const { url } = await database("race");
    const leases = await contenders(url, 5, 60_000);
    let lastEpoch = 0;
    for (let round = 0; round < 20; round++) {
      const grants = await Promise.all(leases.map((l) => l.tryAcquire()));
      const winners = grants.flatMap((g, i) => (g ? [{ grant: g, lease: leases[i]! }] : []));
      expect(winners.length).toBe(1);
      const { grant, lease } = winners[0]!;
      expect(grant.epoch).toBe(lastEpoch + 1);
      lastEpoch = grant.epoch;
      expect(await leases[0]!.leader()).toMatchObject({ holderId: lease.options.holderId, address: lease.options.address, epoch: grant.epoch, expired: false });
      // Held and unexpired: nobody else gets it, not even by asking again.
      expect((await Promise.all(leases.map((l) => l.tryAcquire()))).every((g) => g === undefined)).toBe(true);
      expect(await lease.release(grant.epoch)).toBe(true);
    }
  });

  test("a holder that stops renewing loses it after the lease time; its late renewal is refused; renewing in time keeps it", async () => {
    const { url } = await database("expiry");
    const [a, b] = await contenders(url, 2, 400);
    const sentAt = performance.now();
    const first = (await a!.tryAcquire())!;
    expect(first).toBeDefined();
    expect(first.validUntil).toBeLessThanOrEqual(sentAt + 400 + 1);
    // What a standby reads: the grant's time left by the database's clock, so it can try right after it ends.
    const seen = (await b!.leader())!;
    expect(seen.remainingMs).toBeGreaterThan(0);
    expect(seen.remainingMs).toBeLessThanOrEqual(400);
    // Renewed in time, it stays a's past the first grant's end.
    await Bun.sleep(250); // the time under test: a renews partway through its 400 ms grant
    const renewedAt = performance.now();
    expect(await a!.renew(first.epoch)).toMatchObject({ epoch: first.epoch });
    await Bun.sleep(250); // the window under test: 500 ms after the first grant, past its end, the renewal still holds
    expect(await b!.tryAcquire()).toBeUndefined();
    // a goes quiet: once the lease time has passed since its last renewal (and not before), b takes over with the next epoch.
    const expired = await waitFor(async () => {
      const seen = await b!.leader();
      return seen?.expired === true && seen;
    }, { timeoutMs: 5_000, message: "a's renewed lease to expire" });
    // The database set the expiry after the renewal was sent, so at least the lease time has passed here (10 ms slack for timer rounding).
    expect(performance.now() - renewedAt).toBeGreaterThanOrEqual(390);
    expect(expired.remainingMs).toBeLessThanOrEqual(0);
    const second = await b!.tryAcquire();
    expect(second?.epoch).toBe(first.epoch + 1);
    expect(await a!.renew(first.epoch)).toBeUndefined();
    expect(await a!.release(first.epoch)).toBe(false);
    expect(await b!.renew(second!.epoch)).toMatchObject({ epoch: second!.epoch });
  });
});

describe("fencing", () => {
  test("a write carrying a stale epoch is refused with E_NOT_LEADER naming the new leader, and nothing of it commits", async () => {
    const { url, sql } = await database("fencing");
    const [old, next] = await contenders(url, 2, 300);
    await sql`CREATE TABLE results (id text PRIMARY KEY, epoch bigint NOT NULL)`;
    const first = (await old!.tryAcquire())!;
    await fencedWrite(sql, old!.token(first.epoch), (tx) => tx`INSERT INTO results VALUES ('before', ${first.epoch})`);
    // The old leader pauses past its lease; the other takes over as soon as it has run out.
    const second = await waitFor(() => next!.tryAcquire(), { timeoutMs: 5_000, message: "the other contender to take over the expired lease" });
    const refused = await fencedWrite(sql, old!.token(first.epoch), (tx) => tx`INSERT INTO results VALUES ('stale', ${first.epoch})`).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(NotLeaderError);
    expect((refused as NotLeaderError).code).toBe("E_NOT_LEADER");
    expect((refused as NotLeaderError).leaderAddress).toBe(next!.options.address);
    await fencedWrite(sql, next!.token(second.epoch), (tx) => tx`INSERT INTO results VALUES ('after', ${second.epoch})`);
    expect((await sql`SELECT id FROM results ORDER BY id`).map((r: { id: string }) => r.id)).toEqual(["after", "before"]);
    // The single-statement form: the predicate in the write itself.
    const insert = `INSERT INTO results SELECT $4, $3::bigint WHERE ${FENCE_PREDICATE}`;
    expect((await sql.unsafe(insert, [old!.name, old!.options.holderId, first.epoch, "stale-2"])).count).toBe(0);
    expect((await sql.unsafe(insert, [next!.name, next!.options.holderId, second.epoch, "after-2"])).count).toBe(1);
  });

  test("a takeover waits for the old leader's write transaction in progress: no write of the old epoch commits after the new grant", async () => {
    const { url, sql } = await database("fence_lock");
    const [old, next] = await contenders(url, 2, 300);
    await sql`CREATE TABLE log (what text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`;
    const first = (await old!.tryAcquire())!;
    const order: string[] = [];
    const writing = sql.begin(async (tx) => {
      await fence(tx, old!.token(first.epoch));
      // Still inside the transaction when the lease runs out.
      await tx`SELECT pg_sleep(0.6)`;
      await tx`INSERT INTO log (what) VALUES ('old write')`;
    }).then(() => order.push("old write committed"));
    // The lease runs out (300 ms) while the old write is still in its transaction (600 ms).
    await waitFor(async () => (await next!.leader())?.expired, { timeoutMs: 5_000, message: "the old leader's lease to expire" });
    const takeover = waitFor(() => next!.tryAcquire(), { timeoutMs: 10_000, message: "the takeover once the old write is done" })
      .then((grant) => (order.push("taken over"), grant));
    const [, grant] = await Promise.all([writing, takeover]);
    expect(order).toEqual(["old write committed", "taken over"]);
    expect(grant.epoch).toBe(first.epoch + 1);
  });

  test("the PostgreSQL journal of a leader fences every commit: once another holds the lease its submissions are refused with E_NOT_LEADER, and nothing of them is stored", async () => {
    const { url, sql } = await database("fenced_store");
    const [old, next] = await contenders(url, 2, 300);
    const first = (await old!.tryAcquire())!;
    const quiet = () => {};
    const store = await PostgresTaskStore.open(url, { fencing: old!.token(first.epoch), log: quiet });
    const task = (id: string): StoredTask => ({ spec: { id, name: "add", args: [1, 2] }, priority: "normal", state: "queued", attempts: 0, submittedAt: Date.now() });
    try {
      await store.accept([task("while-leader")]);
      const taken = await waitFor(() => next!.tryAcquire(), { timeoutMs: 5_000, message: "the other contender to take over the expired lease" });
      expect(taken).toMatchObject({ epoch: first.epoch + 1 });
      const refused = await Promise.resolve(store.accept([task("after-takeover")])).then(() => undefined, (e: unknown) => e);
      expect(refused).toMatchObject({ code: "E_NOT_LEADER" });
      const ids = (await sql`SELECT id FROM fastworker.tasks ORDER BY id`).map((r: { id: string }) => r.id);
      expect(ids).toEqual(["while-leader"]);
    } finally {
      await store.close();
    }
  });
});
