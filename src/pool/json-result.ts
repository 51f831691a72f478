/**
 * Converts a handler's return value to the JSON value clients will receive,
 * or explains why it cannot be one. Runs inside the Worker so the cost stays
 * off the coordinator's thread, and so a bad value fails that task with a
 * clear message instead of breaking a postMessage or a later encoder.
 */

import { MAX_JSON_DEPTH } from "../protocol/limits.ts";

export type JsonConversion = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * The deepest container index `convert` accepts (the root is 0): one less than the protocol's
 * nesting bound, so a result the control plane would refuse fails its own task here, instead of
 * making the whole report that carries it invalid.
 */
const MAX_DEPTH = MAX_JSON_DEPTH - 1;

/** Internal control flow only: always caught by toJsonValue and turned into a reason. */
class NotJson extends Error {}

function rejectObject(value: object, path: string): string | undefined {
  if (value instanceof Map) return `${path} is a Map; convert it with Object.fromEntries(map)`;
  if (value instanceof Set) return `${path} is a Set; convert it with [...set]`;
  if (value instanceof WeakMap || value instanceof WeakSet) return `${path} is a WeakMap/WeakSet`;
  if (value instanceof Promise) return `${path} is a Promise; did you forget to await it?`;
  if (value instanceof RegExp) return `${path} is a RegExp; return its source string instead`;
  if (value instanceof Error) return `${path} is an Error; throw it, or return its message`;
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer || ArrayBuffer.isView(value)) {
    return `${path} is binary data; encode it (e.g. base64) or return a plain array`;
  }
  return undefined;
}

function convert(value: unknown, path: string, ancestors: Set<object>, depth: number): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new NotJson(`${path} is ${value}, which JSON cannot represent`);
      return value;
    case "undefined":
      return null;
    case "bigint":
      throw new NotJson(`${path} is a bigint; convert it to a string or number`);
    case "function":
    case "symbol":
      throw new NotJson(`${path} is a ${typeof value}`);
  }
  if (value === null) return null;
  const object = value as object;
  if (depth > MAX_DEPTH) throw new NotJson(`${path} nests deeper than ${MAX_JSON_DEPTH} levels`);
  if (ancestors.has(object)) throw new NotJson(`${path} is a circular reference`);
  const rejected = rejectObject(object, path);
  if (rejected !== undefined) throw new NotJson(rejected);
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      return object.map((item: unknown, index) => convert(item, `${path}[${index}]`, ancestors, depth + 1));
    }
    const record = object as Record<string, unknown>;
    // Honour toJSON (Date and friends) the way JSON.stringify would.
    if (typeof record.toJSON === "function") {
      return convert((record.toJSON as () => unknown).call(object), `${path}.toJSON()`, ancestors, depth + 1);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(record)) {
      const item = record[key];
      // JSON drops undefined properties; do the same rather than fail on optional fields.
      if (item === undefined) continue;
      out[key] = convert(item, `${path}.${key}`, ancestors, depth + 1);
    }
    return out;
  } finally {
    ancestors.delete(object);
  }
}

export function toJsonValue(value: unknown): JsonConversion {
  // Fast path: most results are primitives and need no walk at all.
  if (value === null || typeof value === "string" || typeof value === "boolean") return { ok: true, value };
  if (typeof value === "number" && Number.isFinite(value)) return { ok: true, value };
  try {
    return { ok: true, value: convert(value, "result", new Set(), 0) };
  } catch (error) {
    if (error instanceof NotJson) return { ok: false, reason: error.message };
    throw error;
  }
}
