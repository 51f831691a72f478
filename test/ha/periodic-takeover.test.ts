// Issue 19: periodic schedules across a failover. An active and a standby control plane on one
// PostgreSQL journal run a periodic task (test/fixtures/ha/periodic-tasks.ts) that records each
// run with its due time; kill -9 of the active between two runs -> the standby takes over and
// the schedule keeps firing on the same grid, with no due time run twice and none run by both.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TICK_MS } from "../fixtures/ha/periodic-tasks.ts";
import { freeAddress } from "../helpers/ports.ts";
import { epochOf, postgresForFile, startHaControlPlane } from "../helpers/ha.ts";
import { type Started } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

const LEASE_MS = 1_000;
const READY = /control plane .* ready/;
/** The kill must land at least this long before the next due time, so no run is in flight then. */
const KILL_MARGIN_MS = 150;

const db = postgresForFile();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fw-ha-periodic-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function startCp(url: string, address: string): Started {
  return startHaControlPlane(url, address, { leaseMs: LEASE_MS, tasks: "test/fixtures/ha/periodic-tasks.ts", env: { FW_HA_DIR: dir } });
}

interface Run {
  id: string;
  dueAt: number;
  pid: number;
  ranAt: number;
}

/** The lines haTick appended: "haTick@<due> <pid> <now>", in the order they ran. */
function runs(): Run[] {
  const file = join(dir, "ticks.log");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map((line) => {
    const [id, pid, ranAt] = line.split(" ");
    const dueAt = Number(id?.slice(id.lastIndexOf("@") + 1));
    if (id === undefined || !id.startsWith("haTick@") || !Number.isInteger(dueAt)) throw new Error(`malformed trace line: ${JSON.stringify(line)}`);
    return { id, dueAt, pid: Number(pid), ranAt: Number(ranAt) };
  });
}

/** haTick rows in the journal: the due times (ids) and whether each is finished. */
async function journalRows(sql: SQL): Promise<Array<{ id: string; finished: boolean }>> {
  return await sql.unsafe("SELECT id, finished_at IS NOT NULL AS finished FROM fastworker.tasks WHERE name = 'haTick' ORDER BY id") as Array<{ id: string; finished: boolean }>;
}

describe("a periodic schedule across a takeover", () => {
  test("kill -9 of the active between two runs: the standby keeps the schedule on its grid, no due time runs twice", async () => {
    const url = await db.pg.createDatabase("periodic");
    const sql = new SQL({ url, max: 1 });
    const [a, b] = [await freeAddress(), await freeAddress()];
    const active = startCp(url, a);
    await active.waitFor(READY);
    const standby = startCp(url, b);
    try {
      await standby.waitFor(/standby: the leader is /);
      await waitFor(() => runs().length >= 3, { timeoutMs: 10_000, message: () => `3 runs on the active (${runs().length} so far)` });

      // Between two runs: every haTick in the journal finished, and the next one is not due for a while.
      let lastBefore = 0;
      await waitFor(async () => {
        const rows = await journalRows(sql);
        if (rows.length === 0 || rows.some((r) => !r.finished)) return false;
        lastBefore = Math.max(...rows.map((r) => Number(r.id.slice("haTick@".length))));
        return Date.now() < lastBefore + TICK_MS - KILL_MARGIN_MS;
      }, { intervalMs: 5, timeoutMs: 10_000, message: "a moment between two runs, the last one finished in PostgreSQL" });
      await active.stop("SIGKILL");
      const killedAt = Date.now();
      expect(runs().every((r) => r.pid === active.pid)).toBe(true); // the standby ran nothing while it was one

      await standby.waitFor(READY, 20_000);
      await waitFor(() => runs().filter((r) => r.pid === standby.pid).length >= 4, { timeoutMs: 15_000, message: () => `4 runs on the new leader (${runs().filter((r) => r.pid === standby.pid).length} so far)` });
      await standby.stop();

      const all = runs();
      const before = all.filter((r) => r.pid === active.pid);
      const after = all.filter((r) => r.pid === standby.pid);
      expect(before.length + after.length).toBe(all.length);
      expect(before.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...before.map((r) => r.dueAt))).toBe(lastBefore);

      // No due time ran twice, on either control plane or across them.
      const dueTimes = all.map((r) => r.dueAt);
      expect(new Set(dueTimes).size).toBe(dueTimes.length);
      // The new leader continues the same series: after the old one's last run, on the same grid, never early.
      expect(Math.min(...after.map((r) => r.dueAt))).toBeGreaterThan(lastBefore);
      expect(dueTimes.filter((d) => (d - dueTimes[0]!) % TICK_MS !== 0)).toEqual([]);
      expect(all.filter((r) => r.ranAt < r.dueAt)).toEqual([]);
      // The due times that passed during the takeover were skipped (missed), not caught up in a burst.
      const firstAfter = Math.min(...after.map((r) => r.dueAt));
      expect(firstAfter).toBeGreaterThanOrEqual(killedAt);
      const afterDues = after.map((r) => r.dueAt).sort((x, y) => x - y);
      expect(afterDues.slice(1).map((d, i) => d - afterDues[i]!).filter((gap) => gap < TICK_MS)).toEqual([]);

      // Each run is one row of the journal, under the id of its due time.
      const rows = new Set((await journalRows(sql)).map((r) => r.id));
      expect(all.filter((r) => !rows.has(r.id)).map((r) => r.id)).toEqual([]);
      expect(epochOf(standby)).toBeGreaterThan(epochOf(active));
      console.log(`periodic takeover: ${before.length} runs on the old leader, ${after.length} on the new; ` +
        `first due time on the new one ${firstAfter - lastBefore} ms after the old one's last (${TICK_MS} ms interval, lease ${LEASE_MS} ms)`);
    } finally {
      await sql.close();
      await standby.stop();
    }
  });
});
