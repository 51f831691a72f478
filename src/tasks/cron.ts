/**
 * The one place croner is configured, so definition-time validation and the scheduler read
 * cron expressions identically.
 */
import { Cron, type CronOptions } from "croner";

const CRON_OPTIONS: CronOptions = {
  // Never starts a timer of its own: the scheduler only asks croner for due times.
  paused: true,
  // Standard 5 fields, or 6 with seconds first; croner's 7-field (years) form is not offered.
  mode: "5-or-6-parts",
  // Vixie cron semantics: when both day-of-month and day-of-week are restricted, a day
  // matching either runs ("0 0 13 * 5" = every 13th and every Friday). croner 11 replaced the
  // old `legacyMode: true` (OR, its default) with `domAndDow: false`, the default we spell
  // out here so a future default change cannot silently switch to AND.
  domAndDow: false,
  // Day-of-week 0 and 7 are Sunday and 1-5 is Monday-Friday (Quartz numbering is off).
  alternativeWeekdays: false,
};

/** A parsed cron expression; throws croner's TypeError naming what is wrong. */
export function parseCron(expression: string, timezone?: string): Cron {
  return new Cron(expression, timezone === undefined ? CRON_OPTIONS : { ...CRON_OPTIONS, timezone });
}

/** True when `timezone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}
