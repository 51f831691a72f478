import type { SQL } from "bun";
import * as v from "valibot";
import { NotLeaderError } from "../errors.ts";
import { LeaderRowSchema } from "./lease-schema.ts";

/** What a leader presents with every write: the lease, who holds it, and the epoch it was granted. */
export interface FencingToken {
  readonly name: string;
  readonly holderId: string;
  readonly epoch: number;
}

/**
 * The fencing condition as SQL, for a single-statement write (`INSERT … SELECT … WHERE` it,
 * `UPDATE … WHERE … AND` it) run with `tx.unsafe(text, [name, holderId, epoch, …])`: true only
 * while the token's holder still holds the lease with that epoch, by the database's clock.
 */
export const FENCE_PREDICATE =
  "EXISTS (SELECT 1 FROM fastworker_leader WHERE name = $1 AND holder = $2 AND epoch = $3::bigint AND expires_at > now())";

/**
 * The first statement of a leader's write transaction: locks the lease row (FOR SHARE) and
 * checks it is still this holder's, same epoch, unexpired. The share lock makes a takeover's
 * UPDATE wait until this transaction ends, so no write of an old epoch commits after a new
 * leader was granted; a paused old leader that wakes later is refused here.
 * @throws NotLeaderError (E_NOT_LEADER) naming the current leader when another one holds it.
 */
export async function fence(tx: SQL, token: FencingToken): Promise<void> {
  const rows = (await tx`
    SELECT holder, address, epoch, expires_at <= now() AS expired FROM fastworker_leader WHERE name = ${token.name} FOR SHARE`) as unknown[];
  const row = rows[0] === undefined ? undefined : v.parse(LeaderRowSchema, rows[0]);
  if (row !== undefined && row.holder === token.holderId && row.epoch === token.epoch && !row.expired) return;
  const other = row !== undefined && !row.expired && row.holder !== token.holderId ? row.address : undefined;
  const why = row === undefined ? "nobody holds the leader lease"
    : row.expired ? `the leader lease of epoch ${row.epoch} expired`
    : `the leader lease is at epoch ${row.epoch} (held by ${row.holder}), not ${token.epoch}`;
  throw new NotLeaderError(`write refused: ${why}; this control plane is not the leader`, other);
}

/** Runs `write` in a transaction that starts with fence(): it commits only while `token` still leads. */
export function fencedWrite<T>(sql: SQL, token: FencingToken, write: (tx: SQL) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    await fence(tx, token);
    return write(tx);
  }) as Promise<T>;
}
