/**
 * Issue 19's failover time: kill -9 of the active control plane -> the first result served by
 * the new leader, as a client given both addresses sees it. Each run is a fresh active/standby
 * pair on its own database of one throw-away PostgreSQL (test/helpers/postgres.ts); the client
 * submits `noop` right after the kill and times that submit. Median of BENCH_FAILOVER_RUNS (5).
 * Target: <= 5 000 ms with default settings (--leader-lease-ms 5000).
 *
 *   bun bench/failover.ts        (BENCH_LEASE_MS=1000 for a shorter lease; default: the CLI's)
 * Prints one JSON object.
 */
import { Client } from "../src/client/index.ts";
import { startPostgres, type Postgres } from "../test/helpers/postgres.ts";
import { freePort, print, spawnControlPlane } from "./lib.ts";

const RUNS = Number(process.env.BENCH_FAILOVER_RUNS ?? 5);
/** The CLI's default lease (src/cli/control-plane.ts) unless BENCH_LEASE_MS says otherwise. */
const LEASE_MS = process.env.BENCH_LEASE_MS ? Number(process.env.BENCH_LEASE_MS) : undefined;
const DEFAULT_LEASE_MS = 5_000;

async function startCp(url: string, address: string, ready: RegExp): Promise<Bun.Subprocess> {
  return spawnControlPlane(["--task-modules", "bench/fixtures/tasks.ts", "--base-address", address, "--no-discovery", "--no-gui",
    "--concurrency", "1", "--log-level", "warn", ...(LEASE_MS !== undefined ? ["--leader-lease-ms", String(LEASE_MS)] : [])],
  { env: { ...process.env, FASTWORKER_JOURNAL_URL: url }, ready });
}

/** One run: a fresh pair, kill -9 of the active at a random point of its renewal cycle, ms until the first result. */
async function oneRun(pg: Postgres, run: number): Promise<{ ms: number; servedBy: string; standby: string }> {
  const url = await pg.createDatabase(`failover_${run}`);
  const [a, b] = [`tcp://127.0.0.1:${await freePort()}`, `tcp://127.0.0.1:${await freePort()}`];
  const active = await startCp(url, a, /control plane .* ready/);
  let standby: Bun.Subprocess | undefined;
  let client: Client | undefined;
  try {
    standby = await startCp(url, b, /standby: the leader is /);
    client = await new Client({ addresses: [a, b] }).start();
    await client.submit("noop", [0]);
    // The leader renews every third of its lease: kill at a random phase of that, as a real crash would.
    await Bun.sleep(Math.random() * ((LEASE_MS ?? DEFAULT_LEASE_MS) / 3));
    active.kill("SIGKILL");
    const killedAt = performance.now();
    await client.submit("noop", [run]);
    return { ms: Math.round(performance.now() - killedAt), servedBy: client.address ?? "", standby: b };
  } finally {
    await client?.stop();
    active.kill("SIGKILL");
    await active.exited;
    standby?.kill("SIGTERM");
    await standby?.exited;
  }
}

export async function runFailover(): Promise<void> {
  let pg: Postgres;
  try {
    pg = await startPostgres();
  } catch (error) {
    print({ scenario: "failover", error: error instanceof Error ? error.message : String(error) });
    return;
  }
  try {
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { ms, servedBy, standby } = await oneRun(pg, i);
      if (servedBy !== standby) throw new Error(`run ${i}: the result came from ${servedBy}, not the standby ${standby}`);
      runs.push(ms);
    }
    const sorted = [...runs].sort((x, y) => x - y);
    print({
      scenario: `failover: kill -9 of the active -> first result from the new leader (median of ${RUNS}, a fresh pair each run, one PostgreSQL)`,
      lease_ms: LEASE_MS ?? DEFAULT_LEASE_MS, median_ms: sorted[Math.floor(sorted.length / 2)], min_ms: sorted[0], max_ms: sorted.at(-1), runs_ms: runs,
    });
  } finally {
    await pg.stop();
  }
}

if (import.meta.main) await runFailover();
