/**
 * Reading a journal back: at start-up (recover), for `fastworker inspect --check` and for
 * `--salvage`. Each row is decoded on its own; a row that does not decode is reported with its
 * reason instead of stopping the rest.
 */
import type { Database } from "bun:sqlite";
import type { TaskRecord } from "../protocol/index.ts";
import { decodeFinished, decodeLive, reasonOf, type FinishedRow, type LiveRow } from "./journal-rows.ts";
import { TERMINAL_STATES_SQL } from "./journal-schema.ts";
import type { StoredTask } from "./task-store.ts";

export interface BadRow {
  rowid: number;
  id: string;
  reason: string;
}

export interface ReadBack {
  live: StoredTask[];
  finished: TaskRecord[];
  bad: BadRow[];
}

const LIVE_COLUMNS = "rowid, id, spec, priority, state, attempts, due_at, submitted_at";

/** Live tasks in submission order and results finished at or after `finishedSince`, each row decoded alone. */
export function readBack(db: Database, finishedSince: number): ReadBack {
  const bad: BadRow[] = [];
  const live: StoredTask[] = [];
  for (const row of db.query<LiveRow, []>(`SELECT ${LIVE_COLUMNS} FROM tasks WHERE state NOT IN ${TERMINAL_STATES_SQL} ORDER BY rowid`).iterate()) {
    try {
      live.push(decodeLive(row));
    } catch (error) {
      bad.push({ rowid: row.rowid, id: String(row.id), reason: reasonOf(error) });
    }
  }
  const finished: TaskRecord[] = [];
  const finishedRows = db.query<FinishedRow, [number]>("SELECT rowid, id, record FROM tasks WHERE finished_at >= ? AND record IS NOT NULL ORDER BY finished_at");
  for (const row of finishedRows.iterate(finishedSince)) {
    try {
      finished.push(decodeFinished(row));
    } catch (error) {
      bad.push({ rowid: row.rowid, id: String(row.id), reason: reasonOf(error) });
    }
  }
  return { live, finished, bad };
}

/** Moves undecodable rows to the quarantine table (kept whole, as JSON) in one transaction. */
export function quarantine(db: Database, rows: readonly BadRow[]): void {
  if (rows.length === 0) return;
  const copy = db.prepare<void, [string, number, number]>(
    `INSERT INTO quarantine (id, reason, quarantined_at, row)
       SELECT id, ?, ?, json_object('id', id, 'name', name, 'priority', priority, 'state', state, 'attempts', attempts,
         'due_at', due_at, 'submitted_at', submitted_at, 'finished_at', finished_at, 'spec', spec, 'record', record)
       FROM tasks WHERE rowid = ?`);
  const drop = db.prepare<void, [number]>("DELETE FROM tasks WHERE rowid = ?");
  const now = Date.now();
  db.transaction(() => {
    for (const row of rows) {
      copy.run(row.reason, now, row.rowid);
      drop.run(row.rowid);
    }
  })();
}

export function quarantinedCount(db: Database): number {
  return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM quarantine").get()?.n ?? 0;
}
