/**
 * Throughput and latency of the last few minutes, from control-plane events. Recording is O(1)
 * and allocation-free (it runs inside the control plane's event fan-out); the cost of building
 * series is paid by the /api/metrics request instead.
 */
import type { ControlPlaneView } from "../control-plane/index.ts";
import type { TaskRecord } from "../protocol/index.ts";
import type { MetricsJson } from "./api-types.ts";

/** Latency histogram: 8 log buckets per doubling from 50 µs, so a bucket is ±4.5 % wide; the last catches everything above ~15 h. */
const BUCKETS_PER_DOUBLING = 8;
const MIN_MS = 0.05;
const BUCKETS = BUCKETS_PER_DOUBLING * 30;

function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.floor(Math.log2(ms / MIN_MS) * BUCKETS_PER_DOUBLING));
}

/** The geometric middle of a bucket: the value reported for latencies that fell in it. */
function bucketValue(bucket: number): number {
  return MIN_MS * 2 ** ((bucket + 0.5) / BUCKETS_PER_DOUBLING);
}

export interface MetricsOptions {
  windowSeconds?: number;
  now?: () => number;
}

/** A ring of per-second slots; a slot is cleared when its second comes round again. */
export class MetricsRecorder {
  readonly windowSeconds: number;
  private readonly now: () => number;
  private readonly second: Float64Array;
  private readonly succeeded: Uint32Array;
  private readonly failed: Uint32Array;
  private readonly queued: Uint32Array;
  private readonly histogram: Uint32Array;
  private unsubscribe: Array<() => void> = [];

  constructor(options: MetricsOptions = {}) {
    this.windowSeconds = options.windowSeconds ?? 300;
    this.now = options.now ?? Date.now;
    const n = this.windowSeconds;
    this.second = new Float64Array(n).fill(-1);
    this.succeeded = new Uint32Array(n);
    this.failed = new Uint32Array(n);
    this.queued = new Uint32Array(n);
    this.histogram = new Uint32Array(n * BUCKETS);
  }

  /** Starts counting the view's task events; close() stops. */
  attach(view: ControlPlaneView): this {
    this.unsubscribe.push(
      view.on("task.succeeded", ({ record }) => this.finished(record, true)),
      view.on("task.failed", ({ record }) => this.finished(record, false)),
      view.on("task.queued", ({ at }) => this.count(this.queued, at)),
    );
    return this;
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  finished(record: TaskRecord, ok: boolean): void {
    const at = record.timings.finishedAt ?? this.now();
    const slot = this.count(ok ? this.succeeded : this.failed, at);
    if (slot >= 0 && record.timings.startedAt !== undefined) {
      this.histogram[slot * BUCKETS + bucketOf(at - record.timings.startedAt)]!++;
    }
  }

  /** Counts one event at `atMs`; returns its slot, or -1 when it is older than the window. */
  private count(series: Uint32Array, atMs: number): number {
    const sec = Math.floor(atMs / 1000);
    const nowSec = Math.floor(this.now() / 1000);
    if (sec <= nowSec - this.windowSeconds) return -1;
    const slot = sec % this.windowSeconds;
    if (this.second[slot] !== sec) this.reset(slot, sec);
    series[slot]!++;
    return slot;
  }

  private reset(slot: number, sec: number): void {
    this.second[slot] = sec;
    this.succeeded[slot] = 0;
    this.failed[slot] = 0;
    this.queued[slot] = 0;
    this.histogram.fill(0, slot * BUCKETS, (slot + 1) * BUCKETS);
  }

  snapshot(): MetricsJson {
    const n = this.windowSeconds;
    const nowMs = this.now();
    const nowSec = Math.floor(nowMs / 1000);
    const start = nowSec - n + 1;
    const out: MetricsJson = {
      window_seconds: n, generated_at_ms: nowMs, start, succeeded: [], failed: [], queued: [], p50_ms: [], p95_ms: [],
      totals: { succeeded: 0, failed: 0, last_minute: { succeeded: 0, failed: 0 }, throughput_per_second: 0, p50_ms: null, p95_ms: null },
    };
    const merged = new Float64Array(BUCKETS);
    let recent = 0;
    for (let sec = start; sec <= nowSec; sec++) {
      const slot = ((sec % n) + n) % n;
      const live = this.second[slot] === sec;
      const ok = live ? this.succeeded[slot]! : 0;
      const bad = live ? this.failed[slot]! : 0;
      out.succeeded.push(ok);
      out.failed.push(bad);
      out.queued.push(live ? this.queued[slot]! : 0);
      const hist = live && ok + bad > 0 ? this.histogram.subarray(slot * BUCKETS, (slot + 1) * BUCKETS) : undefined;
      const [p50, p95] = hist ? percentiles(hist, 0.5, 0.95) : [null, null];
      out.p50_ms.push(p50);
      out.p95_ms.push(p95);
      if (hist) for (let b = 0; b < BUCKETS; b++) merged[b]! += hist[b]!;
      out.totals.succeeded += ok;
      out.totals.failed += bad;
      if (sec > nowSec - 60) {
        out.totals.last_minute.succeeded += ok;
        out.totals.last_minute.failed += bad;
      }
      if (sec > nowSec - 10) recent += ok + bad;
    }
    out.totals.throughput_per_second = Math.round((recent / 10) * 10) / 10;
    [out.totals.p50_ms, out.totals.p95_ms] = percentiles(merged, 0.5, 0.95);
    return out;
  }
}

/** Two quantiles (qLow ≤ qHigh) of a bucket histogram in one pass, rounded to 0.01 ms; nulls when it is empty. */
export function percentiles(histogram: ArrayLike<number>, qLow: number, qHigh: number): [number | null, number | null] {
  let total = 0;
  for (let b = 0; b < histogram.length; b++) total += histogram[b]!;
  if (total === 0) return [null, null];
  const lowRank = Math.max(1, Math.ceil(qLow * total));
  const highRank = Math.max(1, Math.ceil(qHigh * total));
  let low: number | null = null;
  let seen = 0;
  for (let b = 0; b < histogram.length; b++) {
    seen += histogram[b]!;
    if (low === null && seen >= lowRank) low = Math.round(bucketValue(b) * 100) / 100;
    if (seen >= highRank) return [low, Math.round(bucketValue(b) * 100) / 100];
  }
  return [low, null];
}
