import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { FastWorkerError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import type { TaskRecord } from "../protocol/index.ts";
import { GroupCommit } from "./group-commit.ts";
import { quarantine, quarantinedCount, readBack } from "./journal-recovery.ts";
import { CommittingJournal } from "./journal-ops.ts";
import { configure, journalError, journalPath, migrate, type JournalSync } from "./journal-schema.ts";
import type { Recovered, Refusals, StoredTask, StoredTaskPatch, TaskStore } from "./task-store.ts";
import { WriterThread } from "./writer-thread.ts";

export { JOURNAL_FORMAT_VERSION } from "./journal-schema.ts";

export interface JournalStoreOptions {
  /** `full` (default): acknowledged only once fsynced; `normal`: once written to the OS (see docs/operations.md). */
  sync?: JournalSync;
  log?: Logger;
  /** Test hook: while this file exists the writer thread blocks, as on a frozen disk. */
  stallFile?: string;
  /** The longest close() waits for the writer (a frozen disk) before giving up on it. Default 10 s. */
  closeTimeoutMs?: number;
}

const COMPACT_RETRY_FIRST_MS = 1_000;
const COMPACT_RETRY_MAX_MS = 60_000;

/**
 * The write-ahead journal: SQLite in WAL mode in the data directory. Start-up (opening, checks,
 * recovery) runs here; after that every write runs on the writer thread (journal-writer.ts),
 * fed by group commits, so the control plane's loop never waits on the disk.
 */
export class JournalStore extends CommittingJournal implements TaskStore {
  readonly backend = "sqlite";
  readonly path: string;
  readonly sync: JournalSync;
  protected readonly log: Logger;
  private readonly options: JournalStoreOptions;
  /** The start-up connection: checks and recovery; closed once recovery is done. */
  private db: Database | undefined;
  private writer: WriterThread | undefined;
  protected readonly commits: GroupCommit;
  private compacting = false;
  private compactRetry: { timer: ReturnType<typeof setTimeout>; delayMs: number } | undefined;

  constructor(readonly dataDir: string, options: JournalStoreOptions = {}) {
    super();
    this.path = journalPath(dataDir);
    this.sync = options.sync ?? "full";
    this.options = options;
    this.log = options.log ?? createLogger({ component: "journal" });
    try {
      mkdirSync(dataDir, { recursive: true });
      this.db = new Database(this.path, { create: true, strict: true });
      configure(this.db, this.sync);
      migrate(this.db, this.path);
      // Catches a damaged page before anything is recovered or written on top of it.
      const check = this.db.query<{ quick_check: string }, []>("PRAGMA quick_check(1)").get()?.quick_check;
      if (check !== "ok") throw new Error(`database disk image is malformed (quick_check: ${check})`);
      this.stats.quarantined = quarantinedCount(this.db);
    } catch (error) {
      this.db?.close();
      throw journalError(this.path, dataDir, error);
    }
    this.commits = new GroupCommit((ops, probe) => this.writerThread().request({ type: "commit", ops, probe }), this.stats, this.log);
  }

  protected get location(): string {
    return this.path;
  }

  async recover(resultTtlMs: number): Promise<Recovered> {
    let db: Database;
    try {
      // Start-up work, on this thread: the start-up connection, or a new one if it was already used.
      db = this.db ?? new Database(this.path, { strict: true });
    } catch (error) {
      throw journalError(this.path, this.dataDir, error);
    }
    try {
      const { live, finished, bad } = readBack(db, Date.now() - resultTtlMs);
      quarantine(db, bad);
      this.stats.quarantined += bad.length;
      for (const row of bad) this.log("error", "journal: a row could not be decoded and was moved to the quarantine table", { id: row.id, reason: row.reason });
      if (bad.length > 0) this.log("warn", `journal: ${bad.length} row(s) quarantined; see \`fastworker inspect --data-dir ${this.dataDir}\``, { quarantined: this.stats.quarantined });
      return { live, finished, quarantined: bad.length };
    } catch (error) {
      throw journalError(this.path, this.dataDir, error);
    } finally {
      this.db = undefined;
      db.close();
    }
  }

  /**
   * Deletes finished tasks past their TTL, on the writer thread. Failures (disk full, read-only)
   * are counted, logged in one line and retried with backoff; the promise always resolves.
   */
  async compact(before: number): Promise<number> {
    if (this.closed || this.compacting) return 0;
    this.compacting = true;
    const answer = await this.writerThread().request({ type: "compact", before });
    this.compacting = false;
    if (answer.ok) {
      if (this.compactRetry) {
        clearTimeout(this.compactRetry.timer);
        this.compactRetry = undefined;
        this.log("info", "journal: compaction works again");
      }
      return answer.changes;
    }
    this.stats.error("compact", answer.error);
    const delayMs = Math.min(COMPACT_RETRY_MAX_MS, this.compactRetry ? this.compactRetry.delayMs * 2 : COMPACT_RETRY_FIRST_MS);
    if (this.compactRetry === undefined) this.log("warn", "journal: compaction failed; retrying with backoff", { error: answer.error });
    else clearTimeout(this.compactRetry.timer);
    if (!this.closed) {
      const timer = setTimeout(() => void this.compact(before), delayMs);
      timer.unref();
      this.compactRetry = { timer, delayMs };
    }
    return 0;
  }

  /**
   * Commits what is pending, checkpoints and stops the writer. Never throws: on a full disk or a
   * frozen one it says in one line what was not saved (those tasks run again after a restart).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.compactRetry) clearTimeout(this.compactRetry.timer);
    this.db?.close();
    this.db = undefined;
    const writer = this.writer;
    if (writer === undefined) return;
    const timeoutMs = this.options.closeTimeoutMs ?? 10_000;
    const finished = async () => {
      await this.commits.drain();
      const answer = await writer.request({ type: "close" });
      if (!answer.ok) {
        this.stats.error("close", answer.error);
        this.log("warn", "journal: could not checkpoint at shutdown; the write-ahead log is kept and replayed at the next start", { error: answer.error });
      }
      return true;
    };
    const timer = Promise.withResolvers<boolean>();
    const handle = setTimeout(() => timer.resolve(false), timeoutMs);
    const done = await Promise.race([finished(), timer.promise]);
    clearTimeout(handle);
    if (!done) this.log("error", `journal: the disk did not answer within ${timeoutMs} ms at shutdown; unsaved writes are lost (those tasks run again after a restart)`, { pendingWrites: this.commits.pendingWrites });
    writer.terminate();
  }

  private writerThread(): WriterThread {
    if (this.writer !== undefined && this.writer.deadReason !== undefined && !this.closed) {
      // The thread died (it should not): the next request gets a fresh one, which reopens the journal.
      this.log("error", "journal: the writer thread died; starting a new one", { reason: this.writer.deadReason });
      this.writer = undefined;
    }
    if (this.writer === undefined) {
      this.writer = new WriterThread("fastworker-journal-writer");
      void this.writer.request({ type: "open", path: this.path, sync: this.sync, ...(this.options.stallFile ? { stallFile: this.options.stallFile } : {}) }).then((answer) => {
        if (!answer.ok) this.log("error", "journal: the writer thread could not open the journal", { error: answer.error });
      });
    }
    return this.writer;
  }
}
