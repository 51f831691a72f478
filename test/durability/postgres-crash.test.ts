// The SQLite journal's crash tests (crash.test.ts) on the PostgreSQL journal, through the real
// CLI and a real, throw-away PostgreSQL server; plus that server restarted under load.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "../../src/client/index.ts";
import { connect } from "../helpers/control-plane.ts";
import { freeAddress } from "../helpers/ports.ts";
import { startPostgres, stopAllPostgres, type Postgres } from "../helpers/postgres.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

let pg: Postgres;
let databases = 0;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await killAll();
  await stopAllPostgres();
});

async function startOnPostgres(address: string, url: string, options: { modules?: string; env?: Record<string, string> } = {}) {
  const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", options.modules ?? "test/fixtures/core-tasks.ts", "--base-address", address,
    "--no-discovery", "--no-gui", "--concurrency", "2", "--result-cache-size", "50000"], { env: { FASTWORKER_JOURNAL_URL: url, ...options.env } });
  await cp.waitFor(/control plane .* ready/);
  return cp;
}

async function taskIds(url: string): Promise<string[]> {
  const sql = new SQL({ url, max: 1 });
  try {
    return (await sql`SELECT id FROM fastworker.tasks`).map((r: { id: string }) => r.id);
  } finally {
    await sql.close();
  }
}

