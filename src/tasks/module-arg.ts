/**
 * Normalises a task-modules setting from flags, env or config: accepts one
 * comma-separated string or a list of them (a flag given several times), and
 * returns trimmed, non-empty, de-duplicated entries in their original order.
 */
export function parseTaskModulesArg(value: string | readonly string[]): string[] {
  const parts = typeof value === "string" ? [value] : value;
  const out: string[] = [];
  for (const part of parts) {
    for (const piece of part.split(",")) {
      const trimmed = piece.trim();
      if (trimmed !== "" && !out.includes(trimmed)) out.push(trimmed);
    }
  }
  return out;
}
