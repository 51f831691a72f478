/**
 * Environment variables of the Python original, read under their new names so users' env
 * files keep working. A notice names the replacement; the new name wins when both are set.
 */
export const ENV_ALIASES: ReadonlyArray<{ old: string; current: string }> = [
  { old: "FASTWORKER_WORKER_CONCURRENCY", current: "FASTWORKER_CONCURRENCY" },
  { old: "FASTWORKER_GUI_API_KEY", current: "FASTWORKER_GUI_TOKEN" },
];

/** Variables of the original with no counterpart here, and why: said once, never silently dropped. */
export const ENV_IGNORED: ReadonlyArray<{ name: string; why: string }> = [
  { name: "FASTWORKER_SERIALIZATION_FORMAT", why: "frames are always JSON (the original's PICKLE let any peer run code)" },
  { name: "FASTWORKER_TIMEOUT", why: "a submission is accepted once, without re-sending; wait limits are --connect-timeout / FASTWORKER_CONNECT_TIMEOUT and the task's timeoutMs" },
  { name: "FASTWORKER_RETRIES", why: "submissions are never re-sent (that ran tasks twice); task retries are the task's retries option" },
  { name: "FASTWORKER_SUBWORKER_PORT", why: "subworkers register on the control plane's --base-address" },
];

/**
 * Copies each old variable that is set to its new name (in `env`, so Workers and child
 * processes see it too) and returns one deprecation line per old name found.
 */
export function applyEnvAliases(env: Record<string, string | undefined>): string[] {
  const notices: string[] = [];
  for (const { name, why } of ENV_IGNORED) {
    if (env[name] !== undefined && env[name] !== "") notices.push(`fastworker: ${name} (from the Python original) is ignored: ${why}`);
  }
  for (const { old, current } of ENV_ALIASES) {
    const value = env[old];
    if (value === undefined || value === "") continue;
    if (env[current] === undefined || env[current] === "") {
      env[current] = value;
      notices.push(`fastworker: ${old} is deprecated; use ${current} (read as ${current} this time)`);
    } else {
      notices.push(`fastworker: ${old} is deprecated and ignored: ${current} is set too`);
    }
  }
  return notices;
}
