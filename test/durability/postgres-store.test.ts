// The PostgreSQL task store against a real, throw-away server: what it keeps, what it brings back,
// its schema versioning, its one-line start-up errors, and how it rides out the server going away.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import type { TaskRecord } from "../../src/protocol/index.ts";
import { PostgresTaskStore, POSTGRES_SCHEMA_VERSION } from "../../src/store/index.ts";
import type { StoredTask } from "../../src/store/index.ts";
import { fold } from "../../src/store/postgres/postgres-writes.ts";
import { freePort } from "../helpers/ports.ts";
import { startPostgres, stopAllPostgres, type Postgres } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/wait-for.ts";

let pg: Postgres;
let databases = 0;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(stopAllPostgres);

const freshDb = () => pg.createDatabase(`store_${++databases}`);
const quiet = () => {};

/** The error open() rejects with (fails the test when it opens). */
async function openFails(url: string): Promise<Error & { code?: string }> {
  const outcome = await PostgresTaskStore.open(url, { log: quiet }).then((store) => store, (error: unknown) => error);
  if (outcome instanceof PostgresTaskStore) {
    await outcome.close();
    throw new Error(`open(${url}) succeeded`);
  }
  return outcome as Error & { code?: string };
}

function task(id: string, submittedAt = Date.now(), extra: Partial<StoredTask> = {}): StoredTask {
  return { spec: { id, name: "add", args: [1, 2] }, priority: "normal", state: "queued", attempts: 0, submittedAt, ...extra };
}

function success(id: string, finishedAt = Date.now()): TaskRecord {
  return { taskId: id, name: "add", status: "success", priority: "normal", attempts: 1, result: 3, timings: { submittedAt: finishedAt - 10, finishedAt }, history: [] };
}

describe("folding one commit's writes", () => {
  test("one row per task, the last word on each column winning, as applying the writes in order would", () => {
    const { inserts, updates } = fold([
      { kind: "update", id: "old", state: "retrying", attempts: 1, dueAt: 50 },
      { kind: "accept", id: "new", name: "add", priority: "high", state: "queued", attempts: 0, dueAt: null, submittedAt: 1, spec: "{}" },
      { kind: "update", id: "new", state: "scheduled", attempts: 0, dueAt: 70 },
      { kind: "finish", id: "old", state: "success", attempts: 2, finishedAt: 99, record: "{\"r\":1}" },
      { kind: "finish", id: "new", state: "failure", attempts: 1, finishedAt: 98, record: null },
      { kind: "update", id: "other", state: "queued", attempts: 3, dueAt: null },
    ]);
    expect(inserts).toEqual([{ id: "new", name: "add", priority: "high", state: "failure", attempts: 1, due_at: 70, submitted_at: 1, finished_at: 98, spec: "{}", record: null }]);
    expect(updates).toEqual([
      { id: "old", state: "success", attempts: 2, set_due: true, due_at: 50, finish: true, finished_at: 99, record: "{\"r\":1}" },
      { id: "other", state: "queued", attempts: 3, set_due: true, due_at: null, finish: false, finished_at: null, record: null },
    ]);
  });
});

