// The one live count (src/model/live-counts.ts) that status, REST, the dashboard and metrics all format from.
import { expect, test } from "bun:test";
import { liveCounts } from "../../src/model/live-counts.ts";

test("queues, scheduled, cache and the sources' running and capacity, counted once", () => {
  const table = {
    ready: { sizeByPriority: () => ({ critical: 1, high: 2, normal: 3, low: 4 }) },
    delayed: { size: 5 },
    results: { size: 6 },
    live: { size: 20 },
  };
  const workers = [
    { kind: "local", state: "active", capacity: 2, running: 2 },
    { kind: "subworker", state: "active", capacity: 4, running: 1 },
    { kind: "subworker", state: "inactive", capacity: 8, running: 0 },
  ];
  expect(liveCounts(table, workers)).toEqual({
    queued: { critical: 1, high: 2, normal: 3, low: 4 }, queuedTotal: 10,
    scheduled: 5, running: 3, cached: 6, live: 20,
    workers: { total: 3, active: 2, capacity: 6 },
    subworkers: { total: 2, active: 1, inactive: 1 },
  });
});
