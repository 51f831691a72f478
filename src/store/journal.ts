import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { FastWorkerError } from "../errors.ts";
import { TERMINAL_STATES } from "../model/task-state.ts";
import type { TaskRecord } from "../protocol/index.ts";
import type { Recovered, StoredTask, StoredTaskPatch, TaskStore } from "./task-store.ts";

/** Bump on any incompatible change of the tables below; older binaries refuse newer journals. */
export const JOURNAL_FORMAT_VERSION = 1;
const FILE_NAME = "journal.sqlite";
const TERMINAL = `(${TERMINAL_STATES.map((state) => `'${state}'`).join(",")})`;
/** About a millisecond of SQLite work on this class of machine: the longest the loop is held. */
const MAX_OPS_PER_TRANSACTION = 512;

type Pending =
  | { kind: "accept"; task: StoredTask }
  | { kind: "update"; id: string; patch: StoredTaskPatch }
  | { kind: "finish"; id: string; record: TaskRecord };

/**
 * The write-ahead journal: SQLite in WAL mode in the data directory. Group commit: everything
 * written in one macrotask goes into one transaction, and submitters are acknowledged only
 * after that transaction commits, so a crash (even kill -9) loses no accepted task.
 * synchronous=NORMAL survives process crashes; only an OS crash can lose the last commits.
 */
