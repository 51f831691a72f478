import type { Logger } from "../log.ts";

/** One thing to release, named so a stop that overruns its deadline can say what it still waits for. */
export interface ReleaseStep {
  readonly name: string;
  run(): unknown;
}

export interface StopOptions {
  /** How long running tasks may keep going before the pool stops them. Default 0; at most half of deadlineMs. */
  drainMs?: number;
  /** Bounds this caller's wait for the whole stop; past it stop() rejects with E_TIMEOUT naming the pending step. */
  deadlineMs?: number;
}

/**
 * Runs the steps in order. A step that throws is logged and the rest still run: one failed close must not
 * leave the sockets, timers and Workers after it acquired forever. The first failure is rethrown at the end.
 */
export async function releaseInOrder(steps: readonly ReleaseStep[], log: Logger, progress: { step: string }): Promise<void> {
  let first: { error: unknown } | undefined;
  for (const step of steps) {
    progress.step = step.name;
    try {
      await step.run();
    } catch (error) {
      log("error", "releasing a control-plane resource failed; the remaining ones are still released", { step: step.name, error: String(error) });
      first ??= { error };
    }
  }
  progress.step = "done";
  if (first) throw first.error;
}

export { withDeadline } from "../model/deadline.ts";

/**
 * The pool's drain may use at most half the caller's deadline: the other half is for stopping the Workers
 * and closing the sockets and the journal, so a stop that drains to the limit still ends within its deadline.
 */
export function drainWithin(options: StopOptions): number {
  return Math.max(0, Math.min(options.drainMs ?? 0, (options.deadlineMs ?? Infinity) / 2));
}
