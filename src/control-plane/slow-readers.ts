import type { Logger } from "../log.ts";

/** At most one "closed a connection that does not read" line per this long, with a count. */
const LOG_INTERVAL_MS = 10_000;

export interface SlowReaderDeps {
  /** Closes a pipe (nng_pipe_close); false when it was already gone. */
  close: (pipe: number) => boolean;
  log: Logger;
  now?: () => number;
}

/**
 * Peers that do not read their replies. A reply that waited --reply-timeout-ms for its peer is
 * dropped by the REP socket (its context serves others again); the peer's connection is closed
 * at once, which fails every other reply still queued for it too, so one non-reading peer can
 * never hold the contexts everyone else needs. Its REQ socket may redial and start again.
 */
export class SlowReaders {
  private readonly now: () => number;
  private closedSinceLog = 0;
  private lastLogAt = -Infinity;

  constructor(readonly replyTimeoutMs: number, private readonly deps: SlowReaderDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** A reply to `pipe` missed its deadline. Returns whether this call closed the pipe. */
  replyTimedOut(pipe: number): boolean {
    // Later timeouts of replies to a pipe closed already find it gone: nothing to count twice.
    if (!this.deps.close(pipe)) return false;
    this.closedSinceLog++;
    const now = this.now();
    if (now - this.lastLogAt >= LOG_INTERVAL_MS) {
      this.deps.log("warn", "closed a connection that did not read its replies (--reply-timeout-ms)", {
        replyTimeoutMs: this.replyTimeoutMs, closed: this.closedSinceLog,
      });
      this.closedSinceLog = 0;
      this.lastLogAt = now;
    }
    return true;
  }
}
