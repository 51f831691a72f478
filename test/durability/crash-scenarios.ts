/**
 * The kill -9 scenarios both journals must survive (crash.test.ts on SQLite, postgres-crash.test.ts
 * on PostgreSQL): one copy of each, run against a `CrashJournal` that says how to start a control
 * plane on that journal and how to read its task rows straight from the storage.
 */
import { expect } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "../../src/client/index.ts";
import { connect } from "../helpers/control-plane.ts";
import { freeAddress } from "../helpers/ports.ts";
import type { Started } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

export interface JournalRow {
  id: string;
  state: string;
}

export interface CrashJournal {
  /** A control plane on this journal (--concurrency 2), once it is ready. */
  start(address: string, options?: { modules?: string; env?: Record<string, string> }): Promise<Started>;
  /** Every task row in the journal, read from the storage itself (the control plane may be running or dead). */
  rows(): Promise<JournalRow[]>;
}

/** Until the journal holds `ids` (all of them) as finished successes: finishes are written lazily. */
export async function journaled(journal: CrashJournal, ids: readonly string[]): Promise<void> {
  const wanted = new Set(ids);
  await waitFor(async () => (await journal.rows()).filter((r) => wanted.has(r.id) && r.state === "success").length === wanted.size, {
    timeoutMs: 10_000, intervalMs: 20, message: `the finishes of ${wanted.size} task(s) to reach the journal`,
  });
}

/**
 * kill -9 mid-run loses no acknowledged task: after a restart on the same journal every one
 * finishes, with one result each. `afterRestart` checks what a journal says at its second start.
 */
export async function killMidRun(journal: CrashJournal, total: number, afterRestart?: (cp: Started) => Promise<void>): Promise<void> {
  const address = await freeAddress();
  let cp = await journal.start(address);
  let client = await connect(address);
  const ids = await client.submitBatch(Array.from({ length: total }, (_, i) => ({ task: "sleep", args: [i % 50 === 0 ? 1 : 0] })));
  expect(new Set(ids).size).toBe(total);
  // Let part of the work finish, then crash without any chance to flush or say goodbye.
  await waitFor(async () => ((await client.status()).workers[0]?.completed ?? 0) > 1000, { intervalMs: 10, message: "the first 1000 tasks to finish" });
  await client.stop();
  await cp.stop("SIGKILL");

  cp = await journal.start(address);
  await afterRestart?.(cp);
  client = await connect(address);
  const records = await Promise.all(ids.map((id) => client.result(id, { wait: true })));
  expect(records.every((r) => r.status === "success")).toBe(true);
  expect(records.map((r) => r.taskId)).toEqual(ids);
  records.forEach((r, i) => expect(r.result).toBe(i % 50 === 0 ? 1 : 0));
  // Tasks that finished before the crash are still answerable from the journal.
  expect((await client.result(ids[0]!)).status).toBe("success");
  await client.stop();
  await cp.stop();
}

/** Results within their TTL survive a restart; scheduled tasks and retries waiting for their backoff fire at their time. */
export async function scheduledAndRetries(journal: CrashJournal): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "fw-retry-"));
  const address = await freeAddress();
  let cp = await journal.start(address);
  let client: Client = await connect(address);
  const finished = await client.enqueue("add", [20, 22]);
  expect((await client.result(finished, { wait: true })).result).toBe(42);
  const due = Date.now() + 2_000;
  const scheduled = await client.enqueue("add", [1, 2], { eta: due });
  const retrying = await client.enqueue("failTwice", [join(scratch, "counter")]);
  await waitFor(async () => (await client.result(retrying)).status === "retrying", { intervalMs: 10, message: "the first attempt to fail and the retry to wait for its backoff" });
  await journaled(journal, [finished]);
  await client.stop();
  await cp.stop("SIGKILL");

  cp = await journal.start(address);
  client = await connect(address);
  expect(await client.result(finished)).toMatchObject({ status: "success", result: 42 });
  const record = await client.result(scheduled, { wait: true });
  expect(record).toMatchObject({ status: "success", result: 3 });
  expect(record.timings.startedAt!).toBeGreaterThanOrEqual(due - 5);
  expect(await client.result(retrying, { wait: true })).toMatchObject({ status: "success", result: 3 });
  await client.stop();
  await cp.stop();
}

/** After kill -9 and a restart a periodic series continues from its last run: no run fires twice, repeatCount holds. */
export async function periodicAcrossCrash(journal: CrashJournal): Promise<void> {
  const address = await freeAddress();
  const dir = mkdtempSync(join(tmpdir(), "fw-periodic-"));
  const start = () => journal.start(address, { modules: "test/fixtures/periodic-tasks.ts", env: { FW_PERIODIC_DIR: dir } });
  const ids = async () => (await journal.rows()).map((r) => r.id);
  let cp = await start();
  await waitFor(async () => {
    const seen = await ids();
    return seen.filter((id) => id.startsWith("twice@")).length === 2 && seen.some((id) => id.startsWith("everySecond@"));
  }, { timeoutMs: 5_000, intervalMs: 50, message: "both runs of twice and a first everySecond in the journal" });
  await cp.stop("SIGKILL");
  const before = await ids();
  expect(before.filter((id) => id.startsWith("twice@"))).toHaveLength(2);
  const firstRuns = before.filter((id) => id.startsWith("everySecond@"));
  expect(firstRuns.length).toBeGreaterThanOrEqual(1);

  cp = await start();
  await Bun.sleep(2_300); // the window under test: a third `twice` (every 300 ms) must not fire in it, and everySecond must fire again
  await cp.stop();
  const after = await ids();
  // repeatCount 2 was already used up before the crash: no third run.
  expect(after.filter((id) => id.startsWith("twice@"))).toHaveLength(2);
  const runs = after.filter((id) => id.startsWith("everySecond@")).map((id) => Number(id.split("@")[1])).sort((a, b) => a - b);
  expect(runs.length).toBeGreaterThan(firstRuns.length);
  // Same phase as before the crash: every due time is the first one plus whole intervals.
  for (const dueAt of runs) expect((dueAt - runs[0]!) % 1000).toBe(0);
}
