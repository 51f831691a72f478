/**
 * One group commit as one SQL statement. The ops of a commit are folded per task first (the last
 * word on each column wins, exactly as applying them in order would), so each task is one row of
 * a JSON array: tasks accepted in this commit are inserted with their latest state, the others
 * updated. Both arrays go in a single statement (its own transaction, one round trip) and their
 * ids never overlap, so the insert and the update cannot see each other's rows.
 *
 * Replaying the same commit is harmless (every column is set to a value, never incremented):
 * a commit whose answer was lost with the connection is simply sent again. Each commit also
 * moves the chain token in meta (postgres-chain.ts) from one it expects to its own, and applies
 * nothing when the token is elsewhere: a commit given up on that reaches the server late can no
 * longer overwrite what later commits wrote.
 */
import type { SQL } from "bun";
import type { JournalOp } from "../journal-rows.ts";
import { SCHEMA } from "./postgres-schema.ts";

interface InsertRow {
  id: string; name: string; priority: string; state: string; attempts: number; due_at: number | null;
  submitted_at: number; finished_at: number | null; spec: string; record: string | null;
}
interface UpdateRow {
  id: string; state: string; attempts: number; set_due: boolean; due_at: number | null;
  finish: boolean; finished_at: number | null; record: string | null;
}

/** Folds the ops of one commit into at most one row per task, keeping their first-seen order. */
export function fold(ops: readonly JournalOp[]): { inserts: InsertRow[]; updates: UpdateRow[] } {
  const inserts = new Map<string, InsertRow>();
  const updates = new Map<string, UpdateRow>();
  for (const op of ops) {
    if (op.kind === "accept") {
      updates.delete(op.id); // an accept starts the row over, as INSERT … ON CONFLICT DO UPDATE does
      inserts.set(op.id, { id: op.id, name: op.name, priority: op.priority, state: op.state, attempts: op.attempts, due_at: op.dueAt, submitted_at: op.submittedAt, finished_at: null, spec: op.spec, record: null });
      continue;
    }
    const inserted = inserts.get(op.id);
    if (inserted !== undefined) {
      inserted.state = op.state;
      inserted.attempts = op.attempts;
      if (op.kind === "update") inserted.due_at = op.dueAt;
      else {
        inserted.finished_at = op.finishedAt;
        inserted.record = op.record;
      }
      continue;
    }
    let row = updates.get(op.id);
    if (row === undefined) {
      row = { id: op.id, state: op.state, attempts: op.attempts, set_due: false, due_at: null, finish: false, finished_at: null, record: null };
      updates.set(op.id, row);
    }
    row.state = op.state;
    row.attempts = op.attempts;
    if (op.kind === "update") {
      row.set_due = true;
      row.due_at = op.dueAt;
    } else {
      row.finish = true;
      row.finished_at = op.finishedAt;
      row.record = op.record;
    }
  }
  return { inserts: [...inserts.values()], updates: [...updates.values()] };
}

const COMMIT = `
WITH guard AS (
  UPDATE ${SCHEMA}.meta SET value = $3 WHERE key = 'commit_chain' AND value IN (SELECT json_array_elements_text($4::text::json))
  RETURNING 1
), ins AS (
  INSERT INTO ${SCHEMA}.tasks (id, name, priority, state, attempts, due_at, submitted_at, finished_at, spec, record)
  SELECT id, name, priority, state, attempts, due_at, submitted_at, finished_at, spec, record
  FROM json_to_recordset($1::text::json) AS x(id TEXT, name TEXT, priority TEXT, state TEXT, attempts INTEGER,
    due_at DOUBLE PRECISION, submitted_at DOUBLE PRECISION, finished_at DOUBLE PRECISION, spec TEXT, record TEXT)
  WHERE EXISTS (SELECT 1 FROM guard)
  ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, priority = EXCLUDED.priority, state = EXCLUDED.state,
    attempts = EXCLUDED.attempts, due_at = EXCLUDED.due_at, submitted_at = EXCLUDED.submitted_at,
    finished_at = EXCLUDED.finished_at, spec = EXCLUDED.spec, record = EXCLUDED.record
  RETURNING 1
), upd AS (
  UPDATE ${SCHEMA}.tasks t SET state = u.state, attempts = u.attempts,
    due_at = CASE WHEN u.set_due THEN u.due_at ELSE t.due_at END,
    finished_at = CASE WHEN u.finish THEN u.finished_at ELSE t.finished_at END,
    record = CASE WHEN u.finish THEN u.record ELSE t.record END
  FROM json_to_recordset($2::text::json) AS u(id TEXT, state TEXT, attempts INTEGER, set_due BOOLEAN,
    due_at DOUBLE PRECISION, finish BOOLEAN, finished_at DOUBLE PRECISION, record TEXT)
  WHERE t.id = u.id AND EXISTS (SELECT 1 FROM guard)
  RETURNING 1
)
SELECT (SELECT count(*) FROM guard)::int AS guarded, ((SELECT count(*) FROM ins) + (SELECT count(*) FROM upd))::int AS changes,
  (SELECT value FROM ${SCHEMA}.meta WHERE key = 'commit_chain') AS current`;

const PROBE = `INSERT INTO ${SCHEMA}.meta (key, value) VALUES ('last_write_probe', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;

/** What one commit statement found: applied (the token was one it expected), or the token it found instead. */
export type CommitOutcome = { applied: true; changes: number } | { applied: false; current: string | null };

/**
 * Applies one group commit if the chain token is one of `expect`, moving it to `next`; resolves
 * once PostgreSQL has committed it (flushed to its WAL on disk with synchronous_commit on).
 * `probe` writes even when `ops` is empty: how a degraded journal learns the server takes writes again.
 */
export async function commitOps(sql: SQL, ops: readonly JournalOp[], probe: boolean, chain: { next: string; expect: readonly string[] }): Promise<CommitOutcome> {
  if (probe) await sql.unsafe(PROBE, [String(Date.now())]);
  if (ops.length === 0) return { applied: true, changes: 0 };
  const { inserts, updates } = fold(ops);
  const [row] = await sql.unsafe(COMMIT, [JSON.stringify(inserts), JSON.stringify(updates), chain.next, JSON.stringify(chain.expect)]) as Array<{ guarded: number; changes: number; current: string | null }>;
  // The final SELECT sees the statement's snapshot: `current` is the token before this commit.
  return row !== undefined && row.guarded === 1 ? { applied: true, changes: row.changes } : { applied: false, current: row?.current ?? null };
}

/** Deletes finished tasks older than `before` in bounded batches, so no statement holds locks for long. */
export async function compactRows(sql: SQL, before: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < 50; i++) {
    const rows = await sql.unsafe(
      `DELETE FROM ${SCHEMA}.tasks WHERE seq IN (SELECT seq FROM ${SCHEMA}.tasks WHERE finished_at IS NOT NULL AND finished_at < $1 LIMIT 5000)`,
      [before]) as { count: number };
    total += rows.count;
    if (rows.count < 5000) break;
  }
  return total;
}
