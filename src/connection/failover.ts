import type { PeerSecurity } from "../auth/peer-security.ts";
import { address as nngAddress } from "../config.ts";
import { ERROR_CODES, FastWorkerError, NngError, NotLeaderError, UnavailableError } from "../errors.ts";
import { encodeFrame, type Reply, type ReplyOf, type Request } from "../protocol/index.ts";
import { Connection } from "./connection.ts";

/** How long a request may keep moving between control planes before it fails with E_UNAVAILABLE. */
export const DEFAULT_FAILOVER_TIMEOUT_MS = 30_000;
/** Pause after a whole round of addresses failed fast (standbys, refused dials), doubling up to the cap. */
const ROUND_PAUSE_MS = 50;
const ROUND_PAUSE_MAX_MS = 250;
/** Below this much of the failover budget left, no new attempt starts (it could only time out). */
const MIN_ATTEMPT_MS = 100;
/**
 * A request to an address with no connection up moves on after this long (Connection's
 * noPipeFailMs): a dead control plane refuses every dial, and NNG would otherwise hold the
 * request its whole time, long-poll included. Above NNG's 1 s redial backoff, so a peer that
 * is only restarting its listener (a standby taking over) is redialled once before we move on.
 */
const NO_PIPE_FAIL_MS = 1_500;
/**
 * Leaders learned from standbys' hints or from discovery, beyond the configured addresses: a peer
 * naming a new address on every answer must not grow the list (and its open sockets) without end.
 * Past it the oldest learned one is forgotten and its connection closed.
 */
const MAX_LEARNED_ADDRESSES = 8;

export interface FailoverOptions {
  /** Control plane addresses, tried in this order; the first is used first. */
  addresses: readonly string[];
  connectTimeoutMs: number;
  maxFrameBytes: number;
  security?: PeerSecurity;
  /** Total time one request may spend failing over; default 30 000 ms. */
  failoverTimeoutMs?: number;
  /** Called on every move to another address (for a log line). */
  onFailover?: (from: string, to: string, error: Error) => void;
  /**
   * For a client that found its one address by discovery: asks discovery again (within
   * `timeoutMs`) for whichever control plane announces itself now, the new leader after a
   * takeover. Without it, one address that stops answering is the caller's E_UNAVAILABLE.
   */
  rediscover?: (timeoutMs: number) => Promise<string | undefined>;
}

/**
 * Why a failed request may succeed at another control plane: a standby answered (E_NOT_LEADER),
 * nobody answered in time, or the connection was reset under the request (the peer died: NNG
 * reports that at once, where a timeout would wait the whole request time). undefined otherwise.
 */
export function failoverCause(error: unknown): "not-leader" | "unavailable" | undefined {
  if (error instanceof NotLeaderError) return "not-leader";
  if (error instanceof NngError && (error.nngName === "NNG_ECONNRESET" || error.nngName === "NNG_ECONNSHUT")) return "unavailable";
  if (error instanceof FastWorkerError && error.code !== "E_NOT_LEADER" && ERROR_CODES[error.code].retryable === true) return "unavailable";
  return undefined;
}

/** The leader a standby named, when it is a usable NNG address (a peer's word is validated, not trusted). */
export function leaderHint(error: unknown): string | undefined {
  if (!(error instanceof NotLeaderError) || error.leaderAddress === undefined) return undefined;
  try {
    return nngAddress(error.leaderAddress);
  } catch {
    // A standby naming garbage is ignored like one naming nothing: the caller tries its own next address.
    return undefined;
  }
}

/**
 * A request connection over several control plane addresses: one Connection per address (made
 * when first needed and kept, so requests still in flight on the old one end by themselves),
 * and on E_NOT_LEADER (to the named leader when given), E_UNAVAILABLE, a timeout or a reset
 * connection the same bytes go to the next address, until one answers or `failoverTimeoutMs` has
 * passed. Safe for every frame the Client sends: a resubmitted task id returns the first task,
 * reads and waits are idempotent. With one address a request fails over only on E_NOT_LEADER.
 */
