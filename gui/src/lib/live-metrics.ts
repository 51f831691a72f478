/**
 * The chart's data: per-second counts and run-latency percentiles for the last five minutes.
 * Seeded from /api/metrics, then advanced by finished-task events; latencies of live seconds
 * are kept as samples (capped per second) and turned into p50/p95 when their second closes.
 */
import type { MetricsJson } from "./types.ts";

const MAX_SAMPLES_PER_SECOND = 2000;

export interface MetricsView {
  /** Epoch seconds of index 0. */
  start: number;
  succeeded: readonly number[];
  failed: readonly number[];
  p50: ReadonlyArray<number | null>;
  p95: ReadonlyArray<number | null>;
  lastMinute: { succeeded: number; failed: number };
  /** Finished tasks per second over the last 10 complete seconds. */
  throughput: number;
  latency: { p50: number | null; p95: number | null };
}

export class LiveMetrics {
  private windowS = 300;
  private start = Math.floor(Date.now() / 1000) - this.windowS + 1;
  private succeeded: number[] = new Array<number>(this.windowS).fill(0);
  private failed: number[] = new Array<number>(this.windowS).fill(0);
  private p50: Array<number | null> = new Array<number | null>(this.windowS).fill(null);
  private p95: Array<number | null> = new Array<number | null>(this.windowS).fill(null);
  /** Latency samples of the last seconds, by epoch second; older ones are folded into p50/p95. */
  private samples = new Map<number, number[]>();
  private dirty = new Set<number>();
  private countedUntilMs = 0;

  load(json: MetricsJson): void {
    this.windowS = json.window_seconds;
    this.start = json.start;
    this.succeeded = [...json.succeeded];
    this.failed = [...json.failed];
    this.p50 = [...json.p50_ms];
    this.p95 = [...json.p95_ms];
    this.samples.clear();
    this.dirty.clear();
    this.countedUntilMs = json.generated_at_ms;
  }

  /** A task finished at `atMs` after running `latencyMs` (null when it never started). */
  add(ok: boolean, atMs: number, latencyMs: number | null): void {
    if (atMs <= this.countedUntilMs) return; // already in the snapshot
    const sec = Math.floor(atMs / 1000);
    this.advance(Math.max(sec, Math.floor(Date.now() / 1000)));
    const i = sec - this.start;
    if (i < 0) return;
    if (ok) this.succeeded[i]!++;
    else this.failed[i]!++;
    if (latencyMs === null) return;
    this.dirty.add(sec);
    let list = this.samples.get(sec);
    if (!list) this.samples.set(sec, (list = []));
    if (list.length < MAX_SAMPLES_PER_SECOND) list.push(latencyMs);
    else list[Math.floor(Math.random() * MAX_SAMPLES_PER_SECOND)] = latencyMs; // keeps a fair sample when flooded
  }

  /** Slides the window so its last second is `nowSec`, closing the seconds that left "now". */
  advance(nowSec = Math.floor(Date.now() / 1000)): void {
    const shift = nowSec - (this.start + this.windowS - 1);
    if (shift <= 0) return;
    const drop = Math.min(shift, this.windowS);
    for (const list of [this.succeeded, this.failed]) {
      list.splice(0, drop);
      list.push(...new Array<number>(drop).fill(0));
    }
    for (const list of [this.p50, this.p95]) {
      list.splice(0, drop);
      list.push(...new Array<number | null>(drop).fill(null));
    }
    this.start += shift;
  }

  view(): MetricsView {
    const nowSec = Math.floor(Date.now() / 1000);
    this.advance(nowSec);
    for (const sec of this.dirty) {
      const [p50, p95] = percentiles(this.samples.get(sec) ?? [], [0.5, 0.95]);
      if (sec >= this.start) {
        this.p50[sec - this.start] = p50 ?? null;
        this.p95[sec - this.start] = p95 ?? null;
      }
    }
    this.dirty.clear();
    // Only the last 10 s of samples are needed again (for the card); older seconds keep their percentiles.
    for (const sec of this.samples.keys()) if (sec <= nowSec - 10) this.samples.delete(sec);
    const n = this.windowS;
    let okMinute = 0;
    let badMinute = 0;
    let recent = 0;
    for (let i = n - 60; i < n; i++) {
      okMinute += this.succeeded[i] ?? 0;
      badMinute += this.failed[i] ?? 0;
    }
    // The current second is still filling up: throughput uses the 10 before it.
    for (let i = n - 11; i < n - 1; i++) recent += (this.succeeded[i] ?? 0) + (this.failed[i] ?? 0);
    const latest: number[] = [];
    for (const [sec, list] of this.samples) if (sec > nowSec - 10) latest.push(...list);
    const [p50 = null, p95 = null] = latest.length > 0 ? percentiles(latest, [0.5, 0.95]) : lastKnown(this.p50, this.p95);
    return {
      start: this.start,
      succeeded: this.succeeded, failed: this.failed, p50: this.p50, p95: this.p95,
      lastMinute: { succeeded: okMinute, failed: badMinute },
      throughput: recent / 10,
      latency: { p50, p95 },
    };
  }
}

function percentiles(values: number[], qs: number[]): Array<number | null> {
  if (values.length === 0) return qs.map(() => null);
  const sorted = [...values].sort((a, b) => a - b);
  return qs.map((q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!);
}

function lastKnown(p50: ReadonlyArray<number | null>, p95: ReadonlyArray<number | null>): [number | null, number | null] {
  for (let i = p50.length - 1; i >= Math.max(0, p50.length - 10); i--) if (p50[i] !== null) return [p50[i]!, p95[i] ?? null];
  return [null, null];
}
