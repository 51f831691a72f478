/**
 * Environment variables of the Python original, read under their new names so users' env
 * files keep working. A notice names the replacement; the new name wins when both are set.
 */
export const ENV_ALIASES: ReadonlyArray<{ old: string; current: string }> = [
  { old: "FASTWORKER_WORKER_CONCURRENCY", current: "FASTWORKER_CONCURRENCY" },
  { old: "FASTWORKER_GUI_API_KEY", current: "FASTWORKER_GUI_TOKEN" },
];

/**
 * Copies each old variable that is set to its new name (in `env`, so Workers and child
 * processes see it too) and returns one deprecation line per old name found.
 */
export function applyEnvAliases(env: Record<string, string | undefined>): string[] {
  const notices: string[] = [];
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