export class JournalStore implements TaskStore {
  private readonly db: Database;
  private pending: Pending[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private flushScheduled = false;
  private closed = false;
  /** Set when a write failed while running: the control plane keeps going in memory and says so. */
  degraded: string | undefined;
  private readonly insert: Statement;
  private readonly update_: Statement;
  private readonly finish_: Statement;

  constructor(readonly dataDir: string, private readonly onDegraded: (reason: string) => void = () => {}) {
    const path = join(dataDir, FILE_NAME);
    try {
      mkdirSync(dataDir, { recursive: true });
      this.db = new Database(path, { create: true, strict: true });
      this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
      this.migrate();
    } catch (error) {
      if (error instanceof FastWorkerError) throw error;
      throw new FastWorkerError("E_JOURNAL", `cannot open the journal ${path}: ${error instanceof Error ? error.message : String(error)}. Check the directory is writable and the file is a FastWorker journal (or use another --data-dir).`, { cause: error });
    }
    this.insert = this.db.prepare("INSERT OR IGNORE INTO tasks (id, name, priority, state, attempts, due_at, submitted_at, spec) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    this.update_ = this.db.prepare("UPDATE tasks SET state = ?, attempts = ?, due_at = ? WHERE id = ?");
    this.finish_ = this.db.prepare("UPDATE tasks SET state = ?, attempts = ?, finished_at = ?, record = ? WHERE id = ?");
  }

  private migrate(): void {
    this.db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const row = this.db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'format_version'").get();
    if (row && Number(row.value) > JOURNAL_FORMAT_VERSION) {
      throw new FastWorkerError("E_JOURNAL_VERSION", `the journal in ${this.dataDir} has format version ${row.value}, newer than this FastWorker understands (${JOURNAL_FORMAT_VERSION}). Upgrade FastWorker, or point --data-dir elsewhere.`);
    }
    this.db.exec(`CREATE TABLE IF NOT EXISTS tasks (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, priority TEXT NOT NULL, state TEXT NOT NULL,
      attempts INTEGER NOT NULL, due_at INTEGER, submitted_at INTEGER NOT NULL, finished_at INTEGER,
      spec TEXT NOT NULL, record TEXT)`);
    this.db.exec("CREATE INDEX IF NOT EXISTS tasks_finished ON tasks (finished_at) WHERE finished_at IS NOT NULL");
    this.db.exec(`INSERT OR IGNORE INTO meta (key, value) VALUES ('format_version', '${JOURNAL_FORMAT_VERSION}')`);
  }

  accept(tasks: readonly StoredTask[]): Promise<void> {
    if (this.closed) return Promise.reject(new FastWorkerError("E_CLOSED", "the journal is closed"));
    for (const task of tasks) this.pending.push({ kind: "accept", task });
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  update(id: string, patch: StoredTaskPatch): void {
    if (this.closed) return;
    this.pending.push({ kind: "update", id, patch });
    this.schedule();
  }

  finish(id: string, record: TaskRecord): void {
    if (this.closed) return;
    this.pending.push({ kind: "finish", id, record });
    this.schedule();
  }

  async recover(resultTtlMs: number): Promise<Recovered> {
    const live = this.db
      .query<{ spec: string; priority: string; state: string; attempts: number; due_at: number | null; submitted_at: number }, []>(
        `SELECT spec, priority, state, attempts, due_at, submitted_at FROM tasks WHERE state NOT IN ${TERMINAL} ORDER BY rowid`,
      )
      .all()
      .map((row) => ({
        spec: JSON.parse(row.spec),
        priority: row.priority as StoredTask["priority"],
        state: row.state as StoredTask["state"],
        attempts: row.attempts,
        ...(row.due_at !== null ? { dueAt: row.due_at } : {}),
        submittedAt: row.submitted_at,
      }));
    const finished = this.db
      .query<{ record: string }, [number]>(`SELECT record FROM tasks WHERE finished_at >= ? AND record IS NOT NULL ORDER BY finished_at`)
      .all(Date.now() - resultTtlMs)
      .map((row) => JSON.parse(row.record) as TaskRecord);
    return { live, finished };
  }

  /** Deletes finished tasks past their TTL in small batches, so dispatch never stalls behind it. */
  compact(before: number): number {
    const batch = this.db.prepare<void, [number]>("DELETE FROM tasks WHERE rowid IN (SELECT rowid FROM tasks WHERE finished_at IS NOT NULL AND finished_at < ? LIMIT 2000)");
    let total = 0;
    for (let i = 0; i < 50; i++) {
      const changes = batch.run(before).changes;
      total += changes;
      if (changes < 2000) break;
    }
    if (total > 0) this.db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    return total;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.pending.length > 0 || this.waiters.length > 0) this.flush();
    this.closed = true;
    this.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    this.db.close();
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * One transaction for what was written since the last flush, then acknowledge. A large backlog
   * is committed in slices, one per macrotask, so the control plane's loop (and the dashboard)
   * never waits on one long transaction; submitters are acknowledged once their slice is in.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 && this.waiters.length === 0) return;
    const batch = this.pending.length > MAX_OPS_PER_TRANSACTION ? this.pending.splice(0, MAX_OPS_PER_TRANSACTION) : this.pending;
    if (batch === this.pending) this.pending = [];
    // Waiters registered before this slice's last accept are covered by it once the backlog is empty.
    const waiters = this.pending.length === 0 ? this.waiters : [];
    if (waiters === this.waiters) this.waiters = [];
    try {
      this.db.transaction(() => {
        for (const op of batch) this.apply(op);
      })();
      for (const w of waiters) w.resolve();
    } catch (error) {
      const reason = `journal write failed: ${error instanceof Error ? error.message : String(error)}`;
      const typed = new FastWorkerError("E_JOURNAL", `${reason}; the tasks were not accepted`, { cause: error });
      for (const w of [...waiters, ...this.waiters.splice(0)]) w.reject(typed);
      // Nothing queued behind a failed slice may land later: its submitters were just told no.
      this.pending = [];
      if (!this.degraded) {
        this.degraded = reason;
        this.onDegraded(reason);
      }
    }
    if (this.pending.length > 0 || this.waiters.length > 0) this.schedule();
  }

  private apply(op: Pending): void {
    switch (op.kind) {
      case "accept": {
        const t = op.task;
        this.insert.run(t.spec.id, t.spec.name, t.priority, t.state, t.attempts, t.dueAt ?? null, t.submittedAt, JSON.stringify(t.spec));
        return;
      }
      case "update":
        this.update_.run(op.patch.state, op.patch.attempts, op.patch.dueAt ?? null, op.id);
        return;
      case "finish":
        this.finish_.run(op.record.status, op.record.attempts, op.record.timings.finishedAt ?? Date.now(), JSON.stringify(op.record), op.id);
        return;
    }
  }
}

export interface JournalSummary {
  path: string;
  formatVersion: number;
  byState: Record<string, number>;
  oldestQueued?: { id: string; name: string; submittedAt: string };
  sizeBytes: number;
}

/** What a journal holds, for operators (`fastworker inspect`). Opens it read-only. */
export function inspectJournal(dataDir: string): JournalSummary {
  const path = join(dataDir, FILE_NAME);
  let db: Database;
  try {
    db = new Database(path, { readonly: true, strict: true });
  } catch (error) {
    throw new FastWorkerError("E_JOURNAL", `no readable journal at ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const version = Number(db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'format_version'").get()?.value ?? 0);
    const byState: Record<string, number> = {};
    for (const row of db.query<{ state: string; n: number }, []>("SELECT state, COUNT(*) AS n FROM tasks GROUP BY state").all()) byState[row.state] = row.n;
    const oldest = db.query<{ id: string; name: string; submitted_at: number }, []>(`SELECT id, name, submitted_at FROM tasks WHERE state NOT IN ${TERMINAL} ORDER BY submitted_at LIMIT 1`).get();
    const pages = db.query<{ n: number }, []>("SELECT page_count AS n FROM pragma_page_count()").get()?.n ?? 0;
    const pageSize = db.query<{ n: number }, []>("SELECT page_size AS n FROM pragma_page_size()").get()?.n ?? 0;
    return {
      path, formatVersion: version, byState, sizeBytes: pages * pageSize,
      ...(oldest ? { oldestQueued: { id: oldest.id, name: oldest.name, submittedAt: new Date(oldest.submitted_at).toISOString() } } : {}),
    };
  } catch (error) {
    throw new FastWorkerError("E_JOURNAL", `${path} is not a FastWorker journal: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    db.close();
  }
}
