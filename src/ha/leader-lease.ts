import type { SQL } from "bun";
import * as v from "valibot";
import { FastWorkerError } from "../errors.ts";
import { GrantRowSchema, LEASE_TABLE_DDL, LeaderRowWithTimeSchema } from "./lease-schema.ts";
import type { FencingToken } from "./fencing.ts";

/** The one lease FastWorker's control planes contend for. */
export const CONTROL_PLANE_LEASE = "control-plane";
/** Longest lease accepted: a day (beyond, a dead leader would hold the queue hostage for that long). */
const MAX_LEASE_MS = 86_400_000;

export interface LeaseOptions {
  /** Who contends: unique per control plane process (e.g. its cpId). */
  holderId: string;
  /** Where clients reach this control plane: standbys name it in E_NOT_LEADER. */
  address: string;
  /** How long a grant lasts from the database's now() (acquire and each renewal). */
  leaseMs: number;
  /** Lease row name; default "control-plane". */
  name?: string;
}

/** A grant of the lease. */
export interface Grant {
  epoch: number;
  /**
   * performance.now() up to which this process may act as leader: the time the request was
   * sent plus what the database granted, so it ends no later than the row's expiry (a
   * request's travel only makes it earlier), whatever the clocks of the two machines say.
   */
  validUntil: number;
}

/** Who holds (or last held) the lease, as the database says. */
export interface LeaderInfo {
  holderId: string;
  address: string;
  epoch: number;
  /** True once the grant ran out (nobody leads until someone acquires it). */
  expired: boolean;
  /** What the grant had left when read, by the database's clock (<= 0 once expired): when a standby should try again. */
  remainingMs: number;
}

/**
 * A leader lease in PostgreSQL (through Bun.sql): a row with holder, address, epoch and
 * expiry. Acquire takes it only when it is free or expired, with epoch + 1; renew extends it
 * only for the holder of the same epoch while it has not expired; release ends it at once.
 * Each is a single statement, so PostgreSQL's row lock decides between contenders: two can
 * never both hold it, and expiry is judged by the database's now() alone.
 */
export class LeaderLease {
  readonly name: string;

  constructor(private readonly sql: SQL, readonly options: LeaseOptions) {
    if (!Number.isSafeInteger(options.leaseMs) || options.leaseMs < 1 || options.leaseMs > MAX_LEASE_MS) {
      throw new FastWorkerError("E_CONFIG", `the leader lease must last 1 to ${MAX_LEASE_MS} ms, got ${String(options.leaseMs)}`);
    }
    if (options.holderId.length === 0 || options.holderId.length > 200) throw new FastWorkerError("E_CONFIG", "the lease holder id must be 1 to 200 characters long");
    this.name = options.name ?? CONTROL_PLANE_LEASE;
  }

  /** Creates the lease table when it is missing (idempotent; safe for contenders starting together). */
  async ensureSchema(): Promise<void> {
    await this.run("create the lease table", async () => {
      // Two processes racing CREATE TABLE IF NOT EXISTS can still collide on the type; the lock serialises them.
      await this.sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtext('fastworker_leader'))`;
        await tx.unsafe(LEASE_TABLE_DDL);
      });
    });
  }

  /** Takes the lease when nobody holds it or the grant expired: the new epoch, or undefined when another holds it. */
  async tryAcquire(): Promise<Grant | undefined> {
    const { holderId, address, leaseMs } = this.options;
    const sentAt = performance.now();
    const rows = await this.run("acquire the leader lease", () => this.sql`
      INSERT INTO fastworker_leader AS l (name, holder, address, epoch, expires_at)
      VALUES (${this.name}, ${holderId}, ${address}, 1, now() + ${leaseMs}::double precision * interval '1 millisecond')
      ON CONFLICT (name) DO UPDATE
        SET holder = EXCLUDED.holder, address = EXCLUDED.address, epoch = l.epoch + 1, expires_at = EXCLUDED.expires_at, acquired_at = now()
        WHERE l.expires_at <= now()
      RETURNING l.epoch, extract(epoch FROM (l.expires_at - now())) * 1000 AS remaining_ms`);
    return this.grant(rows, sentAt);
  }

  /** Extends the grant of `epoch`: undefined when it expired or another took over (stop acting as leader). */
  async renew(epoch: number): Promise<Grant | undefined> {
    const { holderId, leaseMs } = this.options;
    const sentAt = performance.now();
    const rows = await this.run("renew the leader lease", () => this.sql`
      UPDATE fastworker_leader SET expires_at = now() + ${leaseMs}::double precision * interval '1 millisecond'
      WHERE name = ${this.name} AND holder = ${holderId} AND epoch = ${epoch}::bigint AND expires_at > now()
      RETURNING epoch, extract(epoch FROM (expires_at - now())) * 1000 AS remaining_ms`);
    return this.grant(rows, sentAt);
  }

  /** Gives the lease up at once (a graceful stop), so a standby need not wait for it to expire. True when it was still ours. */
  async release(epoch: number): Promise<boolean> {
    const rows = await this.run("release the leader lease", () => this.sql`
      UPDATE fastworker_leader SET expires_at = '-infinity'
      WHERE name = ${this.name} AND holder = ${this.options.holderId} AND epoch = ${epoch}::bigint AND expires_at > now()
      RETURNING epoch`);
    return (rows as unknown[]).length > 0;
  }

  /** Who holds the lease (or last did); undefined when nobody ever took it. */
  async leader(): Promise<LeaderInfo | undefined> {
    const rows = await this.run("read the leader lease", () => this.sql`
      SELECT holder, address, epoch, expires_at <= now() AS expired,
        CASE WHEN expires_at = '-infinity' THEN 0 ELSE extract(epoch FROM (expires_at - now())) * 1000 END AS remaining_ms
      FROM fastworker_leader WHERE name = ${this.name}`);
    const row = (rows as unknown[])[0];
    if (row === undefined) return undefined;
    const parsed = v.parse(LeaderRowWithTimeSchema, row);
    return { holderId: parsed.holder, address: parsed.address, epoch: parsed.epoch, expired: parsed.expired, remainingMs: parsed.remaining_ms };
  }

  /** What a write transaction presents while this holder leads with `epoch` (see fencing.ts). */
  token(epoch: number): FencingToken {
    return { name: this.name, holderId: this.options.holderId, epoch };
  }

  private grant(rows: unknown, sentAt: number): Grant | undefined {
    const row = (rows as unknown[])[0];
    if (row === undefined) return undefined;
    const { epoch, remaining_ms } = v.parse(GrantRowSchema, row);
    return { epoch, validUntil: sentAt + Math.min(this.options.leaseMs, Math.max(0, remaining_ms)) };
  }

  /** A database failure is the caller's to act on (a leader that cannot renew steps down): typed, with the cause. */
  private async run<T>(what: string, query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      if (error instanceof FastWorkerError || error instanceof v.ValiError) throw error;
      throw new FastWorkerError("E_JOURNAL", `could not ${what} in PostgreSQL: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}
