// Example task module (single file), used by elysia-app.ts, embedded-app.ts and callbacks.ts:
//
//   bun bin/fastworker.ts control-plane --task-modules examples/tasks.ts
//   bun bin/fastworker.ts submit --task-name add --args 2 3
//
// (Installed as a package, `fastworker ...` instead of `bun bin/fastworker.ts ...`.)
import { NonRetryable, RetryLater, task } from "fastworker";

export const add = task("add", (x: number, y: number) => x + y);

export const echo = task("echo", (value: unknown) => value);

export const sleep = task("sleep", async (ms: number) => {
  await Bun.sleep(ms);
  return ms;
});

/** CPU-bound: runs on a Bun Worker, so the control plane keeps answering. */
export const fib = task({ name: "fib", timeoutMs: 60_000 }, (n: number): number => {
  const go = (k: number): number => (k < 2 ? k : go(k - 1) + go(k - 2));
  return go(n);
});

/** Fails at random; its retries (with exponential backoff and jitter) usually get it through. */
export const flaky = task({ name: "flaky", retries: 3, backoff: { baseMs: 100, factor: 2, maxMs: 1000, jitter: 0.1 } }, (failureRate: number) => {
  if (Math.random() < failureRate) throw new Error("flaky failure");
  return "ok";
});

export const report = task({ name: "report", priority: "high", retries: 2, timeoutMs: 30_000 }, async (quarter: string) => {
  await Bun.sleep(50);
  return { quarter, rows: 42 };
});

export const validate = task("validate", (email: string) => {
  if (!email.includes("@")) throw new NonRetryable(`not an email address: ${email}`);
  return email.toLowerCase();
});

export const later = task({ name: "later", retries: 1 }, () => {
  throw new RetryLater(200, "the upstream asked us to come back");
});

/**
 * I/O-bound, with the handler context as `this` (a `function`, not an arrow): 20 in flight per
 * Bun Worker, progress and log lines in its record and the dashboard, and it stops as soon as it
 * is cancelled or times out (docs/handlers.md).
 *
 *   bun bin/fastworker.ts submit --task-name steps --args 5 200
 */
export const steps = task({ name: "steps", concurrency: 20, timeoutMs: 60_000 }, async function (count: number, stepMs: number) {
  for (let i = 1; i <= count; i++) {
    this.signal.throwIfAborted();
    await Bun.sleep(stepMs);
    this.progress(Math.round((i / count) * 100));
    this.log(`step ${i} of ${count}`);
  }
  return count;
});
