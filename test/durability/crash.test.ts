import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../src/client/index.ts";
import { connect } from "../helpers/control-plane.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);

async function startDurable(address: string, dataDir: string) {
  const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", address,
    "--no-discovery", "--no-gui", "--concurrency", "2", "--data-dir", dataDir, "--result-cache-size", "50000"]);
  await cp.waitFor(/control plane .* ready/);
  return cp;
}

describe("the journal", () => {
  test("kill -9 mid-run loses no acknowledged task: after a restart on the same data dir every one finishes, with one result each", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fw-journal-"));
    const address = await freeAddress();
    let cp = await startDurable(address, dataDir);
    let client = await connect(address);
    const total = 20_000;
    const ids = await client.submitBatch(Array.from({ length: total }, (_, i) => ({ task: "sleep", args: [i % 50 === 0 ? 1 : 0] })));
    expect(new Set(ids).size).toBe(total);
    // Let part of the work finish, then crash without any chance to flush or say goodbye.
    await waitFor(async () => ((await client.status()).workers[0]?.completed ?? 0) > 1000, { intervalMs: 10, message: "the first 1000 tasks to finish" });
    await client.stop();
    await cp.stop("SIGKILL");

    cp = await startDurable(address, dataDir);
    client = await connect(address);
    const records = await Promise.all(ids.map((id) => client.result(id, { wait: true })));
    expect(records.every((r) => r.status === "success")).toBe(true);
    expect(records.map((r) => r.taskId)).toEqual(ids);
    records.forEach((r, i) => expect(r.result).toBe(i % 50 === 0 ? 1 : 0));
    // Tasks that finished before the crash are still answerable from the journal.
    expect((await client.result(ids[0]!)).status).toBe("success");
    await client.stop();
    await cp.stop();
  });

  test("scheduled tasks and retries waiting for their backoff survive a restart and fire at their time", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fw-journal-"));
    const scratch = mkdtempSync(join(tmpdir(), "fw-retry-"));
    const address = await freeAddress();
    let cp = await startDurable(address, dataDir);
    let client = await connect(address);
    const due = Date.now() + 2_000;
    const scheduled = await client.enqueue("add", [1, 2], { eta: due });
    const retrying = await client.enqueue("failTwice", [join(scratch, "counter")]);
    await waitFor(async () => (await client.result(retrying)).status === "retrying", { intervalMs: 10, message: "the first attempt to fail and the retry to wait for its backoff" });
    expect((await client.result(retrying)).status).toMatch(/retrying|running|queued/);
    await client.stop();
    await cp.stop("SIGKILL");

    cp = await startDurable(address, dataDir);
    client = await connect(address);
    const record = await client.result(scheduled, { wait: true });
    expect(record).toMatchObject({ status: "success", result: 3 });
    expect(record.timings.startedAt!).toBeGreaterThanOrEqual(due - 5);
    const retried = await client.result(retrying, { wait: true });
    expect(retried).toMatchObject({ status: "success", result: 3 });
    await client.stop();
    await cp.stop();
  });

  test("a journal from a newer format version is refused with a clear message", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fw-journal-"));
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, "journal.sqlite"), { create: true });
    db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('format_version', '99')");
    db.close();
    const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", await freeAddress(), "--no-discovery", "--no-gui", "--data-dir", dataDir]);
    expect(await cp.stop("SIGCONT").catch(() => -1)).not.toBe(0);
    expect(cp.output()).toContain("E_JOURNAL_VERSION");
    expect(cp.output()).toContain("format version 99");
  });

  test("a corrupt or foreign journal file is refused at start with a clear error, never silently replaced", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fw-journal-"));
    writeFileSync(join(dataDir, "journal.sqlite"), "this is not a database, it is a shopping list\n".repeat(200));
    const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", await freeAddress(), "--no-discovery", "--no-gui", "--data-dir", dataDir]);
    expect(await cp.proc.exited).toBe(2);
    expect(cp.output()).toContain("E_JOURNAL");
    expect(readFileSync(join(dataDir, "journal.sqlite"), "utf8")).toStartWith("this is not a database");
  });

  test("fastworker inspect shows counts by state", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fw-journal-"));
    const address = await freeAddress();
    const cp = await startDurable(address, dataDir);
    const client = await new Client({ address }).start();
    await client.submit("add", [1, 1]);
    await client.enqueue("add", [1, 1], { countdownMs: 60_000 });
    await client.stop();
    await cp.stop();
    const inspect = Bun.spawnSync(["bun", "bin/fastworker.ts", "inspect", "--data-dir", dataDir, "--json"], { cwd: join(import.meta.dir, "../.."), stdout: "pipe" });
    const summary = JSON.parse(inspect.stdout.toString());
    expect(summary.byState).toEqual({ success: 1, scheduled: 1 });
    expect(summary.oldestQueued.name).toBe("add");
  });
});

