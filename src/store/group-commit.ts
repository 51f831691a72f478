/**
 * Group commit on the main thread: writes queue up while one commit is under way on the writer
 * thread, and all of them go in the next one, so many tasks share one fsync. Submitters are
 * acknowledged only when the commit holding their rows is done (on disk, with sync=full).
 *
 * Degraded state (one definition, shown the same in logs, /metrics and /api/status): a commit
 * failed. Its submitters and those queued behind it are refused with E_JOURNAL, and so are new
 * submissions until a write succeeds again. Updates and finishes are never dropped: they are
 * retried, with backoff, and the first retry that commits ends the degraded state by itself.
 */
import { FastWorkerError, type ErrorCode } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { JournalStats } from "./journal-health.ts";
import type { JournalOp } from "./journal-rows.ts";
import type { FromWriter } from "./journal-messages.ts";

/** Above this many ops, a backlog is split over several commits (a submitter's own rows never are). */
const MAX_OPS_PER_COMMIT = 8192;
const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 5_000;
/** The longest an update or finish waits for a submission's commit to share before it commits alone. */
const LAZY_MS = 5;

interface Waiter {
  /** Index in `pending` just past this submitter's last op. */
  end: number;
  resolve: () => void;
  reject: (error: FastWorkerError) => void;
}

export type CommitFn = (ops: JournalOp[], probe: boolean) => Promise<FromWriter>;
/** The code refused submitters get for a failed commit: E_JOURNAL, or E_UNAVAILABLE for a database server out of reach. */
export type RefusalCode = (answer: { error: string; code?: string }) => ErrorCode;

export class GroupCommit {
  degraded: string | undefined;
  degradedSince: number | undefined;
  private degradedCode: ErrorCode = "E_JOURNAL";
  private pending: JournalOp[] = [];
  private waiters: Waiter[] = [];
  /** Updates and finishes of a failed commit, retried first. */
  private retained: JournalOp[] = [];
  private inFlightSince: number | undefined;
  private flushScheduled: "none" | "now" | "lazy" = "none";
  private lazyTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryMs = FIRST_RETRY_MS;
  private idle: Array<() => void> = [];

  constructor(private readonly commit: CommitFn, private readonly stats: JournalStats, private readonly log: Logger,
    private readonly refusalCode: RefusalCode = () => "E_JOURNAL") {}

  get pendingWrites(): number {
    return this.pending.length + this.retained.length;
  }

  get waitingSubmissions(): number {
    return this.waiters.length;
  }

  get commitInFlightMs(): number | null {
    return this.inFlightSince === undefined ? null : performance.now() - this.inFlightSince;
  }

  /** Queues accept rows; resolves once they are committed. Refused at once while degraded. */
  accept(ops: readonly JournalOp[]): Promise<void> {
    if (this.degraded !== undefined) return Promise.reject(this.refusal());
    for (const op of ops) this.pending.push(op);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.waiters.push({ end: this.pending.length, resolve, reject });
    this.schedule();
    return promise;
  }

  /** Queues an update or finish; never refused (it is retried until it lands or the journal closes). */
  write(op: JournalOp): void {
    this.pending.push(op);
    this.schedule();
  }

  /** Resolves when nothing is pending or in flight (for close). A degraded journal makes one last attempt. */
  async drain(): Promise<void> {
    clearTimeout(this.retryTimer);
    clearTimeout(this.lazyTimer);
    this.retryTimer = undefined;
    this.degraded = undefined; // one last try for what is left, whatever happened before
    while (this.inFlightSince !== undefined || this.pendingWrites > 0 || this.waiters.length > 0) {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.idle.push(resolve);
      if (this.inFlightSince === undefined) void this.flush(false, true);
      await promise;
    }
  }

  private refusal(): FastWorkerError {
    return new FastWorkerError(this.degradedCode, `the journal cannot write (${this.degraded}); new tasks are refused until it recovers (retrying by itself)`);
  }

