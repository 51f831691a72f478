// Colours that mean the same thing on every panel.
import type { Priority } from "./types.ts";

export const PRIORITY_DOT: Record<Priority, string> = {
  critical: "bg-rose-500",
  high: "bg-amber-500",
  normal: "bg-sky-500",
  low: "bg-slate-400",
};

export const PRIORITY_BAR: Record<Priority, string> = {
  critical: "bg-rose-500/80",
  high: "bg-amber-500/80",
  normal: "bg-sky-500/80",
  low: "bg-slate-400/80",
};
