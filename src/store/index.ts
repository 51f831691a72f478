export { ResultCache, type ResultCacheOptions, type EvictReason, type IterationOrder } from "./result-cache.ts";
export {
  MemoryTaskStore,
  type TaskStore,
  type StoredTask,
  type StoredTaskPatch,
  type TaskOutcome,
} from "./task-store.ts";
