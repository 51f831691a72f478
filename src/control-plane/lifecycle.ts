import { FastWorkerError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { drainWithin, releaseInOrder, withDeadline, type ReleaseStep, type StopOptions } from "./shutdown.ts";

export type LifecycleState = "created" | "starting" | "running" | "stopping" | "stopped";

/**
 * The start and stop of a long-lived component, once each. start() acquires; stop() releases
 * the component's steps in order (shutdown.ts). stop() is idempotent: every caller, and a
 * failed start, awaits the same release, each under its own deadline. A start that fails
 * releases what it acquired before rethrowing; a stop that arrives during start releases what
 * start acquired after it too, so a caller is never left with a process that cannot exit.
 */
export class Lifecycle {
  private current: LifecycleState = "created";
  /** The one release in progress: every stop() caller (and a failed start) awaits this same promise. */
  private releasing: Promise<void> | undefined;
  private readonly progress = { step: "not started" };

  /** `what` names the component in errors and logs; `steps(drainMs)` lists what to release, in order. */
  constructor(
    private readonly what: string, private readonly log: Logger,
    private readonly steps: (drainMs: number) => ReleaseStep[], private readonly logFields: Record<string, unknown> = {},
  ) {}

  get state(): LifecycleState {
    return this.current;
  }

  get running(): boolean {
    return this.current === "running";
  }

  async start(acquire: () => Promise<void>): Promise<void> {
    if (this.current !== "created") throw new Error(`${this.what} already ${this.current}`);
    this.current = "starting";
    try {
      await acquire();
    } catch (error) {
      // Debug, not error: the caller is handed the error itself (the CLI prints it as its one line).
      this.log("debug", `${this.what} failed to start; releasing what it acquired`, { ...this.logFields, error: String(error) });
      await this.release(0).catch(() => undefined); // each failed step was logged by releaseInOrder; the start error is the one to report
      throw error;
    }
    if (this.releasing) {
      // stop() ran while starting and released only what existed then: once it is done (never two
      // releases at once), release what came after it too.
      await this.releasing.catch(() => undefined); // its failures were logged, and its own callers get them
      await releaseInOrder(this.steps(0), this.log, this.progress);
      throw new FastWorkerError("E_SHUTTING_DOWN", `the ${this.what} was stopped while it was starting`);
    }
    this.current = "running";
  }

  /**
   * Stops accepting, lets running work finish up to drainMs (capped by deadlineMs), then releases everything.
   * A second caller awaits the same release (under its own deadlineMs) instead of returning early.
   */
  stop(options: StopOptions = {}): Promise<void> {
    return withDeadline(this.release(drainWithin(options)), options.deadlineMs, () => this.progress.step);
  }

  private release(drainMs: number): Promise<void> {
    this.releasing ??= (async () => {
      const wasRunning = this.current === "running";
      this.current = "stopping";
      try {
        await releaseInOrder(this.steps(drainMs), this.log, this.progress);
      } finally {
        this.current = "stopped";
      }
      // A start that failed never said "started": saying "stopped" would only add noise to its error.
      if (wasRunning) this.log("info", `${this.what} stopped`, this.logFields);
    })();
    return this.releasing;
  }
}
