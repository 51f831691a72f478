// The metrics ring: per-second counts and latency percentiles, fed by finished tasks, on an injected clock.
import { describe, expect, test } from "bun:test";
import type { TaskRecord } from "../../src/protocol/index.ts";
import { MetricsRecorder, percentiles } from "../../src/server/metrics.ts";

const record = (startedAt: number, finishedAt: number): TaskRecord => ({
  taskId: "t", name: "n", status: "success", priority: "normal", attempts: 1, history: [], timings: { submittedAt: startedAt, startedAt, finishedAt },
});

describe("metrics", () => {
  test("counts per second and percentiles within a bucket's width (about 9 %)", () => {
    let now = 1_000_000_000;
    const m = new MetricsRecorder({ windowSeconds: 300, now: () => now });
    for (let i = 1; i <= 100; i++) m.finished(record(now - i, now), true);
    m.finished(record(now - 5, now), false);
    now += 1000;
    m.finished(record(now - 1000, now), true);
    const s = m.snapshot();
    expect(s.succeeded).toHaveLength(300);
    expect(s.succeeded.slice(-2)).toEqual([100, 1]);
    expect(s.failed.slice(-2)).toEqual([1, 0]);
    const [p50, p95] = [s.p50_ms.at(-2)!, s.p95_ms.at(-2)!];
    expect(Math.abs(p50 - 50) / 50).toBeLessThan(0.09);
    expect(Math.abs(p95 - 95) / 95).toBeLessThan(0.09);
    expect(s.totals).toMatchObject({ succeeded: 101, failed: 1, last_minute: { succeeded: 101, failed: 1 } });
    expect(s.totals.throughput_per_second).toBeCloseTo(10.2, 1);
  });

  test("seconds older than the window are forgotten, and a slot is reused cleanly", () => {
    let now = 2_000_000_000;
    const m = new MetricsRecorder({ windowSeconds: 10, now: () => now });
    m.finished(record(now - 10, now), true);
    now += 10_000; // the same slot, ten seconds later
    m.finished(record(now - 10, now), true);
    m.finished(record(now - 20_000, now - 20_000), true); // too old: ignored
    const s = m.snapshot();
    expect(s.totals.succeeded).toBe(1);
    expect(s.succeeded.at(-1)).toBe(1);
  });

  test("percentiles of an empty histogram are null", () => {
    expect(percentiles(new Uint32Array(10), 0.5, 0.95)).toEqual([null, null]);
  });
});
