/**
 * What `fastworker list --list-periodic` shows: each periodic task's schedule and its next due
 * times as a control plane started `now` would compute them (no control plane needed).
 */
import type { TaskCatalog } from "../tasks/index.ts";
import { periodicSpecs } from "./control-plane-host.ts";
import { Schedule } from "./schedule.ts";

export interface PeriodicPreview {
  name: string;
  kind: "interval" | "cron";
  intervalMs?: number;
  expression?: string;
  timezone?: string;
  repeatCount?: number;
  /** ISO 8601: no run due after it. */
  repeatUntil?: string;
  startAt?: string;
  overlap: boolean;
  catchUp: "skip" | "once";
  /** ISO 8601 times. */
  nextRuns: string[];
}

export function previewSchedules(catalog: TaskCatalog, now: number, count = 3): PeriodicPreview[] {
  return periodicSpecs(catalog).map((spec) => {
    const s = spec.schedule;
    return {
      name: spec.name,
      kind: s.kind,
      ...(s.kind === "interval" ? { intervalMs: s.intervalMs } : { expression: s.expression, ...(s.timezone !== undefined ? { timezone: s.timezone } : {}) }),
      ...(s.repeatCount !== undefined ? { repeatCount: s.repeatCount } : {}),
      ...(s.repeatUntil !== undefined ? { repeatUntil: new Date(s.repeatUntil).toISOString() } : {}),
      ...(s.startAt !== undefined ? { startAt: new Date(s.startAt).toISOString() } : {}),
      overlap: s.overlap,
      catchUp: s.catchUp,
      nextRuns: new Schedule(spec, now).upcoming(now, count).map((at) => new Date(at).toISOString()),
    };
  });
}

/** One human-readable block per periodic task. */
export function formatPreview(previews: readonly PeriodicPreview[]): string {
  if (previews.length === 0) return "no periodic tasks (give a task repeatIntervalMs or cron)";
  return previews.map((p) => {
    const what = p.kind === "interval"
      ? `every ${p.intervalMs} ms${p.startAt ? ` from ${p.startAt}` : " (counted from control-plane start)"}`
      : `cron "${p.expression}"${p.timezone ? ` (${p.timezone})` : ""}`;
    const extras = [p.repeatCount !== undefined ? `${p.repeatCount} runs` : "", p.repeatUntil ? `until ${p.repeatUntil}` : "", p.overlap ? "overlap allowed" : "", `catch-up ${p.catchUp}`].filter(Boolean);
    return `${p.name}  ${what}; ${extras.join(", ")}\n  next: ${p.nextRuns.join(", ") || "none"}`;
  }).join("\n");
}
