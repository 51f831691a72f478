/**
 * How deep a decoded JSON value nests, checked by an iterative walk with an explicit stack: the
 * value comes from a peer, and recursion over a 100 000-level array would overflow the stack
 * before any bound could be applied. Runs during frame validation, before anything stringifies it.
 */

/** True when `value` nests no deeper than `limit` arrays/objects (a scalar has depth 0). */
export function withinDepth(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return true;
  // Parallel stacks of (container, its depth); only containers are pushed, and the walk stops at the first one past the limit.
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const current = values.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return false;
    const children: unknown[] = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (child !== null && typeof child === "object") {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return true;
}
