import { FastWorkerError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { FencingToken } from "./fencing.ts";
import type { Grant, LeaderInfo, LeaderLease } from "./leader-lease.ts";

export type Role =
  | { readonly role: "leader"; readonly epoch: number; readonly token: FencingToken }
  | { readonly role: "standby"; readonly leader: LeaderInfo | undefined };

export interface ElectorOptions {
  /** How often the leader renews and a standby tries to take over; default a third of the lease. */
  checkEveryMs?: number;
  /** Called on every change of role (leader with its epoch, or standby naming who leads). */
  onChange?: (role: Role) => void;
  log?: Logger;
}

/**
 * Runs one contender's side of the lease: a standby tries to acquire it every `checkEveryMs`, a
 * leader renews it as often. A leader steps down the moment its renewal is refused, and also when
 * its grant runs out locally without a renewal (PostgreSQL unreachable): by then a standby may
 * have taken over, and the fencing check refuses its writes anyway. Never two timers at once.
 */
export class LeaderElector {
  private current: Role = { role: "standby", leader: undefined };
  private grant: Grant | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private expiry: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private ticking: Promise<void> | undefined;
  private readonly checkEveryMs: number;

  constructor(private readonly lease: LeaderLease, private readonly options: ElectorOptions = {}) {
    this.checkEveryMs = options.checkEveryMs ?? Math.max(1, Math.floor(lease.options.leaseMs / 3));
    if (this.checkEveryMs >= lease.options.leaseMs) {
      throw new FastWorkerError("E_CONFIG", `the lease check interval (${this.checkEveryMs} ms) must be shorter than the lease (${lease.options.leaseMs} ms), or a leader could never renew in time`);
    }
  }

  get role(): Role {
    return this.current;
  }

  /** Leader now, by this process's own monotonic clock (its grant has not run out). */
  isLeader(): boolean {
    return this.current.role === "leader" && this.grant !== undefined && performance.now() < this.grant.validUntil;
  }

  /** The active control plane's address as last read, for a standby's E_NOT_LEADER. */
  leaderAddress(): string | undefined {
    if (this.current.role === "leader") return this.lease.options.address;
    const leader = this.current.leader;
    return leader !== undefined && !leader.expired ? leader.address : undefined;
  }

  /** Creates the table if needed and makes the first attempt; resolves with the role it ended in. */
  async start(): Promise<Role> {
    await this.lease.ensureSchema();
    await this.tick();
    return this.current;
  }

  /** Stops the checks; a leader releases the lease so a standby takes over at once, not after it expires. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.expiry);
    await this.ticking;
    const role = this.current;
    if (role.role === "leader") {
      this.become({ role: "standby", leader: undefined });
      await this.lease.release(role.epoch);
    }
  }

  private tick(): Promise<void> {
    this.ticking = this.check().finally(() => {
      this.ticking = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.nextCheckMs());
    });
    return this.ticking;
  }

  /**
   * A standby that saw the leader's grant end sooner than the next check tries right after it
   * (its remaining time is the database's, so no clock of ours is trusted): a takeover then
   * costs the lease, not the lease plus up to one check interval.
   */
  private nextCheckMs(): number {
    const role = this.current;
    if (role.role !== "standby" || role.leader === undefined || role.leader.expired) return this.checkEveryMs;
    return Math.max(1, Math.min(this.checkEveryMs, Math.ceil(role.leader.remainingMs) + 5));
  }

  private async check(): Promise<void> {
    try {
      if (this.current.role === "leader") {
        const grant = await this.lease.renew(this.current.epoch);
        if (this.stopped) return;
        if (grant === undefined) return this.stepDown("the lease was refused on renewal (it expired, or another control plane took over)");
        this.hold(grant);
        return;
      }
      const grant = await this.lease.tryAcquire();
      if (this.stopped) {
        if (grant) await this.lease.release(grant.epoch);
        return;
      }
      if (grant !== undefined) {
        this.hold(grant);
        this.become({ role: "leader", epoch: grant.epoch, token: this.lease.token(grant.epoch) });
        return;
      }
      const leader = await this.lease.leader();
      if (this.stopped) return;
      // Told only on a change of leader; the time it has left is kept for nextCheckMs() either way.
      if (this.current.role !== "standby" || !sameLeader(this.current.leader, leader)) this.become({ role: "standby", leader });
      else this.current = { role: "standby", leader };
    } catch (error) {
      // PostgreSQL unreachable: a leader keeps its role until its grant runs out (the expiry timer), a standby waits.
      this.options.log?.("warn", "the leader lease could not be checked", { error: String(error), role: this.current.role });
    }
  }

  /** Keeps a grant and arms the local step-down at its end (performance.now(), not the wall clock). */
  private hold(grant: Grant): void {
    this.grant = grant;
    clearTimeout(this.expiry);
    this.expiry = setTimeout(() => {
      if (this.grant === grant && this.current.role === "leader") this.stepDown("the lease ran out without a renewal");
    }, Math.max(0, grant.validUntil - performance.now()));
  }

  private stepDown(why: string): void {
    this.options.log?.("warn", "no longer the leader", { why });
    this.grant = undefined;
    clearTimeout(this.expiry);
    this.become({ role: "standby", leader: undefined });
  }

  private become(role: Role): void {
    this.current = role;
    this.options.onChange?.(role);
  }
}

function sameLeader(a: LeaderInfo | undefined, b: LeaderInfo | undefined): boolean {
  return a?.holderId === b?.holderId && a?.epoch === b?.epoch && a?.expired === b?.expired;
}
