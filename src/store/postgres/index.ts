export { PostgresTaskStore, type PostgresStoreOptions } from "./postgres-store.ts";
export { openError, parseJournalUrl, type JournalTarget } from "./postgres-target.ts";
export { MIGRATIONS, POSTGRES_SCHEMA_VERSION } from "./postgres-schema.ts";
