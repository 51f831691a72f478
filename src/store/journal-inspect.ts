/**
 * `fastworker inspect`: what a journal holds (summary), whether it is sound (--check), and a way
 * out of a damaged one (--salvage <new-dir>: every readable task copied into a fresh journal).
 * Every function opens the journal read-only and never changes it.
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync } from "node:fs";
import { FastWorkerError } from "../errors.ts";
import { quarantine, readBack } from "./journal-recovery.ts";
import { decodeFinished, decodeLive, reasonOf, type LiveRow } from "./journal-rows.ts";
import { errorText, journalError, journalPath, migrate, TERMINAL_STATES_SQL } from "./journal-schema.ts";

export interface JournalSummary {
  path: string;
  formatVersion: number;
  byState: Record<string, number>;
  oldestQueued?: { id: string; name: string; submittedAt: string };
  sizeBytes: number;
  /** Rows recovery set aside because they did not decode (newest first, at most 20 shown). */
  quarantined: { count: number; rows: Array<{ id: string | null; reason: string; quarantinedAt: string }> };
}

export interface JournalCheck {
  path: string;
  ok: boolean;
  /** SQLite's integrity check: ["ok"] or its first problems. */
  integrity: string[];
  rows: number;
  /** Rows that do not decode (what recovery would quarantine), or a read that broke off. */
  problems: Array<{ id: string | null; reason: string }>;
}

export interface SalvageReport {
  from: string;
  to: string;
  copied: number;
  /** Rows that could be read but not decoded: copied to the new journal's quarantine table. */
  quarantined: number;
  /** Rows lost to damage (could not be read at all). */
  unreadable: number;
}

function openReadOnly(dataDir: string): { db: Database; path: string } {
  const path = journalPath(dataDir);
  if (!existsSync(path)) throw new FastWorkerError("E_JOURNAL", `no journal at ${path}; pass the control plane's --data-dir`);
  try {
    return { db: new Database(path, { readonly: true, strict: true }), path };
  } catch (error) {
    throw journalError(path, dataDir, error);
  }
}

