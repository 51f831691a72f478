import * as v from "valibot";

/**
 * The leader lease's table: one row per lease name (FastWorker uses one, "control-plane"), so
 * every contender updates the same row and PostgreSQL's row lock orders them. `expires_at` is
 * always compared with the database's now(), never a contender's clock: skewed clocks cannot
 * make two holders. `epoch` grows by one per new holder and is what fencing checks.
 */
export const LEASE_TABLE_DDL = `
CREATE TABLE IF NOT EXISTS fastworker_leader (
  name        text        PRIMARY KEY,
  holder      text        NOT NULL,
  address     text        NOT NULL,
  epoch       bigint      NOT NULL CHECK (epoch > 0),
  expires_at  timestamptz NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now()
)`;

/** bigint columns arrive as strings from Bun.sql: turned into a safe integer, or refused. */
const Epoch = v.pipe(
  v.union([v.number(), v.string(), v.bigint()]),
  v.transform((raw) => Number(raw)),
  v.number(),
  v.safeInteger("epoch must be a safe integer"),
  v.minValue(1),
);
const Text = v.pipe(v.string(), v.maxLength(1_024));

/** What acquire and renew read back: the epoch and how long the database grants (ms from its now()). */
export const GrantRowSchema = v.object({
  epoch: Epoch,
  remaining_ms: v.pipe(v.union([v.number(), v.string()]), v.transform((raw) => Number(raw)), v.number(), v.finite()),
});

/** The row as a reader sees it (status, a standby naming the leader). */
export const LeaderRowSchema = v.object({
  holder: Text,
  address: Text,
  epoch: Epoch,
  expired: v.boolean(),
});

/** The row with the time its grant has left by the database's clock (negative once expired). */
export const LeaderRowWithTimeSchema = v.object({
  ...LeaderRowSchema.entries,
  remaining_ms: v.pipe(v.union([v.number(), v.string()]), v.transform((raw) => Number(raw)), v.number()),
});

export type GrantRow = v.InferOutput<typeof GrantRowSchema>;
export type LeaderRow = v.InferOutput<typeof LeaderRowSchema>;
