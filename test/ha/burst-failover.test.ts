// Issue 19's HA test: kill -9 of the active control plane during a burst with 2 standbys on one
// PostgreSQL journal. Every acknowledged task gets exactly one result, none is lost, nothing
// durably finished runs again, and the new leader holds a later epoch. Real processes throughout:
// a throw-away PostgreSQL, 3 control planes through the CLI, a Client given all 3 addresses.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../src/client/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { epochOf, postgresForFile, startHaControlPlane } from "../helpers/ha.ts";
import { type Started } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

const LEASE_MS = 1_000;
const TASKS = 2_000;
/** Per task: with 2 Workers x 4 in flight a burst lasts well over a second, so the kill lands inside it. */
const WORK_MS = 5;
const READY = /control plane .* ready/;

const db = postgresForFile();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fw-ha-burst-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function startCp(url: string, address: string): Started {
  return startHaControlPlane(url, address, { leaseMs: LEASE_MS, tasks: "test/fixtures/ha/burst-tasks.ts", concurrency: 2, args: ["--tasks-per-worker", "4"] });
}

/** The ids whose finish PostgreSQL has committed: read before the kill, so each was durably finished by the old leader. */
async function durablyFinished(url: string): Promise<Set<string>> {
  const sql = new SQL({ url, max: 1 });
  try {
    const rows = await sql.unsafe("SELECT id FROM fastworker.tasks WHERE finished_at IS NOT NULL") as Array<{ id: string }>;
    return new Set(rows.map((r) => r.id));
  } finally {
    await sql.close();
  }
}

async function leaseRow(url: string): Promise<{ address: string; epoch: number }> {
  const sql = new SQL({ url, max: 1 });
  try {
    const [row] = await sql`SELECT address, epoch::int AS epoch FROM fastworker_leader WHERE name = 'control-plane'` as Array<{ address: string; epoch: number }>;
    if (!row) throw new Error("no leader lease row in PostgreSQL");
    return row;
  } finally {
    await sql.close();
  }
}

/** "<id> <pid>" lines the record task appended: id -> the pids it ran on, one entry per run. */
function runsById(file: string): Map<string, number[]> {
  const runs = new Map<string, number[]>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue;
    const [id, pid] = line.split(" ");
    if (id === undefined || pid === undefined) throw new Error(`malformed trace line: ${JSON.stringify(line)}`);
    runs.set(id, [...(runs.get(id) ?? []), Number(pid)]);
  }
  return runs;
}

interface Burst {
  ids: string[];
  outcomes: PromiseSettledResult<string>[];
  resultsPerId: Map<string, number>;
  seenBeforeKill: Set<string>;
  /** Ids PostgreSQL had committed as finished just before the kill. */
  durable: Set<string>;
  oldEpoch: number;
  active: Started;
  winner: { cp: Started; address: string };
  loser: { cp: Started; address: string };
  /** From the kill to the first result, and to the last, as the client saw them (ms). */
  firstMs: number;
  allMs: number;
  url: string;
  file: string;
}

/**
 * 3 control planes on a fresh database, a Client given all 3 addresses (`clientOptions` added),
 * TASKS submit() calls, kill -9 of the active once a quarter of the results are back; resolves
 * once every submit settled. `use` gets the client while it is still started.
 */
async function burstWithKill(name: string, clientOptions: { failoverTimeoutMs?: number }, use: (client: Client, burst: Burst) => Promise<void>): Promise<void> {
  const url = await db.pg.createDatabase(name);
  const file = join(dir, `${name}.log`);
  const [a, b, c] = await Promise.all([freeAddress(), freeAddress(), freeAddress()]);
  const active = startCp(url, a);
  await active.waitFor(READY);
  const standbys = [{ cp: startCp(url, b), address: b }, { cp: startCp(url, c), address: c }];
  for (const s of standbys) await s.cp.waitFor(/standby: the leader is /);
  const oldEpoch = epochOf(active);
  const client = await new Client({ addresses: [a, b, c], ...clientOptions }).start();
  try {
    expect(await client.submit<number>("noop", [1])).toBe(1);
    expect(client.address).toBe(a);
    const ids = Array.from({ length: TASKS }, (_, i) => `burst-${i}`);
    const resultsPerId = new Map<string, number>();
    const seenBeforeKill = new Set<string>();
    let killedAt: number | undefined;
    let firstAt: number | undefined;
    const settled = Promise.allSettled(ids.map((id) => client.submit<string>("record", [file, WORK_MS], { id }).then((value) => {
      resultsPerId.set(id, (resultsPerId.get(id) ?? 0) + 1);
      if (killedAt === undefined) seenBeforeKill.add(id);
      else firstAt ??= performance.now();
      return value;
    })));
    // Mid-burst: a quarter of the results are back, the rest are queued or running on the active.
    await waitFor(() => resultsPerId.size >= TASKS / 4, { intervalMs: 5, timeoutMs: 30_000, message: () => `a quarter of the burst to finish (${resultsPerId.size} so far)` });
    const durable = await durablyFinished(url);
    killedAt = performance.now();
    await active.stop("SIGKILL");
    // Exactly one standby takes over; the other stays a standby.
    const winner = await Promise.any(standbys.map((s) => s.cp.waitFor(READY, 20_000).then(() => s)));
    const outcomes = await settled;
    const allMs = performance.now() - killedAt;
    const loser = standbys.find((s) => s !== winner)!;
    const firstMs = (firstAt ?? Infinity) - killedAt;
    await use(client, { ids, outcomes, resultsPerId, seenBeforeKill, durable, oldEpoch, active, winner, loser, firstMs, allMs, url, file });
  } finally {
    await client.stop();
  }
}