export function inspectJournal(dataDir: string): JournalSummary {
  const { db, path } = openReadOnly(dataDir);
  try {
    const version = Number(db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'format_version'").get()?.value ?? 0);
    const byState: Record<string, number> = {};
    for (const row of db.query<{ state: string; n: number }, []>("SELECT state, COUNT(*) AS n FROM tasks GROUP BY state").all()) byState[row.state] = row.n;
    const oldest = db.query<{ id: string; name: string; submitted_at: number }, []>(`SELECT id, name, submitted_at FROM tasks WHERE state NOT IN ${TERMINAL_STATES_SQL} ORDER BY submitted_at LIMIT 1`).get();
    const pages = db.query<{ n: number }, []>("SELECT page_count AS n FROM pragma_page_count()").get()?.n ?? 0;
    const pageSize = db.query<{ n: number }, []>("SELECT page_size AS n FROM pragma_page_size()").get()?.n ?? 0;
    const hasQuarantine = db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'quarantine'").get()?.n === 1;
    const quarantined = hasQuarantine
      ? {
          count: db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM quarantine").get()?.n ?? 0,
          rows: db.query<{ id: string | null; reason: string; quarantined_at: number }, []>("SELECT id, reason, quarantined_at FROM quarantine ORDER BY rowid DESC LIMIT 20").all()
            .map((r) => ({ id: r.id, reason: r.reason, quarantinedAt: new Date(r.quarantined_at).toISOString() })),
        }
      : { count: 0, rows: [] };
    return {
      path, formatVersion: version, byState, sizeBytes: pages * pageSize, quarantined,
      ...(oldest ? { oldestQueued: { id: oldest.id, name: oldest.name, submittedAt: new Date(oldest.submitted_at).toISOString() } } : {}),
    };
  } catch (error) {
    throw journalError(path, dataDir, error);
  } finally {
    db.close();
  }
}

/** SQLite's integrity check, then every row decoded as recovery would. */
export function checkJournal(dataDir: string): JournalCheck {
  const { db, path } = openReadOnly(dataDir);
  try {
    let integrity: string[];
    try {
      integrity = db.query<{ integrity_check: string }, []>("PRAGMA integrity_check(20)").all().map((r) => r.integrity_check);
    } catch (error) {
      integrity = [errorText(error)];
    }
    const problems: JournalCheck["problems"] = [];
    let rows = 0;
    try {
      const back = readBack(db, 0);
      rows = back.live.length + back.finished.length + back.bad.length;
      for (const bad of back.bad) problems.push({ id: bad.id, reason: bad.reason });
    } catch (error) {
      problems.push({ id: null, reason: `reading the rows broke off: ${errorText(error)}` });
    }
    return { path, ok: integrity.length === 1 && integrity[0] === "ok" && problems.length === 0, integrity, rows, problems };
  } finally {
    db.close();
  }
}

type AnyRow = LiveRow & { name: string; finished_at: number | null; record: string | null };

/** Reads rows by rowid range; a range that hits damage is split until the damaged rows are isolated. */
function readRange(db: Database, from: number, to: number, onRow: (row: AnyRow) => void): number {
  try {
    for (const row of db.query<AnyRow, [number, number]>("SELECT rowid, * FROM tasks WHERE rowid BETWEEN ? AND ? ORDER BY rowid").all(from, to)) onRow(row);
    return 0;
  } catch (error) {
    if (from === to) return 1;
    const middle = Math.floor((from + to) / 2);
    return readRange(db, from, middle, onRow) + readRange(db, middle + 1, to, onRow);
  }
}

/** Copies every readable, decodable task of `dataDir` into a fresh journal in `newDir`. */
export function salvageJournal(dataDir: string, newDir: string): SalvageReport {
  const target = journalPath(newDir);
  if (existsSync(target)) throw new FastWorkerError("E_JOURNAL", `${target} already exists; salvage writes only into a new, empty directory`);
  const { db, path } = openReadOnly(dataDir);
  mkdirSync(newDir, { recursive: true });
  const out = new Database(target, { create: true, strict: true });
  try {
    out.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
    migrate(out, target);
    let maxRowid: number;
    try {
      maxRowid = db.query<{ n: number | null }, []>("SELECT max(rowid) AS n FROM tasks").get()?.n ?? 0;
    } catch {
      // The table's right edge is damaged: bound the scan by what the file could hold instead.
      maxRowid = 200 * (db.query<{ n: number }, []>("SELECT page_count AS n FROM pragma_page_count()").get()?.n ?? 0);
    }
    const insert = out.prepare("INSERT OR IGNORE INTO tasks (id, name, priority, state, attempts, due_at, submitted_at, finished_at, spec, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const bad: Array<{ rowid: number; id: string; reason: string }> = [];
    let copied = 0;
    let unreadable = 0;
    out.transaction(() => {
      for (let from = 1; from <= maxRowid; from += 1024) {
        unreadable += readRange(db, from, Math.min(maxRowid, from + 1023), (row) => {
          try {
            decodeLive(row);
            if (row.record !== null) decodeFinished({ rowid: row.rowid, id: row.id, record: row.record });
          } catch (error) {
            bad.push({ rowid: row.rowid, id: String(row.id), reason: reasonOf(error) });
          }
          const result = insert.run(row.id, row.name, row.priority, row.state, row.attempts, row.due_at, row.submitted_at, row.finished_at, row.spec, row.record);
          if (bad.at(-1)?.rowid !== row.rowid) copied += result.changes;
        });
      }
    })();
    // Undecodable rows were copied as they are; set them aside the way recovery would.
    const ids = out.prepare<{ rowid: number }, [string]>("SELECT rowid FROM tasks WHERE id = ?");
    quarantine(out, bad.flatMap((b) => {
      const row = ids.get(b.id);
      return row ? [{ ...b, rowid: row.rowid }] : [];
    }));
    return { from: path, to: target, copied, quarantined: bad.length, unreadable };
  } finally {
    out.close();
    db.close();
  }
}
