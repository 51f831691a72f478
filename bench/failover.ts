/**
 * Issue 19's failover time: kill -9 of the active control plane -> the first result served by
 * the new leader, as a client given both addresses sees it. Each run is a fresh active/standby
 * pair on its own database of one throw-away PostgreSQL (test/helpers/postgres.ts); the client
 * submits `noop` right after the kill and times that submit. Median of BENCH_FAILOVER_RUNS (5).
 * Target: <= 5 000 ms with default settings (--leader-lease-ms 5000).
 *
 *   bun bench/failover.ts        (BENCH_LEASE_MS=1000 for a shorter lease, default the CLI's;
 *                                 BENCH_FAILOVER_STANDBYS=2 for two standbys instead of one)
 * Prints one JSON object.
 */
import { Client } from "../src/client/index.ts";
import { startPostgres, type Postgres } from "../test/helpers/postgres.ts";
import { freePort, print, spawnControlPlane } from "./lib.ts";

const RUNS = Number(process.env.BENCH_FAILOVER_RUNS ?? 5);
/** The CLI's default lease (src/cli/control-plane.ts) unless BENCH_LEASE_MS says otherwise. */
const LEASE_MS = process.env.BENCH_LEASE_MS ? Number(process.env.BENCH_LEASE_MS) : undefined;
const DEFAULT_LEASE_MS = 5_000;
const STANDBYS = Number(process.env.BENCH_FAILOVER_STANDBYS ?? 1);

async function startCp(url: string, address: string, ready: RegExp): Promise<Bun.Subprocess> {
  return spawnControlPlane(["--task-modules", "bench/fixtures/tasks.ts", "--base-address", address, "--no-discovery", "--no-gui",
    "--concurrency", "1", "--log-level", "warn", ...(LEASE_MS !== undefined ? ["--leader-lease-ms", String(LEASE_MS)] : [])],
  { env: { ...process.env, FASTWORKER_JOURNAL_URL: url }, ready });
}

/** One run: a fresh pair (or trio), kill -9 of the active at a random point of its renewal cycle, ms until the first result. */
async function oneRun(pg: Postgres, run: number): Promise<{ ms: number; servedBy: string; standbys: string[]; error?: string }> {
  const url = await pg.createDatabase(`failover_${run}`);
  const a = `tcp://127.0.0.1:${await freePort()}`;
  const standbyAddresses = await Promise.all(Array.from({ length: STANDBYS }, async () => `tcp://127.0.0.1:${await freePort()}`));
  const active = await startCp(url, a, /control plane .* ready/);
  const standbys: Bun.Subprocess[] = [];
  let client: Client | undefined;
  try {
    for (const address of standbyAddresses) standbys.push(await startCp(url, address, /standby: the leader is /));
    client = await new Client({ addresses: [a, ...standbyAddresses] }).start();
    await client.submit("noop", [0]);
    // The leader renews every third of its lease: kill at a random phase of that, as a real crash would.
    await Bun.sleep(Math.random() * ((LEASE_MS ?? DEFAULT_LEASE_MS) / 3));
    active.kill("SIGKILL");
    const killedAt = performance.now();
    // A failed failover is a result of the bench (how long until the client gave up, and why), not a crash of it.
    const error = await client.submit("noop", [run]).then(() => undefined, (e: unknown) => (e instanceof Error ? e.message : String(e)));
    return { ms: Math.round(performance.now() - killedAt), servedBy: client.address ?? "", standbys: standbyAddresses, ...(error !== undefined ? { error } : {}) };
  } finally {
    await client?.stop();
    active.kill("SIGKILL");
    await active.exited;
    for (const standby of standbys) {
      standby.kill("SIGTERM");
      await standby.exited;
    }
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
    const failures: Array<{ run: number; after_ms: number; error: string }> = [];
    for (let i = 0; i < RUNS; i++) {
      const { ms, servedBy, standbys, error } = await oneRun(pg, i);
      if (error !== undefined) {
        failures.push({ run: i, after_ms: ms, error });
        continue;
      }
      if (!standbys.includes(servedBy)) throw new Error(`run ${i}: the result came from ${servedBy}, not a standby (${standbys.join(", ")})`);
      runs.push(ms);
    }
    const sorted = [...runs].sort((x, y) => x - y);
    print({
      scenario: `failover: kill -9 of the active -> first result from the new leader (median of ${RUNS}, a fresh active + ${STANDBYS === 1 ? "standby" : `${STANDBYS} standbys`} each run, one PostgreSQL)`,
      standbys: STANDBYS, lease_ms: LEASE_MS ?? DEFAULT_LEASE_MS,
      // Failed runs count as slower than any success: the median is null once most of them failed.
      median_ms: sorted[Math.floor(RUNS / 2)] ?? null, min_ms: sorted[0] ?? null, max_ms: sorted.at(-1) ?? null,
      runs_ms: runs, failed: failures.length, ...(failures.length > 0 ? { failures } : {}),
    });
  } finally {
    await pg.stop();
  }
}

if (import.meta.main) await runFailover();
