/**
 * The task store on PostgreSQL (--journal-url), with the SQLite journal's guarantees: a task is
 * acknowledged only once the commit holding it is done; writes share commits (the same
 * GroupCommit, one SQL statement per commit); recovery reads back live tasks and results within
 * their TTL (schedules resume from those task ids, as with SQLite); compaction drops finished
 * rows past their TTL. Bun.sql does the I/O asynchronously, so no writer thread is needed: the
 * control plane's loop never waits on the server.
 *
 * PostgreSQL out of reach (restarted, failing over, network cut): a commit is retried for up to
 * `unavailableWaitMs`, so acknowledgements pause and submitters wait. Past that bound its
 * submitters are refused with E_UNAVAILABLE (nothing of theirs is acknowledged; submitting again
 * under the same ids is safe) and so are new ones until a retry commits, which ends the pause.
 */
import { SQL } from "bun";
import { FastWorkerError, NotLeaderError } from "../../errors.ts";
import { createLogger, type Logger } from "../../log.ts";
import type { TaskRecord } from "../../protocol/index.ts";
import { GroupCommit } from "../group-commit.ts";
import type { FromWriter } from "../journal-messages.ts";
import type { JournalOp } from "../journal-rows.ts";
import { CommittingJournal } from "../journal-ops.ts";
import type { JournalSync } from "../journal-schema.ts";
import type { Recovered, Refusals, StoredTask, StoredTaskPatch, TaskStore } from "../task-store.ts";
import { quarantine, quarantinedCount, readBack } from "./postgres-recovery.ts";
import { migrate } from "./postgres-schema.ts";
import { describe, isConnectionLoss, openError, parseJournalUrl, type JournalTarget } from "./postgres-target.ts";
import { CommitChain } from "./postgres-chain.ts";
import { compactRows } from "./postgres-writes.ts";
import { fence, type FencingToken } from "../../ha/index.ts";

export interface PostgresStoreOptions {
  /** `full` (default): synchronous_commit on, acknowledged once on the server's disk; `normal`: off (see docs/operations.md). */
  sync?: JournalSync;
  log?: Logger;
  /** How long a commit keeps retrying while the server is out of reach before its submitters are refused. Default 3 s. */
  unavailableWaitMs?: number;
  /** Seconds to wait for a connection at start before E_UNAVAILABLE. Default 5. */
  connectTimeoutS?: number;
  /** The longest close() waits for pending writes. Default 10 s. */
  closeTimeoutMs?: number;
  /**
   * Active/standby (src/ha): the leader's lease and epoch. Every commit then starts with fence(),
   * so once another control plane took the lease over none of this one's writes commits: they
   * are refused with E_NOT_LEADER. Without it (one control plane), commits are not fenced.
   */
  fencing?: FencingToken;
}

const RETRY_PAUSE_MS = 100;

/** The connection pool. Per connection, so every commit has it: synchronous_commit "on" waits for the WAL flush (and any synchronous standby). */
function connect(target: JournalTarget, sync: JournalSync, options: PostgresStoreOptions): SQL {
  return new SQL({
    url: target.url, max: 4, connectionTimeout: options.connectTimeoutS ?? 5,
    connection: { synchronous_commit: sync === "full" ? "on" : "off", application_name: "fastworker" },
  });
}
/** The answer's `code` for a server out of reach: refusals then carry E_UNAVAILABLE. */
const UNREACHABLE = "unreachable";
/** The answer's `code` for a commit fenced off (another control plane holds the lease): E_NOT_LEADER. */
const FENCED = "not-leader";

export class PostgresTaskStore extends CommittingJournal implements TaskStore {
  readonly backend = "postgres";
  protected readonly commits: GroupCommit;
  protected readonly log: Logger;
  private compacting = false;
  private pausedSince: number | undefined;

  private chain: CommitChain | undefined;

  private constructor(readonly target: JournalTarget, readonly sync: JournalSync, private sql: SQL, private readonly options: PostgresStoreOptions) {
    super();
    this.log = options.log ?? createLogger({ component: "journal" });
    this.commits = new GroupCommit((ops, probe) => this.commit(ops, probe), this.stats, this.log,
      (answer) => (answer.code === UNREACHABLE ? "E_UNAVAILABLE" : answer.code === FENCED ? "E_NOT_LEADER" : "E_JOURNAL"));
  }

