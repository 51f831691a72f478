// Number, time and id formatting for the page; pure functions.

const numberFormat = new Intl.NumberFormat();

export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? "–" : numberFormat.format(n);
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1000) return `${(perSecond / 1000).toFixed(1)}k`;
  if (perSecond >= 100) return perSecond.toFixed(0);
  return perSecond.toFixed(1);
}

/** <1 ms, 12 ms, 1.20 s, 3m 05s, 2h 10m (task timings have millisecond resolution) */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1) return "<1 ms";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

export function formatUptime(seconds: number): string {
  return seconds < 60 ? `${seconds}s` : formatDuration(seconds * 1000);
}

/** "just now", "12s ago", "3m ago", "in 20s" */
export function formatRelative(iso: string | null, nowMs: number): string {
  if (!iso) return "–";
  const delta = Math.round((nowMs - Date.parse(iso)) / 1000);
  const abs = Math.abs(delta);
  const text = abs < 2 ? "" : abs < 60 ? `${abs}s` : abs < 3600 ? `${Math.floor(abs / 60)}m` : abs < 86_400 ? `${Math.floor(abs / 3600)}h` : `${Math.floor(abs / 86_400)}d`;
  if (!text) return "just now";
  return delta >= 0 ? `${text} ago` : `in ${text}`;
}

export function formatClock(iso: string | null): string {
  if (!iso) return "–";
  const d = new Date(iso);
  return `${d.toLocaleTimeString(undefined, { hour12: false })}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

export function formatDateTime(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString(undefined, { hour12: false }) : "–";
}

export function shortId(id: string): string {
  return id.length > 12 ? id.slice(0, 8) : id;
}

/** Pretty JSON for the detail view; never throws. */
export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? "undefined";
  } catch (error) {
    return `[cannot show: ${error instanceof Error ? error.message : String(error)}]`;
  }
}