describe("kill -9 of the active control plane during a burst, two standbys", () => {
  // A long failover budget for the client: with the default (30 s) the waiting submits can run out of it today (a src/ bug, see the todo test below).
  test(`${TASKS} acknowledged tasks: one result each, none lost, nothing durably finished runs again, the new leader's epoch is later`, async () => {
    await burstWithKill("burst", { failoverTimeoutMs: 80_000 }, async (client, burst) => {
      const { ids, outcomes, resultsPerId, seenBeforeKill, durable, active, winner, loser } = burst;
      expect(loser.cp.output()).not.toMatch(READY);

      // Every submit resolved, with its own id, once.
      const failed = outcomes.flatMap((o, i) => (o.status === "rejected" ? [`${ids[i]}: ${String(o.reason)}`] : []));
      expect(failed).toEqual([]);
      expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : undefined))).toEqual(ids);
      expect(resultsPerId.size).toBe(TASKS);
      expect([...resultsPerId.values()].every((n) => n === 1)).toBe(true);
      expect(client.address).toBe(winner.address);

      // The new leader knows every id as finished successfully (from the journal or its own run).
      const direct = await new Client({ address: winner.address }).start();
      try {
        const notSuccess: string[] = [];
        for (let i = 0; i < ids.length; i += 100) { // in slices: one request per id, not 2 000 at once on one connection
          const records = await Promise.all(ids.slice(i, i + 100).map((id) => direct.result(id)));
          notSuccess.push(...records.filter((r) => r.status !== "success").map((r) => `${r.taskId}: ${r.status}`));
        }
        expect(notSuccess).toEqual([]);
      } finally {
        await direct.stop();
      }

      // The side effects: every id ran; an id ran at most once per control plane; a second run
      // (at-least-once: its finish had not been committed) happened only on the new leader and
      // never for an id PostgreSQL had already committed as finished before the kill.
      const runs = runsById(burst.file);
      const [oldPid, newPid] = [active.pid, winner.cp.pid];
      expect(ids.filter((id) => !runs.has(id))).toEqual([]);
      expect([...runs.keys()].filter((id) => !resultsPerId.has(id))).toEqual([]);
      expect([...runs].filter(([, pids]) => new Set(pids).size !== pids.length)).toEqual([]);
      expect([...runs.values()].flat().filter((pid) => pid !== oldPid && pid !== newPid)).toEqual([]);
      const reran = [...runs].filter(([, pids]) => pids.length > 1).map(([id]) => id);
      expect(reran.filter((id) => durable.has(id))).toEqual([]);
      expect(durable.size).toBeGreaterThan(0);
      const onNew = [...runs.values()].filter((pids) => pids.includes(newPid)).length;
      expect(onNew).toBeGreaterThan(0); // the kill really was mid-burst: the new leader had work left
      console.log(`burst failover: ${seenBeforeKill.size} results before the kill, ${durable.size} finished in PostgreSQL then, ` +
        `${onNew} ran on the new leader, ${reran.length} ran twice (${reran.filter((id) => seenBeforeKill.has(id)).length} of them after ` +
        `their first result had reached the client); first result ${Math.round(burst.firstMs)} ms, all ${TASKS} ${Math.round(burst.allMs)} ms after kill -9`);

      // Fencing epochs: the new leader's is later, and PostgreSQL names it; the other standby sends clients there.
      const newEpoch = epochOf(winner.cp);
      expect(newEpoch).toBeGreaterThan(burst.oldEpoch);
      expect(await leaseRow(burst.url)).toEqual({ address: winner.address, epoch: newEpoch });
      const viaLoser = await new Client({ address: loser.address }).start();
      try {
        expect(await viaLoser.submit<number>("noop", [7])).toBe(7);
        expect(viaLoser.address).toBe(winner.address);
      } finally {
        await viaLoser.stop();
      }
    });
  }, 120_000);

  /*
   * The client's own failover with default settings (src/connection/failover.ts). Two bugs made
   * this fail once: the new leader's standby connection dropping at takeover marked it down, so
   * the other standby's E_NOT_LEADER naming it was ignored; and a request to the dead leader,
   * whose dial is refused, waited out its whole long-poll. A promoted standby is now followed
   * while down, and a request with no connection up moves on after 1.5 s.
   */
  test("with the default client settings every waiting submit() resolves within a few seconds of the kill", async () => {
    await burstWithKill("burst-default", {}, async (_client, burst) => {
      const failed = burst.outcomes.filter((o) => o.status === "rejected").length;
      console.log(`burst failover, default client: ${failed} rejected, first result ${Math.round(burst.firstMs)} ms, all ${Math.round(burst.allMs)} ms after the kill`);
      expect(failed).toBe(0);
      expect(burst.firstMs).toBeLessThan(LEASE_MS + 5_000);
      expect(burst.allMs).toBeLessThan(LEASE_MS + 10_000);
    });
  }, 120_000);
});
