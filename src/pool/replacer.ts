/**
 * Starts the replacement Worker of a slot after a timeout, crash or cancel, retrying with
 * backoff (respawnDelayMs) while replacements fail to load, until the slot closes.
 */
import { respawnDelayMs } from "./respawn-backoff.ts";
import type { Clock, ClockTimer } from "../model/clock.ts";
import type { LogFn } from "./types.ts";
import type { WorkerHandle } from "./worker-handle.ts";

export interface ReplacerHost {
  readonly index: number;
  readonly clock: Clock;
  readonly closed: boolean;
  readonly log: LogFn;
  /** Spawns and installs a new Worker as the slot's current one (may throw). */
  spawn(): WorkerHandle;
  isCurrent(handle: WorkerHandle): boolean;
  /** The replacement is ready: the slot takes jobs again. */
  ready(handle: WorkerHandle): void;
  /** The replacement failed to start: the slot has no Worker until the next try. */
  forget(handle: WorkerHandle): void;
}

export class Replacer {
  #failures = 0;
  #timer: ClockTimer | undefined;

  constructor(private readonly host: ReplacerHost) {}

  /** A Worker became ready: the next failure starts the backoff from the beginning. */
  succeeded(): void {
    this.#failures = 0;
  }

  cancel(): void {
    if (this.#timer !== undefined) this.host.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  replace(): void {
    const host = this.host;
    let handle: WorkerHandle;
    try {
      handle = host.spawn();
    } catch (error) {
      this.#retryLater(error);
      return;
    }
    handle.ready.then(
      () => {
        if (host.isCurrent(handle) && !host.closed) host.ready(handle);
      },
      (error: unknown) => {
        if (!host.isCurrent(handle)) return; // superseded or shut down: nothing to retry
        host.forget(handle);
        this.#retryLater(error);
      },
    );
  }

  #retryLater(error: unknown): void {
    this.#failures++;
    const delayMs = respawnDelayMs(this.#failures);
    this.host.log("error", "replacement pool Worker failed to start; retrying", {
      slot: this.host.index,
      attempt: this.#failures,
      retryInMs: delayMs,
      error: error instanceof Error ? error.message : String(error),
    });
    if (this.host.closed) return;
    // Kept alive on purpose: jobs may be (or become) queued for this slot,
    // and their run() promises would be abandoned if the process exited now.
    this.#timer = this.host.clock.setTimeout(() => {
      this.#timer = undefined;
      if (!this.host.closed) this.replace();
    }, delayMs, true);
  }
}
