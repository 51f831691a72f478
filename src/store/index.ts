export { ResultCache, type ResultCacheOptions, type EvictReason, type IterationOrder } from "./result-cache.ts";
export { MemoryTaskStore, type TaskStore, type StoredTask, type StoredTaskPatch, type Recovered } from "./task-store.ts";
export { JournalStore, JOURNAL_FORMAT_VERSION, inspectJournal, type JournalSummary } from "./journal.ts";