export class FailoverConnection {
  private readonly connections = new Map<string, Connection>();
  /** Connections closed because their peer dropped: requests that were waiting on them are sent elsewhere. */
  private readonly retired = new WeakSet<Connection>();
  /**
   * Addresses that just failed (dropped, or did not answer), until when: not gone back to, not even
   * when a standby names one as the leader, until the connect timeout has passed.
   */
  private readonly downUntil = new Map<string, number>();
  /**
   * Addresses whose last answer was E_NOT_LEADER. When a standby names one of them as the leader,
   * it was promoted (its standby connection dropping was the takeover), so it is followed even
   * while marked down; a down address that was the leader is the stale name of a dead one.
   */
  private readonly standbys = new Set<string>();
  /** The configured addresses, then leaders that standbys named, in the order to try them. */
  private readonly candidates: string[];
  /** The candidates added after construction, oldest first (at most MAX_LEARNED_ADDRESSES). */
  private readonly learned: string[] = [];
  private current: string;
  private closed = false;
  private readonly failoverTimeoutMs: number;

  constructor(private readonly options: FailoverOptions) {
    if (options.addresses.length === 0) throw new FastWorkerError("E_CONFIG", "at least one control plane address is needed");
    this.candidates = [...new Set(options.addresses)];
    this.current = this.candidates[0]!;
    this.failoverTimeoutMs = options.failoverTimeoutMs ?? DEFAULT_FAILOVER_TIMEOUT_MS;
  }

  /** The address requests go to now. */
  get address(): string {
    return this.current;
  }

  /**
   * Sends a frame and returns the reply of the expected type (see Connection.call), moving to
   * another control plane when this one cannot serve it. `failoverMs` replaces the total failover
   * budget for this call (start() passes what its connect budget has left).
   * @throws UnavailableError (E_UNAVAILABLE) naming every address tried once the budget is spent.
   */
  async call<T extends Reply["type"]>(
    frame: Request | Uint8Array, expect: T, waitMs = 0, timeoutMs = this.options.connectTimeoutMs, failoverMs = this.failoverTimeoutMs,
  ): Promise<ReplyOf<T>> {
    const bytes = frame instanceof Uint8Array ? frame : encodeFrame(frame);
    let deadline: number | undefined;
    const tried: string[] = [];
    for (let round = 0; ; round++) {
      const at = this.current;
      const leftMs = deadline === undefined ? timeoutMs : Math.min(timeoutMs, Math.round(deadline - performance.now()));
      let connection: Connection | undefined;
      try {
        connection = this.connectionTo(at);
        const reply = await connection.call(bytes, expect, waitMs, Math.max(1, leftMs));
        this.standbys.delete(at);
        return reply;
      } catch (error) {
        // Closed here because its peer dropped (peerLost), not by the caller: as good as a reset.
        const retired = connection !== undefined && this.retired.has(connection) && error instanceof FastWorkerError && error.code === "E_CLOSED";
        const cause = retired ? "unavailable" : failoverCause(error);
        if (cause === "not-leader") this.standbys.add(at);
        if (this.closed || cause === undefined) throw error;
        if (cause === "unavailable" && this.candidates.length < 2) {
          // One address and nobody answering: ask discovery where the control plane is now, if we may;
          // else (or when none announces itself in time) the caller's E_UNAVAILABLE, as before failover existed.
          deadline ??= performance.now() + failoverMs;
          const found = await this.discoverAnother(deadline);
          if (found === undefined) throw error;
          this.learn(found);
          this.current = found;
          if (found !== at) this.options.onFailover?.(at, found, error as Error);
          continue;
        }
        if (!tried.includes(at)) tried.push(at);
        deadline ??= performance.now() + failoverMs;
        const spent = () => {
          // Addresses that had just dropped are skipped rather than tried: named too, so the message shows every one.
          const skipped = this.candidates.filter((c) => !tried.includes(c));
          const also = skipped.length > 0 ? `; skipped as just lost: ${skipped.join(", ")}` : "";
          return new UnavailableError(`no control plane served the request within the failover time of ${failoverMs} ms; tried ${tried.join(", ")}${also} (last: ${describe(error)})`, { cause: error });
        };
        if (deadline - performance.now() < MIN_ATTEMPT_MS) throw spent();
        this.moveOn(at, error as Error);
        // A whole round failed (or a standby named no leader): pause, so standbys are not spun on.
        if (round > 0 && (this.current === tried[0] || cause === "not-leader")) {
          await Bun.sleep(Math.min(ROUND_PAUSE_MAX_MS, ROUND_PAUSE_MS * 2 ** Math.min(round, 5), Math.max(0, deadline - performance.now())));
        }
        // Too little time left for a fair try: the error that made us move is the one worth reporting.
        if (deadline - performance.now() < MIN_ATTEMPT_MS) throw spent();
      }
    }
  }

