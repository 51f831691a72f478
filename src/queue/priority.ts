export type Priority = "critical" | "high" | "normal" | "low";
export const PRIORITIES = ["critical", "high", "normal", "low"] as const;
