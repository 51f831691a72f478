// `bun bench/journal-modes.ts` (and part of `bun run bench`): pipelined trivial tasks and sequential
// submit-and-wait with the journal off, --journal-sync normal and --journal-sync full, then the
// PostgreSQL journal (--journal-url, sync full) on a throw-away local server (test/helpers/postgres.ts),
// one after the other on the same machine. One JSON object per mode. Targets: full >= 50 % of
// in-memory throughput; full submit-and-wait p99 <= 3 ms; postgres >= 50 % of SQLite full.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../src/client/index.ts";
import { startPostgres, type Postgres } from "../test/helpers/postgres.ts";
import { freePort, percentile, pipelined, print, rssMb, sequential, spawnControlPlane } from "./lib.ts";

const PIPELINED = Number(process.env.BENCH_TASKS ?? 100_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 4096);

type Start = (extra: string[], inMemory: boolean) => Promise<{ address: string; proc: Bun.Subprocess }>;

async function startDefault(extra: string[], inMemory: boolean): Promise<{ address: string; proc: Bun.Subprocess }> {
  const address = `tcp://127.0.0.1:${await freePort()}`;
  const proc = await spawnControlPlane(["--task-modules", "bench/fixtures/tasks.ts", "--base-address", address, "--no-discovery", "--no-gui",
    ...(inMemory ? ["--no-journal"] : []), "--log-level", "warn", ...extra]);
  return { address, proc };
}

export async function runJournalModes(start: Start = startDefault): Promise<void> {
  const modes: Array<{ mode: "in-memory" | "normal" | "full" | "postgres"; tasksPerS: number }> = [];
  let pg: Postgres | undefined;
  for (const mode of ["in-memory", "normal", "full", "postgres"] as const) {
    const dataDir = mkdtempSync(join(tmpdir(), "fw-bench-journal-"));
    if (mode === "postgres") {
      try {
        pg = await startPostgres();
      } catch (error) {
        print({ scenario: "journal postgres", error: error instanceof Error ? error.message : String(error) });
        break;
      }
    }
    const journal = mode === "in-memory" ? [] : mode === "postgres" ? ["--journal-url", await pg!.createDatabase("bench"), "--journal-sync", "full"] : ["--data-dir", dataDir, "--journal-sync", mode];
    const durable = await start(["--concurrency", "2", ...journal], mode === "in-memory");
    try {
      const client = await new Client({ address: durable.address }).start();
      await sequential(client, 500);
      const seq = await sequential(client, 3000);
      const pipe = await pipelined(client, "noop", (i) => [i], PIPELINED, IN_FLIGHT);
      modes.push({ mode, tasksPerS: pipe.tasksPerS });
      const ofMemory = modes[0]!.mode === "in-memory" ? Math.round((100 * pipe.tasksPerS) / modes[0]!.tasksPerS) : null;
      const full = modes.find((m) => m.mode === "full");
      const ofSqlite = mode === "postgres" && full ? { pct_of_sqlite_full: Math.round((100 * pipe.tasksPerS) / full.tasksPerS) } : {};
      print({
        scenario: `journal ${mode}: pipelined trivial (${PIPELINED} tasks, ${IN_FLIGHT} in flight) + sequential submit-and-wait`,
        journal: mode, tasks_per_s: pipe.tasksPerS, p50_ms: percentile(pipe.latencies, 0.5), p99_ms: percentile(pipe.latencies, 0.99),
        pct_of_in_memory: ofMemory, ...ofSqlite, submit_wait_p50_ms: percentile(seq, 0.5), submit_wait_p99_ms: percentile(seq, 0.99), rss_mb: rssMb(durable.proc.pid),
      });
      await client.stop();
    } finally {
      durable.proc.kill("SIGTERM");
      await durable.proc.exited;
      rmSync(dataDir, { recursive: true, force: true });
      if (mode === "postgres") await pg?.stop();
    }
  }
}

if (import.meta.main) await runJournalModes();
