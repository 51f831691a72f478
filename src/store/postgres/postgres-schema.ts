/**
 * The PostgreSQL journal's tables, created and migrated by FastWorker itself. Everything lives in
 * the `fastworker` schema of the database the URL names; `fastworker.schema_version` holds one row
 * per migration applied. Migrations run in order, each in its own transaction, under an advisory
 * lock so two control planes starting together never apply one twice. A database migrated by a
 * newer FastWorker (a version above the last one here) is refused with E_JOURNAL_VERSION.
 */
import type { SQL } from "bun";
import { FastWorkerError } from "../../errors.ts";
import { TERMINAL_STATES_SQL } from "../journal-schema.ts";

export const SCHEMA = "fastworker";
/** Any 64-bit key: the lock only serialises FastWorker's own migrations with each other. */
const MIGRATION_LOCK = 0x66_77_6a_6f_75_72_6e;

interface Migration {
  version: number;
  what: string;
  statements: readonly string[];
}

/** Append only: a released migration is never edited, a change is a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    what: "tasks, quarantine and meta",
    statements: [
      // Times are epoch milliseconds as double precision, like the JavaScript numbers they come from.
      `CREATE TABLE ${SCHEMA}.tasks (
        seq BIGSERIAL NOT NULL UNIQUE, id TEXT PRIMARY KEY, name TEXT NOT NULL, priority TEXT NOT NULL, state TEXT NOT NULL,
        attempts INTEGER NOT NULL, due_at DOUBLE PRECISION, submitted_at DOUBLE PRECISION NOT NULL, finished_at DOUBLE PRECISION,
        spec TEXT NOT NULL, record TEXT)`,
      `CREATE INDEX tasks_finished ON ${SCHEMA}.tasks (finished_at) WHERE finished_at IS NOT NULL`,
      // Recovery reads the live tasks in submission order without scanning the finished ones.
      `CREATE INDEX tasks_live ON ${SCHEMA}.tasks (seq) WHERE state NOT IN ${TERMINAL_STATES_SQL}`,
      // Rows recovery could not decode, kept whole for an operator to look at (never deleted).
      `CREATE TABLE ${SCHEMA}.quarantine (id TEXT, reason TEXT NOT NULL, quarantined_at DOUBLE PRECISION NOT NULL, row TEXT NOT NULL)`,
      `CREATE TABLE ${SCHEMA}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    ],
  },
];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** Creates the schema or brings it up to date; returns the versions applied now (empty when current). */
export async function migrate(sql: SQL, redactedUrl: string): Promise<number[]> {
  // Looked up first: CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database, which a user
  // granted only the existing schema need not have.
  const [found] = await sql.unsafe("SELECT to_regclass($1) IS NOT NULL AS present", [`${SCHEMA}.schema_version`]) as Array<{ present: boolean }>;
  if (found?.present !== true) {
    await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await sql.unsafe(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), what TEXT NOT NULL)`);
  }
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    const done = await sql.begin(async (tx) => {
      await tx.unsafe(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      const [row] = await tx.unsafe(`SELECT coalesce(max(version), 0)::int AS version FROM ${SCHEMA}.schema_version`) as Array<{ version: number }>;
      const current = row?.version ?? 0;
      if (current > POSTGRES_SCHEMA_VERSION) {
        throw new FastWorkerError("E_JOURNAL_VERSION", `the journal in ${redactedUrl} has schema version ${current}, newer than this FastWorker understands (${POSTGRES_SCHEMA_VERSION}). Upgrade FastWorker, or point --journal-url at another database.`);
      }
      if (current >= migration.version) return false;
      for (const statement of migration.statements) await tx.unsafe(statement);
      await tx`INSERT INTO fastworker.schema_version (version, what) VALUES (${migration.version}, ${migration.what})`;
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