  /**
   * A submitter waiting: commit after this macrotask (everything written during it joins the same
   * commit). Only updates and finishes: nobody waits for those, so they wait up to LAZY_MS for the
   * next submission's commit to carry them: one fsync instead of two, and a submission never
   * queues behind a commit it does not need.
   */
  private schedule(): void {
    if (this.inFlightSince !== undefined || this.retryTimer !== undefined) return;
    if (this.waiters.length > 0) {
      if (this.flushScheduled === "now") return;
      clearTimeout(this.lazyTimer);
      this.flushScheduled = "now";
      setImmediate(() => {
        this.flushScheduled = "none";
        void this.flush(false, false);
      });
    } else if (this.flushScheduled === "none") {
      this.flushScheduled = "lazy";
      this.lazyTimer = setTimeout(() => {
        this.flushScheduled = "none";
        void this.flush(false, false);
      }, LAZY_MS);
    }
  }

  private async flush(probe: boolean, final: boolean): Promise<void> {
    if (this.inFlightSince !== undefined) return;
    if (this.retryTimer !== undefined && !final) return; // degraded: the retry timer decides when to try again
    if (this.pendingWrites === 0 && this.waiters.length === 0 && !probe) return this.wakeIdle();
    let take = this.pending.length;
    if (take > MAX_OPS_PER_COMMIT) {
      const straddling = this.waiters.find((w) => w.end >= MAX_OPS_PER_COMMIT);
      take = straddling ? straddling.end : take;
    }
    const ops = this.retained.length > 0 ? [...this.retained, ...this.pending.slice(0, take)] : this.pending.slice(0, take);
    this.retained = [];
    this.pending = this.pending.slice(take);
    const covered = this.waiters.filter((w) => w.end <= take);
    this.waiters = this.waiters.filter((w) => w.end > take);
    for (const w of this.waiters) w.end -= take;
    this.inFlightSince = performance.now();
    const answer = await this.commit(ops, probe);
    this.inFlightSince = undefined;
    if (answer.ok) {
      this.stats.commit(answer.ms);
      for (const w of covered) w.resolve();
      if (this.degraded !== undefined) this.recovered();
    } else {
      this.failed(answer.error, this.refusalCode(answer), ops, covered, final);
    }
    if (final) {
      if (!answer.ok) return this.wakeIdle();
      return this.flush(false, true);
    }
    if (this.waiters.length > 0 && this.retryTimer === undefined) void this.flush(false, false);
    else if (this.pendingWrites > 0) this.schedule();
    else this.wakeIdle();
  }

  private failed(message: string, code: ErrorCode, ops: JournalOp[], covered: Waiter[], final: boolean): void {
    this.stats.error("commit", message);
    this.degradedCode = code;
    const refusal = new FastWorkerError(code, `the journal could not commit (${message}); the tasks were not accepted`);
    // Refused submitters' rows must never land later; everyone else's updates are kept for the retry.
    const queued = this.waiters;
    this.waiters = [];
    for (const w of [...covered, ...queued]) w.reject(refusal);
    this.retained = [...ops, ...this.pending].filter((op) => op.kind !== "accept");
    this.pending = [];
    if (final) {
      this.log("error", "journal: writes could not be saved at shutdown; those tasks will run again after a restart (at-least-once)", { error: message, writes: this.retained.length });
      this.retained = [];
      return;
    }
    if (this.degraded === undefined) {
      this.degraded = message;
      this.degradedSince = Date.now();
      this.log("error", "journal degraded: writes fail; new submissions are refused with E_JOURNAL until a write succeeds (retrying with backoff)", { error: message });
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush(true, false);
    }, this.retryMs);
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
  }

  private recovered(): void {
    this.log("info", "journal recovered: writes succeed again; accepting submissions", { degradedForMs: Date.now() - (this.degradedSince ?? Date.now()) });
    this.degraded = undefined;
    this.degradedSince = undefined;
    this.retryMs = FIRST_RETRY_MS;
  }

  private wakeIdle(): void {
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }
}
