/**
 * The journal's file, tables and pragmas, shared by the writer thread, recovery and
 * `fastworker inspect`. One place turns SQLite's raw errors into typed E_JOURNAL errors that
 * name the file and what to do about it.
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { FastWorkerError } from "../errors.ts";
import { TERMINAL_STATES } from "../model/task-state.ts";

/** Bump on any incompatible change of the tables below; older binaries refuse newer journals. */
export const JOURNAL_FORMAT_VERSION = 1;
export const JOURNAL_FILE_NAME = "journal.sqlite";
/** The terminal states as an SQL list for `state NOT IN …`, built from their one definition. */
export const TERMINAL_STATES_SQL = `(${TERMINAL_STATES.map((state) => `'${state}'`).join(",")})`;

/**
 * `full`: every commit is fsynced before its submitters are acknowledged (survives power loss).
 * `normal`: commits reach the OS, fsynced only at checkpoints (survives a process crash, not an OS crash).
 */
export type JournalSync = "full" | "normal";
export const JOURNAL_SYNC_MODES: readonly JournalSync[] = ["full", "normal"];

export function journalPath(dataDir: string): string {
  return join(dataDir, JOURNAL_FILE_NAME);
}

/** Pragmas every connection that writes sets: WAL, the durability mode, and a bounded wait for locks. */
export function configure(db: Database, sync: JournalSync): void {
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${sync === "full" ? "FULL" : "NORMAL"}; PRAGMA busy_timeout = 5000;`);
}

/** Creates the tables of a new journal; refuses one written by a newer FastWorker. */
export function migrate(db: Database, path: string): void {
  db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const row = db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'format_version'").get();
  if (row && Number(row.value) > JOURNAL_FORMAT_VERSION) {
    throw new FastWorkerError("E_JOURNAL_VERSION", `the journal ${path} has format version ${row.value}, newer than this FastWorker understands (${JOURNAL_FORMAT_VERSION}). Upgrade FastWorker, or point --data-dir elsewhere.`);
  }
  db.exec(`CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, priority TEXT NOT NULL, state TEXT NOT NULL,
    attempts INTEGER NOT NULL, due_at INTEGER, submitted_at INTEGER NOT NULL, finished_at INTEGER,
    spec TEXT NOT NULL, record TEXT)`);
  db.exec("CREATE INDEX IF NOT EXISTS tasks_finished ON tasks (finished_at) WHERE finished_at IS NOT NULL");
  // Rows recovery could not decode: kept (never deleted) so an operator can look at them.
  db.exec(`CREATE TABLE IF NOT EXISTS quarantine (
    id TEXT, reason TEXT NOT NULL, quarantined_at INTEGER NOT NULL, row TEXT NOT NULL)`);
  db.exec(`INSERT OR IGNORE INTO meta (key, value) VALUES ('format_version', '${JOURNAL_FORMAT_VERSION}')`);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** SQLite's own words for a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB). */
export function isDamage(error: unknown): boolean {
  const text = errorText(error);
  const code = error instanceof Error && "code" in error ? String(error.code) : "";
  return /malformed|not a database|corrupt/i.test(text) || code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB";
}

/** The typed error for a journal SQLite cannot read: names the file and the way out. */
export function damagedJournal(path: string, dataDir: string, error: unknown): FastWorkerError {
  return new FastWorkerError("E_JOURNAL",
    `the journal ${path} is damaged (${errorText(error)}). Nothing was changed. To recover: ` +
    `\`fastworker inspect --data-dir ${dataDir} --check\` shows what is readable; ` +
    `\`fastworker inspect --data-dir ${dataDir} --salvage <new-dir>\` copies every readable task into a fresh journal; ` +
    `then start the control plane with --data-dir <new-dir>.`, { cause: error });
}

/** Wraps any error of opening or reading the journal into a typed one (typed errors pass through). */
export function journalError(path: string, dataDir: string, error: unknown): FastWorkerError {
  if (error instanceof FastWorkerError) return error;
  if (isDamage(error)) return damagedJournal(path, dataDir, error);
  return new FastWorkerError("E_JOURNAL", `cannot open the journal ${path}: ${errorText(error)}. Check the directory is writable and has free space, and the file is a FastWorker journal (or use another --data-dir).`, { cause: error });
}

/** For option parsing (--journal-sync / FASTWORKER_JOURNAL_SYNC). */
export function parseJournalSync(raw: string): JournalSync {
  const value = raw.trim().toLowerCase();
  if (value === "full" || value === "normal") return value;
  throw new Error(`expected full or normal, got "${raw}"`);
}
