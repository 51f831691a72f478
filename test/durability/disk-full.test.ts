// Disk full while running (a small tmpfs): typed refusals, errors counted and reported in one
// line, recovery by itself when space returns, and a clean shutdown on a full disk.
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FastWorkerError } from "../../src/errors.ts";
import { connect } from "../helpers/control-plane.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { killAll } from "../helpers/processes.ts";
import { sample, startDurable } from "./journal-cp.ts";

const unmounts: Array<() => void> = [];
afterAll(async () => {
  await killAll();
  for (const unmount of unmounts) unmount();
});

/** A 4 MiB tmpfs (needs root); undefined where the machine does not allow mounting. */
function smallDisk(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "fw-full-"));
  if (Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir]).exitCode !== 0) return undefined;
  unmounts.push(() => {
    Bun.spawnSync(["umount", dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/**
 * Fills the disk with one file, leaving not one free block: 64 KiB chunks until one does not fit,
 * then 4 KiB, then single bytes, so no write that needs a new block can succeed afterwards.
 */
function fill(dir: string): string {
  const filler = join(dir, "filler");
  let size = 0;
  for (const chunkBytes of [64 * 1024, 4 * 1024, 1]) {
    const chunk = new Uint8Array(chunkBytes);
    for (;;) {
      try {
        writeFileSync(filler, chunk, { flag: "a" });
        size += chunk.length;
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
        break; // this size no longer fits: try a smaller one
      }
    }
  }
  expect(size).toBeGreaterThan(0);
  return filler;
}

/**
 * Empties the journal's WAL file (a TRUNCATE checkpoint from a second connection), so the next
 * write the control plane makes must grow the file: on a full disk, it fails for certain instead
 * of reusing WAL space an earlier checkpoint left behind.
 */
async function emptyWal(dataDir: string): Promise<void> {
  const db = new Database(join(dataDir, "journal.sqlite"));
  try {
    db.exec("PRAGMA busy_timeout = 1000");
    await waitFor(() => db.query<{ busy: number }, []>("PRAGMA wal_checkpoint(TRUNCATE)").get()?.busy === 0, { message: "a TRUNCATE checkpoint of the journal's WAL" });
  } finally {
    db.close();
  }
}

const disk = smallDisk();

describe.skipIf(disk === undefined)("disk full", () => {
  test("submissions refused with E_JOURNAL; status, /metrics and the log agree; it recovers by itself when space returns; SIGTERM on a full disk exits cleanly", async () => {
    const dataDir = join(disk!, "journal");
    const durable = await startDurable(dataDir, { extra: ["--result-cache-cleanup-interval", "1"] });
    const client = await connect(durable.address);
    expect(await client.submit("add", [1, 2])).toBe(3);
    // Accepted now, finishes while the disk is full: its finish must be kept and land after recovery.
    const finishesDuringOutage = await client.enqueue("sleep", [1_000]);

    const filler = fill(disk!);
    // Pages already in the WAL can be rewritten on a full disk: write until the journal must grow.
    const padding = "p".repeat(16 * 1024);
    let refusal: unknown;
    for (let i = 0; i < 400 && refusal === undefined; i++) {
      refusal = await client.enqueue("add", [i, padding]).then(() => undefined, (error: unknown) => error);
    }
    expect(refusal).toBeInstanceOf(FastWorkerError);
    expect((refusal as FastWorkerError).code).toBe("E_JOURNAL");
    expect((refusal as FastWorkerError).message).toMatch(/full/);
    expect((refusal as FastWorkerError).message).not.toContain(dataDir);

    // Degraded, the same everywhere: new submissions refused at once, status and /metrics say so.
    const next = await client.enqueue("add", [1, 1]).catch((error: unknown) => error);
    expect((next as FastWorkerError).code).toBe("E_JOURNAL");
    const status = await durable.status();
    expect(status.journal?.state).toBe("degraded");
    expect(status.journal?.degraded_reason).toMatch(/full/);
    const metrics = await durable.metrics();
    expect(sample(metrics, "fastworker_journal_degraded")).toBe(1);
    expect(sample(metrics, 'fastworker_journal_errors_total{operation="commit"}')).toBeGreaterThanOrEqual(1);
    await durable.cp.waitFor(/journal degraded/);
    await Bun.sleep(1_500); // deliberate: a window in which the writer retries and compaction sweeps (every second) run on the full disk
    expect(durable.cp.output()).not.toMatch(/^\s+at /m);
    expect(durable.cp.output()).not.toContain("SQLiteError");

    // Space returns: the writer's retry succeeds and submissions are accepted again, no restart.
    rmSync(filler);
    await waitFor(async () => (await durable.status()).journal?.state === "ok", { message: "the journal to leave the degraded state" });
    expect((await client.result(finishesDuringOutage)).status).toBe("success");
    expect(await client.submit("add", [2, 3])).toBe(5);
    expect(sample(await durable.metrics(), "fastworker_journal_degraded")).toBe(0);
    await durable.cp.waitFor(/journal recovered/);

    // Full again, then SIGTERM: a clear message, exit 0, no raw SQLite error.
    const again = fill(disk!);
    await client.stop();
    expect(await durable.cp.stop("SIGTERM")).toBe(0);
    const tail = durable.cp.output().split("SIGTERM: stopping")[1] ?? "";
    expect(tail).toContain("control plane stopped");
    expect(tail).not.toContain("fastworker: error");
    expect(tail).not.toMatch(/^\s+at /m);
    rmSync(again);
    const db = new Database(join(dataDir, "journal.sqlite"), { readonly: true });
    expect(db.query<{ state: string }, [string]>("SELECT state FROM tasks WHERE id = ?").get(finishesDuringOutage)?.state).toBe("success");
    db.close();
    rmSync(dataDir, { recursive: true, force: true }); // the small disk is shared by the tests below
  });

  test("compaction on a full disk: counted in /metrics, one log line, no stack; works again by itself when space returns", async () => {
    const dataDir = join(disk!, "compact");
    // A 3 s TTL: the rows become due for compaction only after the disk below is full.
    const durable = await startDurable(dataDir, { extra: ["--result-cache-ttl", "3", "--result-cache-cleanup-interval", "1"] });
    const client = await connect(durable.address);
    // Small enough that the WAL can be checkpointed into the database file on this 4 MiB disk.
    const padding = "c".repeat(4 * 1024);
    const sums = await Promise.all(Array.from({ length: 50 }, (_, i) => client.submit("add", [i, padding])));
    expect(sums).toHaveLength(50);
    await waitFor(async () => (await durable.status()).journal?.pending_writes === 0, { message: "every finish to be committed" });
      await emptyWal(dataDir);
    const filler = fill(disk!);
    const compactErrors = async () => sample(await durable.metrics(), 'fastworker_journal_errors_total{operation="compact"}') ?? 0;
    await waitFor(async () => (await compactErrors()) >= 1, { message: "a compaction to fail on the full disk" });
    await durable.cp.waitFor(/compaction failed; retrying with backoff/);
    expect(durable.cp.output().match(/compaction failed/g)).toHaveLength(1); // one line, not one per sweep
    expect(durable.cp.output()).not.toMatch(/^\s+at /m);
    expect(durable.cp.output()).not.toContain("SQLiteError");
    rmSync(filler);
    await durable.cp.waitFor(/compaction works again/);
    await client.stop();
    expect(await durable.cp.stop()).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
