import * as authorApi from "./author-api.ts";

let provided: Promise<void> | undefined;

/**
 * Makes `import { task } from "fastworker"` in a task module resolve to this very copy of
 * FastWorker's task-author API (./author-api.ts: task(), defineMiddleware(), the error classes).
 * A compiled single binary has no node_modules to find the package in, and even from source it
 * guarantees task modules and the runtime share one set of classes (RetryLater, NonRetryable)
 * rather than two copies that `instanceof` cannot match. Only the author API, not the package
 * root: tasks/ sits below the client, control plane and subworker (docs/architecture.md).
 * Runs once per thread (the main thread and each pool Worker load task modules); a promise so
 * callers need not change if providing it ever becomes asynchronous again.
 */
export function provideSelfModule(): Promise<void> {
  provided ??= Promise.resolve().then(() => {
    Bun.plugin({
      name: "fastworker-self",
      setup(build) {
        build.module("fastworker", () => ({ exports: { ...authorApi }, loader: "object" }));
      },
    });
  });
  return provided;
}
