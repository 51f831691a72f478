export { systemClock, type Clock, type ClockTimer } from "../model/clock.ts";
export { parseCron, isKnownTimeZone } from "../tasks/cron.ts";
export { Scheduler, DEFAULT_LATE_TOLERANCE_MS, DEFAULT_MAX_SLEEP_MS, type SchedulerHost, type SchedulerOptions } from "./scheduler.ts";
export { createControlPlaneScheduler, periodicSpecs, type SchedulingControlPlane } from "./control-plane-host.ts";
export { Schedule, MISSED_COUNT_CAP, type Decision } from "./schedule.ts";
export { timelineFor, IntervalTimeline, CronTimeline, type Timeline } from "./timeline.ts";
export type { PeriodicSpec, ScheduleFired, ScheduleInfo, ScheduleSkipped, SkipReason } from "./types.ts";
export { previewSchedules, formatPreview, type PeriodicPreview } from "./preview.ts";
