/**
 * What the journal tells operators about itself: commit latency (a Prometheus histogram and
 * recent percentiles), errors by operation, the degraded state and quarantined rows. Plain
 * numbers updated per commit; /metrics and /api/status copy them when asked.
 */
import { HistogramData } from "../telemetry/task-metrics.ts";
import type { JournalSync } from "./journal-schema.ts";

/** Commit latency buckets in seconds: from a page-cache write (0.1 ms) to a disk that hangs (30 s). */
export const COMMIT_BUCKETS: readonly number[] = Object.freeze([0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
export const JOURNAL_OPERATIONS = ["commit", "compact", "close"] as const;
export type JournalOperation = (typeof JOURNAL_OPERATIONS)[number];
const RECENT = 1024;

/** The journal's state as /api/status shows it (`journal` field). */
export interface JournalHealth {
  path: string;
  sync: JournalSync;
  /** "degraded": writes fail; new submissions are refused with E_JOURNAL while the writer retries with backoff. */
  state: "ok" | "degraded";
  degradedReason: string | null;
  degradedSince: number | null;
  /** Updates and finishes waiting for the next commit; submissions waiting for their acknowledgement. */
  pendingWrites: number;
  waitingSubmissions: number;
  /** How long the commit under way has been running (a frozen disk shows here), or null. */
  commitInFlightMs: number | null;
  commits: number;
  commitP50Ms: number | null;
  commitP99Ms: number | null;
  commitMaxMs: number | null;
  errors: Record<JournalOperation, number>;
  lastError: string | null;
  /** Rows recovery could not decode and moved to the quarantine table. */
  quarantined: number;
}

export class JournalStats {
  readonly commitSeconds = new HistogramData(COMMIT_BUCKETS);
  readonly errors: Record<JournalOperation, number> = { commit: 0, compact: 0, close: 0 };
  lastError: string | null = null;
  quarantined = 0;
  private readonly recent = new Float64Array(RECENT);
  private recentCount = 0;
  private maxMs = 0;

  commit(ms: number): void {
    this.commitSeconds.observe(ms / 1000);
    this.recent[this.recentCount++ % RECENT] = ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  error(operation: JournalOperation, message: string): void {
    this.errors[operation]++;
    this.lastError = `${operation}: ${message}`;
  }

  /** p50, p99 and max of the last 1024 commits (null before the first). */
  latency(): { p50: number | null; p99: number | null; max: number | null } {
    const n = Math.min(this.recentCount, RECENT);
    if (n === 0) return { p50: null, p99: null, max: null };
    const sorted = Array.from(this.recent.subarray(0, n)).sort((a, b) => a - b);
    const at = (q: number) => Number(sorted[Math.min(n - 1, Math.floor(n * q))]!.toFixed(3));
    return { p50: at(0.5), p99: at(0.99), max: Number(this.maxMs.toFixed(3)) };
  }
}