  /** Discovery's answer within the failover deadline, or undefined (no rediscover hook, nothing announced, closed). */
  private async discoverAnother(deadline: number): Promise<string | undefined> {
    const rediscover = this.options.rediscover;
    while (rediscover !== undefined && !this.closed) {
      const leftMs = deadline - performance.now();
      if (leftMs < MIN_ATTEMPT_MS) return undefined;
      const found = await rediscover(Math.min(3_000, Math.round(leftMs)));
      if (found !== undefined) return found;
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.close()));
  }

  /**
   * Leaves `from` for the leader a standby named, else the next candidate. Only when `from` is
   * still current: many requests failing at once at one dead control plane move once, not N times.
   */
  private moveOn(from: string, error: Error): void {
    if (this.current !== from) return;
    if (failoverCause(error) === "unavailable") this.downUntil.set(from, performance.now() + this.options.connectTimeoutMs);
    const hint = leaderHint(error);
    let next: string;
    // A standby names the leader it last saw: right after that one died, the name is stale, so it is not followed while down.
    if (hint !== undefined && hint !== from && (!this.isDown(hint) || this.standbys.has(hint))) {
      this.learn(hint);
      next = hint;
    } else {
      next = this.nextCandidate(from);
    }
    this.current = next;
    if (next !== from) this.options.onFailover?.(from, next, error);
  }

  /** The candidate after `from` that is not down; `from` itself when every other one is (ask it again, after a pause). */
  private nextCandidate(from: string): string {
    const at = this.candidates.indexOf(from);
    for (let step = 1; step <= this.candidates.length; step++) {
      const candidate = this.candidates[(at + step) % this.candidates.length]!;
      if (!this.isDown(candidate) || candidate === from) return candidate;
    }
    return from;
  }

  /** Adds an address a peer or discovery named, forgetting the oldest learned one past the bound. */
  private learn(address: string): void {
    if (this.candidates.includes(address)) return;
    this.candidates.push(address);
    this.learned.push(address);
    if (this.learned.length <= MAX_LEARNED_ADDRESSES) return;
    // The oldest one not in use (the one in use stays until requests move on from it).
    const [oldest] = this.learned.splice(this.learned.findIndex((a) => a !== this.current), 1) as [string];
    this.candidates.splice(this.candidates.indexOf(oldest), 1);
    this.standbys.delete(oldest);
    this.downUntil.delete(oldest);
    const connection = this.connections.get(oldest);
    if (connection !== undefined) {
      this.connections.delete(oldest);
      this.retired.add(connection);
      void connection.close();
    }
  }

  /** Another address to try, or discovery to ask for one. */
  private hasElsewhere(): boolean {
    return this.candidates.length > 1 || this.options.rediscover !== undefined;
  }

  private isDown(address: string): boolean {
    const until = this.downUntil.get(address);
    if (until === undefined) return false;
    if (performance.now() < until) return true;
    this.downUntil.delete(address);
    return false;
  }

  /**
   * The control plane in use dropped the connection: new requests go to the next address now
   * (with one address and no discovery there is nowhere else; NNG redials it by itself). Requests in flight there
   * fail (reset, or closed here) and fail over through call().
   */
  private peerLost(address: string): void {
    if (this.closed || !this.hasElsewhere()) return;
    // A request sent after the peer died but before this notice waits for a pipe that will not come
    // back (its whole timeout, long-poll included): closing the connection ends it now, and call() resends it.
    const lost = this.connections.get(address);
    if (lost !== undefined) {
      this.connections.delete(address);
      this.retired.add(lost);
      void lost.close();
    }
    // Not marked down unless in use: a standby we asked drops its connection when it takes over
    // (it closes its standby socket and listens as the leader), and is then the one to follow.
    if (this.current === address) this.moveOn(address, new UnavailableError(`the connection to the control plane at ${address} was lost`));
  }

  private connectionTo(address: string): Connection {
    if (this.closed) throw new FastWorkerError("E_CLOSED", "the connection was closed");
    let connection = this.connections.get(address);
    if (connection === undefined) {
      const failFast = this.hasElsewhere() ? NO_PIPE_FAIL_MS : undefined; // with one address and no discovery there is nowhere else to go
      connection = new Connection(address, this.options.connectTimeoutMs, this.options.maxFrameBytes, this.options.security, failFast);
      this.connections.set(address, connection);
      connection.watchPeer(() => this.peerLost(address));
    }
    return connection;
  }
}

function describe(error: unknown): string {
  return error instanceof FastWorkerError ? `${error.code}: ${error.message}` : String(error);
}
