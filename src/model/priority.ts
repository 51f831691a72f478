/** How urgently a task should run. Lower rank runs first. The one definition: the wire schema, queues, pool and telemetry all use it. */
export type Priority = "critical" | "high" | "normal" | "low";

/** Every priority, highest first; the index is the rank schedulers sort by. */
export const PRIORITIES = Object.freeze(["critical", "high", "normal", "low"] as const) satisfies readonly Priority[];

const RANK: Readonly<Record<Priority, number>> = Object.freeze({ critical: 0, high: 1, normal: 2, low: 3 });

export function isPriority(value: unknown): value is Priority {
  return typeof value === "string" && Object.hasOwn(RANK, value);
}

/** 0 for "critical" up to 3 for "low"; a plain number so queues can index arrays with it. */
export function priorityRank(priority: Priority): number {
  return RANK[priority];
}