describe("compaction", () => {
  test("a crash (kill -9) during compaction loses nothing: every live task is still in the journal", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fw-compact-"));
    const child = startProcess(["test/fixtures/compaction-crash.ts", dataDir]);
    await child.waitFor(/compacting/, 60_000);
    await child.stop("SIGKILL");
    const { JournalStore } = await import("../../src/store/index.ts");
    const store = new JournalStore(dataDir);
    const { live } = await store.recover(3_600_000);
    expect(live.map((t) => t.spec.id).sort()).toEqual(Array.from({ length: 1000 }, (_, i) => `live-${i}`).sort());
    store.compact(Date.now() - 60_000);
    expect((await store.recover(10 * 3_600_000)).finished).toHaveLength(0);
    await store.close();
  });
});

describe("periodic schedules across a crash", () => {
  test("after kill -9 and a restart the series continues from its last run: no run fires twice, repeatCount holds", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fw-journal-"));
    const address = await freeAddress();
    const start = async () => {
      const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/periodic-tasks.ts", "--base-address", address,
        "--no-discovery", "--no-gui", "--concurrency", "2", "--data-dir", dataDir], { env: { FW_PERIODIC_DIR: dataDir } });
      await cp.waitFor(/control plane .* ready/);
      return cp;
    };
    let cp = await start();
    await waitFor(() => {
      const ids = inspectIds(dataDir);
      return ids.filter((id) => id.startsWith("twice@")).length === 2 && ids.some((id) => id.startsWith("everySecond@"));
    }, { timeoutMs: 5_000, intervalMs: 50, message: "both runs of twice and a first everySecond in the journal" });
    await cp.stop("SIGKILL");
    const before = inspectIds(dataDir);
    expect(before.filter((id) => id.startsWith("twice@"))).toHaveLength(2);
    const firstRuns = before.filter((id) => id.startsWith("everySecond@"));
    expect(firstRuns.length).toBeGreaterThanOrEqual(1);

    cp = await start();
    await Bun.sleep(2_300); // deliberate: the window in which a third `twice` (every 300 ms) must not fire, and everySecond must fire again
    await cp.stop();
    const after = inspectIds(dataDir);
    // repeatCount 2 was already used up before the crash: no third run.
    expect(after.filter((id) => id.startsWith("twice@"))).toHaveLength(2);
    const runs = after.filter((id) => id.startsWith("everySecond@")).map((id) => Number(id.split("@")[1])).sort((a, b) => a - b);
    expect(runs.length).toBeGreaterThan(firstRuns.length);
    // Same phase as before the crash: every due time is the first one plus whole intervals.
    for (const dueAt of runs) expect((dueAt - runs[0]!) % 1000).toBe(0);
  });
});

function inspectIds(dataDir: string): string[] {
  const db = new Database(join(dataDir, "journal.sqlite"), { readonly: true });
  try {
    return db.query<{ id: string }, []>("SELECT id FROM tasks").all().map((r) => r.id);
  } finally {
    db.close();
  }
}
