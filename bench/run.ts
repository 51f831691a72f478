// `bun run bench`: end-to-end numbers with the client and the control plane in separate processes.
// Prints one JSON object per scenario: scenario, tasks_per_s, p50_ms, p99_ms, rss_mb (where they apply).
import { Client } from "../src/client/index.ts";
import { runBounded } from "./bounded.ts";
import { runBurst } from "./burst.ts";
import { runFailover } from "./failover.ts";
import { runJournalModes } from "./journal-modes.ts";
import { runFloor } from "./native-floor.ts";
import { freePort, percentile, pipelined, print, rssMb, sequential, spawnControlPlane } from "./lib.ts";

const PIPELINED = Number(process.env.BENCH_TASKS ?? 100_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 4096);

async function startControlPlane(extra: string[], inMemory = true): Promise<{ address: string; proc: Bun.Subprocess }> {
  const address = `tcp://127.0.0.1:${await freePort()}`;
  const proc = await spawnControlPlane(["--task-modules", "bench/fixtures/tasks.ts", "--base-address", address, "--no-discovery", "--no-gui",
    ...(inMemory ? ["--no-journal"] : []), "--log-level", "warn", ...extra]);
  return { address, proc };
}

const { address, proc } = await startControlPlane(["--concurrency", "2"]);
try {
  await Bun.sleep(500);
  print({ scenario: "cp idle rss", rss_mb: rssMb(proc.pid) });
  const client = await new Client({ address }).start();
  await sequential(client, 500); // warm-up
  const seq = await sequential(client, 5000);
  print({ scenario: "sequential submit-and-wait", tasks_per_s: Math.round(5000 / (seq.reduce((a, b) => a + b, 0) / 1000)), p50_ms: percentile(seq, 0.5), p99_ms: percentile(seq, 0.99) });
  const pipe = await pipelined(client, "noop", (i) => [i], PIPELINED, IN_FLIGHT);
  print({ scenario: `pipelined trivial (${PIPELINED} tasks, ${IN_FLIGHT} in flight)`, tasks_per_s: pipe.tasksPerS, p50_ms: percentile(pipe.latencies, 0.5), p99_ms: percentile(pipe.latencies, 0.99), rss_mb: rssMb(proc.pid) });
  const cpu = await pipelined(client, "cpu", () => [1], 4000, 64);
  print({ scenario: "cpu-bound 1 ms tasks (2 Workers)", tasks_per_s: cpu.tasksPerS, p50_ms: percentile(cpu.latencies, 0.5), p99_ms: percentile(cpu.latencies, 0.99) });
  const mix = await pipelined(client, "mixed", (i) => [i], 20_000, 512);
  print({ scenario: "mix: 1 in 20 tasks CPU-bound 1 ms", tasks_per_s: mix.tasksPerS, p50_ms: percentile(mix.latencies, 0.5), p99_ms: percentile(mix.latencies, 0.99) });
  print({ scenario: "cp loaded rss", rss_mb: rssMb(proc.pid) });
  await client.stop();
} finally {
  proc.kill("SIGTERM");
  await proc.exited;
}

// Prefetch 8: Workers get tasks ahead of time (priorities stay strict: higher ones overtake).
const prefetched = await startControlPlane(["--concurrency", "2", "--prefetch", "8"]);
try {
  const client = await new Client({ address: prefetched.address }).start();
  await sequential(client, 500);
  const pipe = await pipelined(client, "noop", (i) => [i], PIPELINED, IN_FLIGHT);
  print({ scenario: `pipelined trivial, --prefetch 8 (${PIPELINED} tasks, ${IN_FLIGHT} in flight)`, tasks_per_s: pipe.tasksPerS, p50_ms: percentile(pipe.latencies, 0.5), p99_ms: percentile(pipe.latencies, 0.99) });
  await client.stop();
} finally {
  prefetched.proc.kill("SIGTERM");
  await prefetched.proc.exited;
}

// What the machine allows one request/reply over libnng and over TCP, in C (bench/native-floor.ts): the sequential figures' floor.
await runFloor();

// The burst workload of issue 16 (bench/burst.ts; also runnable alone): across processes, subworkers only, embedded.
await runBurst();

// Journal modes side by side (bench/journal-modes.ts; also runnable alone).
await runJournalModes(startControlPlane);

// Auth and TLS side by side (bench/security.ts).
await import("./security.ts");

// Issue 14's bounded-resources figures (bench/bounded.ts; alone it queues 1 000 000): 200 000 here keeps the whole run near 3 min.
await runBounded(Number(process.env.BENCH_QUEUED ?? 200_000));

// Issue 19's failover time, median of 5 kill -9 runs on active/standby pairs (bench/failover.ts; also runnable alone).
await runFailover();
