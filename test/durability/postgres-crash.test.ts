// The SQLite journal's crash scenarios (crash-scenarios.ts, as crash.test.ts runs them) on the PostgreSQL
// journal, through the real CLI and a real, throw-away PostgreSQL server; plus that server restarted under load.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { join } from "node:path";
import { connect } from "../helpers/control-plane.ts";
import { freeAddress } from "../helpers/ports.ts";
import { startPostgres, stopAllPostgres, type Postgres } from "../helpers/postgres.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { journaled, killMidRun, periodicAcrossCrash, scheduledAndRetries, type CrashJournal, type JournalRow } from "./crash-scenarios.ts";

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

async function journalRows(url: string): Promise<JournalRow[]> {
  const sql = new SQL({ url, max: 1 });
  try {
    return (await sql`SELECT id, state FROM fastworker.tasks`) as JournalRow[];
  } finally {
    await sql.close();
  }
}

/** A fresh database on the test server; its rows are read over a connection of their own. */
async function postgresJournal(): Promise<CrashJournal & { url: string }> {
  const url = await pg.createDatabase(`crash_${++databases}`);
  return { url, start: (address, options) => startOnPostgres(address, url, options), rows: () => journalRows(url) };
}

describe("the PostgreSQL journal", () => {
  test("kill -9 mid-run loses no acknowledged task: after a restart on the same URL every one finishes, with one result each", async () => {
    const journal = await postgresJournal();
    await killMidRun(journal, 10_000, async (cp) => {
      await cp.waitFor(/journal: +postgres:\/\/fwtest:\*\*\*@.* \(PostgreSQL, sync full\)/);
      expect(cp.output()).not.toContain(decodeURIComponent(new URL(journal.url).password));
    });
  });

  test("results within their TTL survive a restart; scheduled tasks and retries waiting for their backoff fire at their time", async () => {
    await scheduledAndRetries(await postgresJournal());
  });

  test("periodic schedules continue from their last run after kill -9: no run fires twice, repeatCount holds", async () => {
    await periodicAcrossCrash(await postgresJournal());
  });

  test("PostgreSQL restarted under load (pg_ctl restart): acknowledging pauses and resumes, and no acknowledged task is lost, even across a kill -9 afterwards", async () => {
    const journal = await postgresJournal();
    const address = await freeAddress();
    let cp = await journal.start(address);
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
    await journaled(journal, acked);
    await client.stop();
    await cp.stop("SIGKILL");

    cp = await journal.start(address);
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