describe("PostgresTaskStore", () => {
  test("accepted tasks, updates and results come back after a reopen: live ones in submission order, results within their TTL", async () => {
    const url = await freshDb();
    const store = await PostgresTaskStore.open(url, { log: quiet });
    await store.accept([task("a"), task("b"), task("c")]);
    // One commit carrying accept, update and finish of the same task, plus updates of earlier ones.
    const accepted = store.accept([task("d")]);
    store.update("a", { state: "retrying", attempts: 1, dueAt: 123_456 });
    store.finish("b", success("b"));
    store.update("d", { state: "scheduled", attempts: 0, dueAt: 999 });
    await accepted;
    await store.accept([]); // waits for the commit carrying the writes above
    await store.close();

    const again = await PostgresTaskStore.open(url, { log: quiet });
    const { live, finished } = await again.recover(60_000);
    expect(live.map((t) => t.spec.id)).toEqual(["a", "c", "d"]);
    expect(live[0]).toMatchObject({ state: "retrying", attempts: 1, dueAt: 123_456 });
    expect(live[2]).toMatchObject({ state: "scheduled", dueAt: 999 });
    expect(finished.map((r) => r.taskId)).toEqual(["b"]);
    expect(finished[0]).toMatchObject({ status: "success", result: 3 });
    // Past the TTL a result is no longer brought back; compaction then deletes it.
    expect((await again.recover(0)).finished).toHaveLength(0);
    expect(await again.compact(Date.now() + 1)).toBe(1);
    expect((await again.recover(3_600_000)).finished).toHaveLength(0);
    expect(again.health()).toMatchObject({ state: "ok", sync: "full", path: expect.stringContaining(":***@") });
    await again.close();
  });

  test("a burst of 20 000 tasks shares a few commits and every acknowledged one is there", async () => {
    const url = await freshDb();
    const store = await PostgresTaskStore.open(url, { sync: "normal", log: quiet });
    const ids = Array.from({ length: 20_000 }, (_, i) => `t${i}`);
    await Promise.all(Array.from({ length: 200 }, (_, batch) => store.accept(ids.slice(batch * 100, batch * 100 + 100).map((id) => task(id)))));
    expect(store.stats.commitSeconds.count).toBeLessThan(100);
    await store.close();
    const again = await PostgresTaskStore.open(url, { log: quiet });
    expect((await again.recover(60_000)).live.map((t) => t.spec.id)).toEqual(ids);
    await again.close();
  });

  test("the schema is versioned: migrations are recorded once, a newer schema is refused with E_JOURNAL_VERSION", async () => {
    const url = await freshDb();
    await (await PostgresTaskStore.open(url, { log: quiet })).close();
    await (await PostgresTaskStore.open(url, { log: quiet })).close();
    const sql = new SQL({ url, max: 1 });
    try {
      expect((await sql`SELECT version FROM fastworker.schema_version ORDER BY version`).map((r: { version: number }) => r.version))
        .toEqual(Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
      await sql`INSERT INTO fastworker.schema_version (version, what) VALUES (${POSTGRES_SCHEMA_VERSION + 1}, 'from the future')`;
    } finally {
      await sql.close();
    }
    const refused = await openFails(url);
    expect(refused).toMatchObject({ code: "E_JOURNAL_VERSION" });
    expect(refused.message).toContain(`schema version ${POSTGRES_SCHEMA_VERSION + 1}`);
  });

  test("a row that no longer decodes is quarantined at recovery; the others come back", async () => {
    const url = await freshDb();
    const store = await PostgresTaskStore.open(url, { log: quiet });
    await store.accept([task("good"), task("bad")]);
    await store.close();
    const sql = new SQL({ url, max: 1 });
    await sql`UPDATE fastworker.tasks SET spec = '{"not": "a spec"}' WHERE id = 'bad'`;
    const again = await PostgresTaskStore.open(url, { log: quiet });
    const recovered = await again.recover(60_000);
    expect(recovered.live.map((t) => t.spec.id)).toEqual(["good"]);
    expect(recovered.quarantined).toBe(1);
    expect((await sql`SELECT id FROM fastworker.quarantine`).map((r: { id: string }) => r.id)).toEqual(["bad"]);
    await sql.close();
    await again.close();
  });

  test("start-up errors are one typed line without the password: a bad URL E_CONFIG, a wrong password E_CONFIG, no server E_UNAVAILABLE", async () => {
    for (const url of ["mysql://u:p@127.0.0.1/db", "not a url", "postgres://u:secret@/db"]) {
      const error = await openFails(url);
      expect(error).toMatchObject({ code: "E_CONFIG" });
      expect(error.message).not.toContain("secret");
      expect(error.message.split("\n")).toHaveLength(1);
    }
    const wrong = await openFails(pg.url.replace(/:[^:@/]+@/, ":secret@"));
    expect(wrong).toMatchObject({ code: "E_CONFIG" });
    expect(wrong.message).not.toContain("secret");
    const nobody = await openFails(`postgres://u:secret@127.0.0.1:${await freePort()}/db`);
    expect(nobody).toMatchObject({ code: "E_UNAVAILABLE" });
    expect(nobody.message).toContain("cannot reach");
    expect(nobody.message).not.toContain("secret");
  });

  test("the server restarted while a submission waits: the acknowledgement waits, then arrives, and the task is kept", async () => {
    const url = await freshDb();
    const store = await PostgresTaskStore.open(url, { log: quiet, unavailableWaitMs: 20_000 });
    await store.accept([task("before")]);
    await pg.halt();
    const during = Promise.resolve(store.accept([task("during")]));
    let settled = false;
    void during.finally(() => (settled = true));
    await Bun.sleep(500); // the window under test: with the server down the acknowledgement must not arrive
    expect(settled).toBe(false); // paused, not refused
    await pg.start();
    await during;
    expect(store.degraded).toBeUndefined();
    await store.close();
    const again = await PostgresTaskStore.open(url, { log: quiet });
    expect((await again.recover(60_000)).live.map((t) => t.spec.id)).toEqual(["before", "during"]);
    await again.close();
  });

  test("the server away past the bound: submitters are refused with E_UNAVAILABLE, and the store resumes by itself once it is back", async () => {
    const url = await freshDb();
    const store = await PostgresTaskStore.open(url, { log: quiet, unavailableWaitMs: 300 });
    await pg.halt();
    try {
      const refused = await Promise.resolve(store.accept([task("lost")])).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: "E_UNAVAILABLE" });
      store.update("x", { state: "queued", attempts: 0 }); // retained and retried, never dropped
      expect(store.degraded).toBeDefined();
      expect(await Promise.resolve(store.accept([task("while-degraded")])).catch((e: unknown) => e)).toMatchObject({ code: "E_UNAVAILABLE" });
    } finally {
      await pg.start();
    }
    await waitFor(() => store.degraded === undefined, { timeoutMs: 20_000, intervalMs: 50, message: () => `the store to leave degraded mode (still: ${store.degraded})` });
    await store.accept([task("after")]);
    await store.close();
    const again = await PostgresTaskStore.open(url, { log: quiet });
    expect((await again.recover(60_000)).live.map((t) => t.spec.id)).toEqual(["after"]);
    await again.close();
  });

  test("a commit given up on that reaches the server late applies nothing: no refused task lands, no newer state is overwritten", async () => {
    const url = await freshDb();
    const store = await PostgresTaskStore.open(url, { log: quiet, unavailableWaitMs: 400 });
    await store.accept([task("x")]);
    const admin = new SQL({ url, max: 1, connection: { application_name: "fw-test-admin" } });
    const backends = (await admin`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'fastworker'`).map((r: { pid: number }) => r.pid);
    expect(backends.length).toBeGreaterThan(0);
    // Frozen backends: what is sent to them waits in their sockets, to run when they wake.
    for (const pid of backends) process.kill(pid, "SIGSTOP");
    try {
      store.update("x", { state: "retrying", attempts: 1, dueAt: 1 });
      const refused = await Promise.resolve(store.accept([task("lost")])).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: "E_UNAVAILABLE" });
      // Degraded retries go on new connections once the frozen ones are all busy, and land.
      await waitFor(() => store.degraded === undefined, { timeoutMs: 30_000, intervalMs: 50, message: () => `the store to leave degraded mode (still: ${store.degraded})` });
      store.update("x", { state: "queued", attempts: 2 });
      await store.accept([task("y")]);
    } finally {
      for (const pid of backends) process.kill(pid, "SIGCONT");
    }
    await Bun.sleep(500); // the window under test: the woken backends run what waited for them, and none of it may land
    const rows = await admin`SELECT id, state, attempts FROM fastworker.tasks ORDER BY seq`;
    expect(rows.map((r: { id: string; state: string; attempts: number }) => `${r.id}:${r.state}:${r.attempts}`)).toEqual(["x:queued:2", "y:queued:0"]);
    await admin.close();
    await store.close();
  });
});
