// The vocabulary every layer shares: plain types, constants and defaults, no behaviour and no I/O.
export { PRIORITIES, isPriority, priorityRank, type Priority } from "./priority.ts";
export { TASK_STATES, TERMINAL_STATES, isTerminal, type TaskState, type TerminalState, type StateHistoryEntry } from "./task-state.ts";
export type { BackoffPolicy } from "./backoff-policy.ts";
export * from "./defaults.ts";
