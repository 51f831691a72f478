export { PRIORITIES, type Priority } from "../model/priority.ts";
export {
  TASK_STATES,
  HISTORY_LIMIT,
  isTerminal,
  canTransition,
  transition,
  type TaskState,
  type StateHistoryEntry,
  type StatefulRecord,
  type TransitionOptions,
} from "./state.ts";
export { Deque } from "./deque.ts";
export { IdMap } from "./id-map.ts";
export { ReadyQueue, type ReadyItem, type NameFilter } from "./ready-queue.ts";
export { DelayedQueue } from "./delayed-queue.ts";
export { computeBackoffMs, validateBackoffPolicy, type BackoffPolicy } from "./backoff.ts";
export { LongPoll, type LongPollOptions, type PollBatch, type WaitOptions } from "./long-poll.ts";
