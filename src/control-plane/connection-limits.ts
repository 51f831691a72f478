import { readFileSync } from "node:fs";
import { FastWorkerError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { MAX_HELD_PER_CONNECTION, TRUSTED_IDLE_FACTOR } from "../model/defaults.ts";
import { errorFrame, type Request } from "../protocol/index.ts";
import type { PipeRegistry, PipeState } from "./pipe-registry.ts";

export interface ConnectionLimitOptions {
  /** Connections kept at once; a new one beyond is closed as soon as NNG reports it. */
  maxConnections: number;
  /** Requests in progress per connection; one more is answered at once with E_TOO_MANY_REQUESTS. */
  maxRequestsPerConnection: number;
  /** Long-polls per connection (HeldWaits' cap): past it a long-poll is refused as E_TOO_MANY_WAITS instead. */
  maxHeldPerConnection: number;
  /** A connection with nothing in progress silent this long is closed; 0 = never. */
  idleTimeoutMs: number;
}

export interface ConnectionLimitDeps {
  /** Closes a pipe (nng_pipe_close); false when it was already gone. */
  close: (pipe: number) => boolean;
  /** Authenticated, or a registered subworker's: idle for TRUSTED_IDLE_FACTOR times longer. */
  trusted: (pipe: number) => boolean;
  log: Logger;
  now?: () => number;
}

/** At most one "limit reached" line per this long, with how many connections were refused since the last. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;
/** State for a pipe NNG never reported (a request that reached JS after its removal) is forgotten after this. */
const STRAY_STATE_MS = 5_000;

type Handled = Uint8Array | Promise<Uint8Array>;

/**
 * The per-connection bounds of the control plane's REP socket, on the pipe registry: how many
 * connections, how many requests in progress on each, and how long one may sit idle. Each one
 * costs the peer that exceeds it only: the new connection is closed, the extra request answered
 * at once, the idle connection closed (a Client's REQ socket redials by itself).
 */
export class ConnectionLimits {
  private readonly now: () => number;
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private refusedSinceLog = 0;
  private lastRefusalLogAt = -Infinity;

  constructor(private readonly pipes: PipeRegistry, readonly options: ConnectionLimitOptions, private readonly deps: ConnectionLimitDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** NNG added a pipe: admitted into the registry, or closed at once when the limit is reached. */
  added(pipe: number): void {
    if (this.pipes.peek(pipe)?.connected) return;
    if (this.pipes.connected < this.options.maxConnections) {
      this.pipes.added(pipe);
      return;
    }
    this.deps.close(pipe);
    this.refusedSinceLog++;
    this.logRefusals();
  }

  /** Runs one request of `pipe`, counting it as in progress until the handler's reply is ready. */
  serve(pipe: number, handle: () => Handled): Handled {
    const state = this.pipes.begin(pipe);
    let reply: Handled;
    try {
      reply = handle();
    } catch (error) {
      this.pipes.end(state);
      throw error;
    }
    if (reply instanceof Uint8Array) {
      this.pipes.end(state);
      return reply;
    }
    return reply.finally(() => this.pipes.end(state));
  }

  /**
   * The reply for a request beyond its connection's fair share, or undefined to let it run. Called
   * once decoded (the count already includes it). A long-poll on a pipe at its held cap is left to
   * HeldWaits, whose E_TOO_MANY_WAITS says more precisely what to do.
   */
  refuse(request: Request, pipe: number): Uint8Array | undefined {
    const state = this.pipes.peek(pipe);
    if (state === undefined || state.outstanding <= this.options.maxRequestsPerConnection) return undefined;
    if (isLongPoll(request) && state.held.size >= this.options.maxHeldPerConnection) return undefined;
    const cap = this.options.maxRequestsPerConnection;
    return errorFrame(new FastWorkerError("E_TOO_MANY_REQUESTS",
      `this connection already has ${state.outstanding - 1} requests in progress (the limit is ${cap}, --max-requests-per-connection); wait for replies before sending more, or use another connection`));
  }

  /** Starts the idle sweep (a few times per idle timeout, at most once a second). */
  start(): void {
    const every = this.options.idleTimeoutMs > 0 ? Math.min(1000, Math.max(50, Math.floor(this.options.idleTimeoutMs / 4))) : 1000;
    this.sweepTimer = setInterval(() => this.sweep(), every);
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** Closes the idle connections; returns how many (tests). */
  sweep(): number {
    this.logRefusals();
    const now = this.now();
    let closed = 0;
    for (const state of [...this.pipes.all()]) {
      if (state.outstanding > 0) continue;
      const idleFor = now - state.lastActiveAt;
      if (!state.connected) {
        if (idleFor >= STRAY_STATE_MS) this.closeOrForget(state);
        continue;
      }
      const limit = this.idleLimit(state.id);
      if (limit > 0 && idleFor >= limit) {
        this.closeOrForget(state);
        closed++;
      }
    }
    if (closed > 0) this.deps.log("debug", "closed idle connections", { closed, idleTimeoutMs: this.options.idleTimeoutMs, connections: this.pipes.connected });
    return closed;
  }

  private idleLimit(pipe: number): number {
    const idle = this.options.idleTimeoutMs;
    return this.deps.trusted(pipe) ? idle * TRUSTED_IDLE_FACTOR : idle;
  }

  /** Its "removed" event ends the state; a pipe already gone (no event coming) is forgotten here. */
  private closeOrForget(state: PipeState): void {
    // Counted as active now, so a pipe whose removal is slow to arrive is not closed again next sweep.
    state.lastActiveAt = this.now();
    if (!this.deps.close(state.id)) this.pipes.removed(state.id);
  }

  private logRefusals(): void {
    if (this.refusedSinceLog === 0) return;
    const now = this.now();
    if (now - this.lastRefusalLogAt < REFUSAL_LOG_INTERVAL_MS) return;
    const sinceMs = Number.isFinite(this.lastRefusalLogAt) ? now - this.lastRefusalLogAt : 0;
    this.deps.log("warn", "connection limit reached (--max-connections): new connections are closed at once; existing ones keep being served", {
      maxConnections: this.options.maxConnections, connections: this.pipes.connected, refused: this.refusedSinceLog,
      ...(sinceMs > 0 ? { sinceMs } : {}),
    });
    this.refusedSinceLog = 0;
    this.lastRefusalLogAt = now;
  }
}

/** Requests HeldWaits holds (the same test the router applies before holding one). */
function isLongPoll(request: Request): boolean {
  switch (request.type) {
    case "collect":
    case "watch": return true;
    case "submit": return request.wait === true;
    case "result": return (request.waitMs ?? 0) > 0;
    default: return false;
  }
}

/** The connection limits, checked (same bound as the held cap: a pipe past the REP contexts goes unread, see MAX_HELD_PER_CONNECTION). */
export function checkConnectionLimits(o: Omit<ConnectionLimitOptions, "maxHeldPerConnection">): Omit<ConnectionLimitOptions, "maxHeldPerConnection"> {
  const bad = (name: string, range: string, value: number) => new FastWorkerError("E_CONFIG", `${name} must be an integer ${range}, got ${value}`);
  if (!Number.isInteger(o.maxConnections) || o.maxConnections < 1) throw bad("maxConnections", "of at least 1", o.maxConnections);
  if (!Number.isInteger(o.maxRequestsPerConnection) || o.maxRequestsPerConnection < 1 || o.maxRequestsPerConnection > MAX_HELD_PER_CONNECTION) {
    throw bad("maxRequestsPerConnection", `from 1 to ${MAX_HELD_PER_CONNECTION}`, o.maxRequestsPerConnection);
  }
  if (!Number.isInteger(o.idleTimeoutMs) || o.idleTimeoutMs < 0 || o.idleTimeoutMs > 2_147_483_647) {
    throw bad("idleTimeoutMs", "from 0 (never) to 2147483647 ms", o.idleTimeoutMs);
  }
  return o;
}

/**
 * The connection limit the process can honour: each connection is a descriptor, and once they run
 * out the listener, the journal and the dashboard fail too (the "dashboard stopped").
 * Leaves an eighth of the soft RLIMIT_NOFILE (64..512) for everything else, and says so when it
 * lowers the limit. `limitsText` is /proc/self/limits (Linux); elsewhere the limit is kept as given.
 */
export function fitToDescriptors(maxConnections: number, log: Logger, limitsText: string | undefined = readProcLimits()): number {
  const soft = limitsText === undefined ? undefined : /^Max open files\s+(\d+|unlimited)/m.exec(limitsText)?.[1];
  if (soft === undefined || soft === "unlimited") return maxConnections;
  const limit = Number(soft);
  const usable = Math.max(1, limit - Math.min(512, Math.max(64, Math.floor(limit / 8))));
  if (maxConnections <= usable) return maxConnections;
  log("warn", "--max-connections is above what the descriptor limit allows; using the lower figure (raise `ulimit -n` for more)", {
    maxConnections, descriptorLimit: limit, using: usable,
  });
  return usable;
}

function readProcLimits(): string | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    return readFileSync("/proc/self/limits", "utf8");
  } catch (error) {
    // No procfs (some containers): nothing to fit to, so the limit stays as configured.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
