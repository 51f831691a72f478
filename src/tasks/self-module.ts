let provided: Promise<void> | undefined;

/**
 * Makes `import { task } from "fastworker"` in a task module resolve to this very copy of
 * FastWorker. A compiled single binary has no node_modules to find the package in, and even
 * from source it guarantees task modules and the runtime share one set of classes
 * (RetryLater, NonRetryable) rather than two copies that `instanceof` cannot match.
 * Runs once per thread (the main thread and each pool Worker load task modules).
 */
export function provideSelfModule(): Promise<void> {
  provided ??= (async () => {
    const api = await import("../index.ts");
    Bun.plugin({
      name: "fastworker-self",
      setup(build) {
        build.module("fastworker", () => ({ exports: { ...api }, loader: "object" }));
      },
    });
  })();
  return provided;
}
