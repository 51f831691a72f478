// A damaged journal: undecodable rows are quarantined and everything else recovers; a damaged
// file is refused with a typed error naming the file and the fix; inspect --check and --salvage.
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { closeSync, mkdtempSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JournalCheck, JournalSummary, SalvageReport } from "../../src/store/index.ts";
import { connect } from "../helpers/control-plane.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { startDurable } from "./journal-cp.ts";

afterAll(killAll);
const ROOT = join(import.meta.dir, "../..");

function inspect(...args: string[]): { code: number; out: string; json: <T>() => T } {
  const run = Bun.spawnSync(["bun", "bin/fastworker.ts", "inspect", ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const out = run.stdout.toString() + run.stderr.toString();
  return { code: run.exitCode, out, json: <T>() => JSON.parse(run.stdout.toString()) as T };
}

/** A journal holding `count` tasks scheduled far ahead (so they stay live), written by a real control plane. */
async function journalWith(count: number, padding = 0): Promise<{ dataDir: string; ids: string[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), "fw-damage-"));
  const { cp, address } = await startDurable(dataDir);
  const client = await connect(address);
  const ids = await client.submitBatch(Array.from({ length: count }, (_, i) => ({ task: "add", args: [i, "x".repeat(padding)], options: { countdownMs: 600_000 } })));
  await client.stop();
  expect(await cp.stop()).toBe(0);
  return { dataDir, ids };
}

describe("a journal with undecodable rows", () => {
  test("they are quarantined and reported (log, inspect, /api/status, /metrics); every other task comes back", async () => {
    const { dataDir, ids } = await journalWith(20);
    const db = new Database(join(dataDir, "journal.sqlite"));
    db.run("UPDATE tasks SET spec = '{not json' WHERE id = ?", [ids[3]!]);
    db.run("UPDATE tasks SET spec = json_set(spec, '$.args', 'not an array') WHERE id = ?", [ids[7]!]);
    db.close();

    const check = inspect("--data-dir", dataDir, "--check", "--json");
    expect(check.code).toBe(1);
    expect(check.json<JournalCheck>().problems.map((p) => p.id).sort()).toEqual([ids[3], ids[7]].sort());

    const durable = await startDurable(dataDir);
    await durable.cp.waitFor(/quarantined/);
    expect(durable.cp.output()).toContain(ids[3]!);
    expect(durable.cp.output()).not.toContain("JSON Parse error:\n");
    const status = await durable.status();
    expect(status.journal?.quarantined_rows).toBe(2);
    expect(status.tasks.scheduled).toBe(18);
    expect(await durable.metrics()).toContain("fastworker_journal_quarantined_rows 2");
    const client = await connect(durable.address);
    expect((await client.result(ids[0]!)).status).toBe("scheduled");
    await client.stop();
    expect(await durable.cp.stop()).toBe(0);

    const summary = inspect("--data-dir", dataDir, "--json").json<JournalSummary>();
    expect(summary.quarantined.count).toBe(2);
    expect(summary.quarantined.rows.map((r) => r.reason).join(" ")).toMatch(/invalid spec|JSON/);
    expect(inspect("--data-dir", dataDir).out).toContain("quarantined rows: 2");
    expect(inspect("--data-dir", dataDir, "--check").code).toBe(0);
  });
});

describe("a journal with a damaged page", () => {
  test("start-up refuses it with E_JOURNAL naming the file and the fix; --check reports it; --salvage copies the readable tasks into a journal that starts", async () => {
    const { dataDir, ids } = await journalWith(3000, 300);
    const file = join(dataDir, "journal.sqlite");
    const pageSize = readFileSync(file).readUInt16BE(16); // from the SQLite header
    const pages = statSync(file).size / pageSize;
    expect(pages).toBeGreaterThan(100);
    // Garbage over one page of the table (the page holding task 1500's spec, not an index page): a torn write, a bad sector.
    const at = readFileSync(file).indexOf(Buffer.from('"args":[1500,'));
    expect(at).toBeGreaterThan(0);
    const fd = openSync(file, "r+");
    writeSync(fd, new Uint8Array(pageSize).fill(0x5a), 0, pageSize, Math.floor(at / pageSize) * pageSize);
    closeSync(fd);

    const refused = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", "tcp://127.0.0.1:1", "--no-discovery", "--no-gui", "--data-dir", dataDir]);
    expect(await refused.proc.exited).toBe(2);
    const output = refused.output();
    expect(output).toContain("E_JOURNAL");
    expect(output).toContain(file);
    expect(output).toContain("--salvage");
    expect(output).not.toMatch(/^\s+at /m);

    const check = inspect("--data-dir", dataDir, "--check");
    expect(check.code).toBe(1);
    expect(check.out).toContain("PROBLEMS");

    const rescued = join(mkdtempSync(join(tmpdir(), "fw-salvaged-")), "journal");
    const salvage = inspect("--data-dir", dataDir, "--salvage", rescued, "--json");
    expect(salvage.code).toBe(0);
    const report = salvage.json<SalvageReport>();
    expect(report.unreadable).toBeGreaterThan(0);
    expect(report.copied + report.unreadable + report.quarantined).toBe(ids.length);
    expect(report.copied).toBeGreaterThan(ids.length * 0.9);
    expect(inspect("--data-dir", rescued, "--check").code).toBe(0);

    const durable = await startDurable(rescued);
    expect((await durable.status()).tasks.scheduled).toBe(report.copied);
    expect(await durable.cp.stop()).toBe(0);
    // Salvage writes only into a new directory.
    expect(inspect("--data-dir", dataDir, "--salvage", rescued).code).not.toBe(0);
  });
});
