import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../src/client/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { killMidRun, periodicAcrossCrash, scheduledAndRetries, type CrashJournal, type JournalRow } from "./crash-scenarios.ts";

afterAll(killAll);

async function startDurable(address: string, dataDir: string, options: { modules?: string; env?: Record<string, string> } = {}) {
  const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", options.modules ?? "test/fixtures/core-tasks.ts", "--base-address", address,
    "--no-discovery", "--no-gui", "--concurrency", "2", "--data-dir", dataDir, "--result-cache-size", "50000"], { env: options.env });
  await cp.waitFor(/control plane .* ready/);
  return cp;
}

/** A fresh data dir; its rows are read from journal.sqlite directly (read-only, beside the running writer). */
function sqliteJournal(): CrashJournal {
  const dataDir = mkdtempSync(join(tmpdir(), "fw-journal-"));
  return { start: (address, options) => startDurable(address, dataDir, options), rows: async () => journalRows(dataDir) };
}

describe("the journal", () => {
  test("kill -9 mid-run loses no acknowledged task: after a restart on the same data dir every one finishes, with one result each", async () => {
    await killMidRun(sqliteJournal(), 20_000);
  });

  test("results within their TTL survive a restart; scheduled tasks and retries waiting for their backoff fire at their time", async () => {
    await scheduledAndRetries(sqliteJournal());
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
    await store.compact(Date.now() - 60_000);
    expect((await store.recover(10 * 3_600_000)).finished).toHaveLength(0);
    await store.close();
  });
});

describe("periodic schedules across a crash", () => {
  test("after kill -9 and a restart the series continues from its last run: no run fires twice, repeatCount holds", async () => {
    await periodicAcrossCrash(sqliteJournal());
  });
});

function journalRows(dataDir: string): JournalRow[] {
  const db = new Database(join(dataDir, "journal.sqlite"), { readonly: true });
  try {
    return db.query<JournalRow, []>("SELECT id, state FROM tasks").all();
  } finally {
    db.close();
  }
}
