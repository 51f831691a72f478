// `bun bench/journal-soak.ts`: a steady load against a durable control plane whose results expire
// quickly, printing the journal's size every few seconds. Compaction must keep it bounded.
// Prints one JSON object per sample: { scenario, seconds, tasks_done, journal_bytes }.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../src/client/index.ts";
import { freePort } from "./lib.ts";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 40);
const dataDir = mkdtempSync(join(tmpdir(), "fw-soak-"));
const port = await freePort();
const address = `tcp://127.0.0.1:${port}`;
const cp = Bun.spawn(["bun", "bin/fastworker.ts", "control-plane", "--task-modules", "bench/fixtures/tasks.ts", "--base-address", address,
  "--no-discovery", "--no-gui", "--data-dir", dataDir, "--result-cache-ttl", "2", "--result-cache-cleanup-interval", "1", "--log-level", "warn"],
  { cwd: `${import.meta.dir}/..`, stdout: "ignore", stderr: "inherit" });
try {
  await Bun.sleep(1500);
  const client = await new Client({ address, connectTimeoutMs: 10_000 }).start();
  const size = () => ["journal.sqlite", "journal.sqlite-wal"].reduce((n, f) => {
    try {
      return n + statSync(join(dataDir, f)).size;
    } catch {
      return n; // the WAL file may not exist between checkpoints
    }
  }, 0);
  let done = 0;
  let stop = false;
  const lanes = Array.from({ length: 256 }, async () => {
    while (!stop) {
      await client.submit("noop", [done]);
      done++;
    }
  });
  const started = Date.now();
  while (Date.now() - started < SECONDS * 1000) {
    await Bun.sleep(4000);
    console.log(JSON.stringify({ scenario: "journal soak (ttl 2 s)", seconds: Math.round((Date.now() - started) / 1000), tasks_done: done, journal_bytes: size() }));
  }
  stop = true;
  await Promise.all(lanes);
  await client.stop();
} finally {
  cp.kill("SIGTERM");
  await cp.exited;
  rmSync(dataDir, { recursive: true, force: true });
}
