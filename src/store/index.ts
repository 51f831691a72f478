export { ResultCache, type ResultCacheOptions, type EvictReason, type IterationOrder } from "./result-cache.ts";
export { MemoryTaskStore, type JournalBackend, type TaskStore, type StoredTask, type StoredTaskPatch, type Recovered, type Refusals } from "./task-store.ts";
export { JournalStore, JOURNAL_FORMAT_VERSION, type JournalStoreOptions } from "./journal.ts";
export { inspectJournal, checkJournal, salvageJournal, type JournalSummary, type JournalCheck, type SalvageReport } from "./journal-inspect.ts";
export { JOURNAL_SYNC_MODES, parseJournalSync, type JournalSync } from "./journal-schema.ts";
export { JournalStats, COMMIT_BUCKETS, JOURNAL_OPERATIONS, type JournalHealth } from "./journal-health.ts";
export { MAX_JOURNAL_DEPTH } from "./journal-rows.ts";
export { PostgresTaskStore, openError as journalOpenError, parseJournalUrl, POSTGRES_SCHEMA_VERSION, type PostgresStoreOptions } from "./postgres/index.ts";