  /**
   * Connects, creates or migrates the schema and counts quarantined rows. Rejects in one line:
   * E_CONFIG for a bad URL or credentials, E_UNAVAILABLE when the server cannot be reached.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresTaskStore> {
    const target = parseJournalUrl(url);
    const sync = options.sync ?? "full";
    const sql = connect(target, sync, options);
    const store = new PostgresTaskStore(target, sync, sql, options);
    try {
      await migrate(sql, target.redacted);
      store.chain = await CommitChain.open(sql, store.log);
      store.stats.quarantined = await quarantinedCount(sql);
    } catch (error) {
      await sql.close({ timeout: 0 });
      throw openError(target, error);
    }
    return store;
  }

  protected get location(): string {
    return this.target.redacted;
  }

  async recover(resultTtlMs: number): Promise<Recovered> {
    try {
      const { live, finished, bad } = await readBack(this.sql, Date.now() - resultTtlMs);
      await quarantine(this.sql, bad);
      this.stats.quarantined += bad.length;
      for (const row of bad) this.log("error", "journal: a row could not be decoded and was moved to the quarantine table", { id: row.id, reason: row.reason });
      return { live, finished, quarantined: bad.length };
    } catch (error) {
      throw openError(this.target, error);
    }
  }

  /** Deletes finished rows past their TTL. Failures are counted and logged; the next sweep tries again. */
  async compact(before: number): Promise<number> {
    if (this.closed || this.compacting) return 0;
    this.compacting = true;
    try {
      return await compactRows(this.sql, before);
    } catch (error) {
      this.stats.error("compact", describe(error));
      this.log("warn", "journal: compaction failed; the next sweep tries again", { error: describe(error) });
      return 0;
    } finally {
      this.compacting = false;
    }
  }

  /** Commits what is pending (bounded by closeTimeoutMs) and closes the connections. Never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const timeoutMs = this.options.closeTimeoutMs ?? 10_000;
    const timer = Promise.withResolvers<boolean>();
    const handle = setTimeout(() => timer.resolve(false), timeoutMs);
    const done = await Promise.race([this.commits.drain().then(() => true), timer.promise]);
    clearTimeout(handle);
    if (!done) this.log("error", `journal: PostgreSQL did not take the last writes within ${timeoutMs} ms at shutdown; they are lost (those tasks run again after a restart)`, { pendingWrites: this.commits.pendingWrites });
    try {
      await this.sql.close({ timeout: 1 });
    } catch (error) {
      this.stats.error("close", describe(error));
      this.log("warn", "journal: closing the PostgreSQL connections failed", { error: describe(error) });
    }
  }

  /** One attempt at a commit on the chain: in a fenced transaction while a leader lease is in force. */
  private write(chain: CommitChain, ops: JournalOp[], probe: boolean, chainToken: string): Promise<number> {
    const fencing = this.options.fencing;
    if (fencing === undefined) return chain.attempt(this.sql, ops, probe, chainToken);
    return this.sql.begin(async (tx) => {
      await fence(tx, fencing);
      return chain.attempt(tx, ops, probe, chainToken);
    }) as Promise<number>;
  }

  /**
   * A server that did not answer within the bound may hold the connection forever (a frozen host,
   * a cut without a reset): the pool is replaced, so the next attempt connects afresh instead of
   * queueing behind it. What the old connections sent may still run later; the chain makes it a no-op.
   */
  private reconnect(): void {
    const old = this.sql;
    this.sql = connect(this.target, this.sync, this.options);
    void old.close({ timeout: 0 }).catch((error: unknown) => this.log("debug", "journal: closing a connection that did not answer failed", { error: describe(error) }));
  }

  /**
   * One group commit. While the server is out of reach it is sent again every 100 ms (replaying
   * a commit is harmless), for up to unavailableWaitMs; each attempt is bounded by what is left,
   * so a server that hangs rather than refuses pauses acknowledgements no longer than that.
   */
  private async commit(ops: JournalOp[], probe: boolean): Promise<FromWriter> {
    const started = performance.now();
    const deadline = started + (this.options.unavailableWaitMs ?? 3_000);
    const chain = this.chain!;
    const token = chain.next();
    for (;;) {
      const left = deadline - performance.now();
      const attempt = this.write(chain, ops, probe, token).then((changes) => ({ changes }), (error: unknown) => ({ error }));
      const timer = Promise.withResolvers<{ timedOut: true }>();
      const handle = setTimeout(() => timer.resolve({ timedOut: true }), Math.max(1, left));
      const outcome = await Promise.race([attempt, timer.promise]);
      clearTimeout(handle);
      const ms = performance.now() - started;
      if ("changes" in outcome) {
        if (this.pausedSince !== undefined) {
          this.log("info", "journal: PostgreSQL answers again; acknowledging resumes", { pausedMs: Math.round(Date.now() - this.pausedSince) });
          this.pausedSince = undefined;
        }
        return { seq: 0, ok: true, changes: outcome.changes, ms };
      }
      if ("timedOut" in outcome) {
        chain.abandoned(token);
        this.reconnect();
        return { seq: 0, ok: false, error: `PostgreSQL at ${this.target.redacted} did not answer within ${Math.round(ms)} ms`, code: UNREACHABLE, ms };
      }
      if (outcome.error instanceof NotLeaderError) return { seq: 0, ok: false, error: outcome.error.message, code: FENCED, ms };
      const lost = isConnectionLoss(outcome.error);
      if (lost && this.pausedSince === undefined) {
        this.pausedSince = Date.now();
        this.log("warn", "journal: PostgreSQL is out of reach; acknowledging pauses while commits are retried", { error: describe(outcome.error) });
      }
      if (!lost || this.closed || performance.now() + RETRY_PAUSE_MS >= deadline) {
        chain.abandoned(token);
        return { seq: 0, ok: false, error: describe(outcome.error), ...(lost ? { code: UNREACHABLE } : {}), ms };
      }
      await Bun.sleep(RETRY_PAUSE_MS);
    }
  }
}
