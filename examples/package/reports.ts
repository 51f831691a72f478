// One module of a task package (see images.ts for how the folder is loaded):
//
//   bun bin/fastworker.ts control-plane --task-modules examples/package/
//   bun bin/fastworker.ts submit --task-name reports.summary --args '[3,1,4,1,5,9,2,6]'
//   bun bin/fastworker.ts submit --task-name reports.quarterly --args q3 --priority high
import { task } from "fastworker";

/** Count, sum, mean and median of a series. */
export const summary = task({ name: "reports.summary", description: "Count, sum, mean and median of numbers" }, (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length === 0 ? null : sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { count: sorted.length, sum, mean: sorted.length === 0 ? null : sum / sorted.length, median };
});

/** A slow, retried report: waits like an upstream call would, then answers. */
export const quarterly = task({ name: "reports.quarterly", priority: "high", retries: 2, timeoutMs: 30_000 }, async (quarter: string) => {
  await Bun.sleep(100);
  return { quarter, generatedAt: new Date().toISOString(), rows: 42 };
});
