// `bun bench/journal-modes.ts` (and part of `bun run bench`): pipelined trivial tasks and sequential
// submit-and-wait with the journal off, --journal-sync normal and --journal-sync full, one after the
// other on the same machine. One JSON object per mode. Targets: full >= 50 % of in-memory
// throughput; full submit-and-wait p99 <= 3 ms.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../src/client/index.ts";
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
  const modes: Array<{ mode: "in-memory" | "normal" | "full"; tasksPerS: number }> = [];
  for (const mode of ["in-memory", "normal", "full"] as const) {
    const dataDir = mkdtempSync(join(tmpdir(), "fw-bench-journal-"));
    const journal = mode === "in-memory" ? [] : ["--data-dir", dataDir, "--journal-sync", mode];
    const durable = await start(["--concurrency", "2", ...journal], mode === "in-memory");
    try {
      const client = await new Client({ address: durable.address }).start();
      await sequential(client, 500);
      const seq = await sequential(client, 3000);
      const pipe = await pipelined(client, "noop", (i) => [i], PIPELINED, IN_FLIGHT);
      modes.push({ mode, tasksPerS: pipe.tasksPerS });
      const ofMemory = modes[0]!.mode === "in-memory" ? Math.round((100 * pipe.tasksPerS) / modes[0]!.tasksPerS) : null;
      print({
        scenario: `journal ${mode}: pipelined trivial (${PIPELINED} tasks, ${IN_FLIGHT} in flight) + sequential submit-and-wait`,
        journal: mode, tasks_per_s: pipe.tasksPerS, p50_ms: percentile(pipe.latencies, 0.5), p99_ms: percentile(pipe.latencies, 0.99),
        pct_of_in_memory: ofMemory, submit_wait_p50_ms: percentile(seq, 0.5), submit_wait_p99_ms: percentile(seq, 0.99), rss_mb: rssMb(durable.proc.pid),
      });
      await client.stop();
    } finally {
      durable.proc.kill("SIGTERM");
      await durable.proc.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

if (import.meta.main) await runJournalModes();
