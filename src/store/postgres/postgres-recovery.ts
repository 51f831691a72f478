/**
 * Reading the PostgreSQL journal back at start-up: live tasks in submission order and results
 * finished since a time, read in pages (keyset on seq) so a long queue never arrives as one
 * result set. Each row is decoded on its own with the SQLite journal's decoders; a row that does
 * not decode is moved to the quarantine table instead of stopping recovery.
 */
import type { SQL } from "bun";
import type { TaskRecord } from "../../protocol/index.ts";
import type { BadRow, ReadBack } from "../journal-recovery.ts";
import { decodeFinished, decodeLive, reasonOf, type FinishedRow, type LiveRow } from "../journal-rows.ts";
import { TERMINAL_STATES_SQL } from "../journal-schema.ts";
import type { StoredTask } from "../task-store.ts";
import { SCHEMA } from "./postgres-schema.ts";

const PAGE = 10_000;

const LIVE_PAGE = `SELECT seq::float8 AS rowid, id, spec, priority, state, attempts, due_at, submitted_at FROM ${SCHEMA}.tasks
  WHERE state NOT IN ${TERMINAL_STATES_SQL} AND seq > $1 ORDER BY seq LIMIT ${PAGE}`;
const FINISHED_PAGE = `SELECT seq::float8 AS rowid, id, record, finished_at FROM ${SCHEMA}.tasks
  WHERE finished_at >= $1 AND record IS NOT NULL AND (finished_at, seq) > ($2, $3) ORDER BY finished_at, seq LIMIT ${PAGE}`;

export async function readBack(sql: SQL, finishedSince: number): Promise<ReadBack> {
  const bad: BadRow[] = [];
  const live: StoredTask[] = [];
  for (let after = 0; ;) {
    const rows = await sql.unsafe(LIVE_PAGE, [after]) as LiveRow[];
    for (const row of rows) {
      try {
        live.push(decodeLive(row));
      } catch (error) {
        bad.push({ rowid: row.rowid, id: String(row.id), reason: reasonOf(error) });
      }
    }
    if (rows.length < PAGE) break;
    after = rows.at(-1)!.rowid;
  }
  const finished: TaskRecord[] = [];
  for (let at = -Infinity, after = 0; ;) {
    const rows = await sql.unsafe(FINISHED_PAGE, [finishedSince, Number.isFinite(at) ? at : finishedSince - 1, after]) as Array<FinishedRow & { finished_at: number }>;
    for (const row of rows) {
      try {
        finished.push(decodeFinished(row));
      } catch (error) {
        bad.push({ rowid: row.rowid, id: String(row.id), reason: reasonOf(error) });
      }
    }
    if (rows.length < PAGE) break;
    at = rows.at(-1)!.finished_at;
    after = rows.at(-1)!.rowid;
  }
  return { live, finished, bad };
}

/** Moves undecodable rows to the quarantine table (kept whole, as JSON) in one transaction. */
export async function quarantine(sql: SQL, rows: readonly BadRow[]): Promise<void> {
  if (rows.length === 0) return;
  const list = JSON.stringify(rows.map((row) => ({ seq: row.rowid, reason: row.reason })));
  await sql.begin(async (tx) => {
    await tx.unsafe(`INSERT INTO ${SCHEMA}.quarantine (id, reason, quarantined_at, row)
      SELECT t.id, b.reason, $2, row_to_json(t)::text FROM ${SCHEMA}.tasks t
      JOIN json_to_recordset($1::text::json) AS b(seq BIGINT, reason TEXT) ON t.seq = b.seq`, [list, Date.now()]);
    await tx.unsafe(`DELETE FROM ${SCHEMA}.tasks WHERE seq IN (SELECT seq FROM json_to_recordset($1::text::json) AS b(seq BIGINT, reason TEXT))`, [list]);
  });
}

export async function quarantinedCount(sql: SQL): Promise<number> {
  const [row] = await sql.unsafe(`SELECT count(*)::int AS n FROM ${SCHEMA}.quarantine`) as Array<{ n: number }>;
  return row?.n ?? 0;
}