describe("the PostgreSQL journal", () => {
  test("kill -9 mid-run loses no acknowledged task: after a restart on the same URL every one finishes, with one result each", async () => {
    const url = await pg.createDatabase(`crash_${++databases}`);
    const address = await freeAddress();
    let cp = await startOnPostgres(address, url);
    let client = await connect(address);
    const total = 10_000;
    const ids = await client.submitBatch(Array.from({ length: total }, (_, i) => ({ task: "sleep", args: [i % 50 === 0 ? 1 : 0] })));
    expect(new Set(ids).size).toBe(total);
    await waitFor(async () => ((await client.status()).workers[0]?.completed ?? 0) > 1000, { intervalMs: 10, message: "the first 1000 tasks to finish" });
    await client.stop();
    await cp.stop("SIGKILL");

    cp = await startOnPostgres(address, url);
    await cp.waitFor(/journal: +postgres:\/\/fwtest:\*\*\*@.* \(PostgreSQL, sync full\)/);
    expect(cp.output()).not.toContain(decodeURIComponent(new URL(url).password));
    client = await connect(address);
    const records = await Promise.all(ids.map((id) => client.result(id, { wait: true })));
    expect(records.every((r) => r.status === "success")).toBe(true);
    expect(records.map((r) => r.taskId)).toEqual(ids);
    records.forEach((r, i) => expect(r.result).toBe(i % 50 === 0 ? 1 : 0));
    expect((await client.result(ids[0]!)).status).toBe("success");
    await client.stop();
    await cp.stop();
  });

  test("results within their TTL survive a restart; scheduled tasks and retries waiting for their backoff fire at their time", async () => {
    const url = await pg.createDatabase(`crash_${++databases}`);
    const scratch = mkdtempSync(join(tmpdir(), "fw-retry-"));
    const address = await freeAddress();
    let cp = await startOnPostgres(address, url);
    let client: Client = await connect(address);
    const finished = await client.enqueue("add", [20, 22]);
    expect((await client.result(finished, { wait: true })).result).toBe(42);
    const due = Date.now() + 2_000;
    const scheduled = await client.enqueue("add", [1, 2], { eta: due });
    const retrying = await client.enqueue("failTwice", [join(scratch, "counter")]);
    await waitFor(async () => (await client.result(retrying)).status === "retrying", { intervalMs: 10, message: "the first attempt to fail and the retry to wait for its backoff" });
    await Bun.sleep(50); // the finish of `finished` is written lazily (within 5 ms): let it land before the crash
    await client.stop();
    await cp.stop("SIGKILL");

    cp = await startOnPostgres(address, url);
    client = await connect(address);
    expect(await client.result(finished)).toMatchObject({ status: "success", result: 42 });
    const record = await client.result(scheduled, { wait: true });
    expect(record).toMatchObject({ status: "success", result: 3 });
    expect(record.timings.startedAt!).toBeGreaterThanOrEqual(due - 5);
    expect(await client.result(retrying, { wait: true })).toMatchObject({ status: "success", result: 3 });
    await client.stop();
    await cp.stop();
  });

  test("periodic schedules continue from their last run after kill -9: no run fires twice, repeatCount holds", async () => {
    const url = await pg.createDatabase(`crash_${++databases}`);
    const address = await freeAddress();
    const dir = mkdtempSync(join(tmpdir(), "fw-periodic-"));
    const start = () => startOnPostgres(address, url, { modules: "test/fixtures/periodic-tasks.ts", env: { FW_PERIODIC_DIR: dir } });
    let cp = await start();
    await waitFor(async () => {
      const ids = await taskIds(url);
      return ids.filter((id) => id.startsWith("twice@")).length === 2 && ids.some((id) => id.startsWith("everySecond@"));
    }, { timeoutMs: 5_000, intervalMs: 50, message: "both runs of twice and a first everySecond in the journal" });
    await cp.stop("SIGKILL");
    const before = await taskIds(url);
    const firstRuns = before.filter((id) => id.startsWith("everySecond@"));

    cp = await start();
    await Bun.sleep(2_300); // deliberate: the window in which a third `twice` (every 300 ms) must not fire, and everySecond must fire again
    await cp.stop();
    const after = await taskIds(url);
    expect(after.filter((id) => id.startsWith("twice@"))).toHaveLength(2);
    const runs = after.filter((id) => id.startsWith("everySecond@")).map((id) => Number(id.split("@")[1])).sort((a, b) => a - b);
    expect(runs.length).toBeGreaterThan(firstRuns.length);
    for (const dueAt of runs) expect((dueAt - runs[0]!) % 1000).toBe(0);
  });

  test("PostgreSQL restarted under load (pg_ctl restart): acknowledging pauses and resumes, and no acknowledged task is lost, even across a kill -9 afterwards", async () => {
    const url = await pg.createDatabase(`crash_${++databases}`);
    const address = await freeAddress();
    let cp = await startOnPostgres(address, url);
    let client = await connect(address);
    const acked: string[] = [];
    const refused: string[] = [];
    let submitting = true;
    const submitter = (async () => {
      for (let round = 0; submitting; round++) {
        const batch = Array.from({ length: 50 }, (_, i) => client.enqueue("add", [round, i]).then((id) => acked.push(id), (error: { code?: string }) => refused.push(String(error.code))));
        await Promise.all(batch);
      }
    })();
    await waitFor(() => acked.length > 500, { intervalMs: 10, message: "500 acknowledged submissions before the restart" });
    const ackedBefore = acked.length;
    await pg.restart();
    await waitFor(() => acked.length > ackedBefore + 1000, { timeoutMs: 30_000, intervalMs: 20, message: "submissions acknowledged again after PostgreSQL's restart" });
    submitting = false;
    await submitter;
    // Refused while it was away (if the restart outlasted the wait): typed and retryable, never anything else.
    expect(refused.filter((code) => code !== "E_UNAVAILABLE")).toEqual([]);
    // The control plane saw the server go and come back (commits under way when it went were retried).
    expect(cp.output()).toContain("acknowledging pauses");
    expect(cp.output()).toContain("acknowledging resumes");
    const records = await Promise.all(acked.map((id) => client.result(id, { wait: true })));
    expect(records.every((r) => r.status === "success")).toBe(true);
    await Bun.sleep(50); // the last finishes are written lazily
    await client.stop();
    await cp.stop("SIGKILL");

    cp = await startOnPostgres(address, url);
    client = await connect(address);
    const again = await Promise.all(acked.map((id) => client.result(id, { wait: true })));
    expect(again.map((r) => r.taskId)).toEqual(acked);
    expect(again.every((r) => r.status === "success")).toBe(true);
    await client.stop();
    await cp.stop();
  });
});

describe("--journal-url at start", () => {
  const run = (url: string) => Bun.spawnSync(["bun", "bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--no-discovery", "--no-gui", "--journal-url", url],
    { cwd: join(import.meta.dir, "../.."), stdout: "pipe", stderr: "pipe", timeout: 30_000 });

  test("a bad URL is one E_CONFIG line and a non-zero exit; an unreachable server one E_UNAVAILABLE line; neither shows the password", async () => {
    const bad = run("mysql://u:secret@127.0.0.1/db");
    expect(bad.exitCode).not.toBe(0);
    const badText = bad.stderr.toString().trim();
    expect(badText).toStartWith("fastworker: E_CONFIG:");
    expect(badText.split("\n")).toHaveLength(1);
    expect(badText).not.toContain("secret");
    const port = (await freeAddress()).split(":").at(-1);
    const away = run(`postgres://u:secret@127.0.0.1:${port}/db`);
    expect(away.exitCode).not.toBe(0);
    const awayText = away.stderr.toString().trim();
    expect(awayText).toStartWith("fastworker: E_UNAVAILABLE: cannot reach the journal's PostgreSQL");
    expect(awayText.split("\n")).toHaveLength(1);
    expect(awayText).not.toContain("secret");
  });
});
