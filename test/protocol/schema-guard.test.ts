import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
  AnnounceSchema, decodeAnnounce, decodeReply, decodeRequest, decodeTaskDone, MAX_JSON_DEPTH, ReplySchema, RequestSchema, TaskDoneSchema,
} from "../../src/protocol/index.ts";
import { compileGuard, compileVariantGuards, type Guard } from "../../src/protocol/schema-guard.ts";
import { announces, replies, requests, taskDones } from "./frame-corpus.ts";

/**
 * The guard's contract (src/protocol/schema-guard.ts): true only when valibot accepts the input AND
 * outputs a value deep-equal to it, since the decoder then returns the parsed JSON as is. A guard that
 * says true to anything else lets a peer past the wire contract, so every corpus frame is mutated in
 * every place an attacker could, and each mutation the guard accepts is checked against valibot.
 */

type Json = unknown;
type Path = readonly (string | number)[];

interface Family {
  readonly name: string;
  readonly schema: v.GenericSchema;
  readonly frames: readonly Json[];
  /** Per-type guards (what the codec uses) and the whole schema compiled (the variant path). */
  readonly guards: readonly ((frame: Json) => Guard | undefined)[];
}

const byType = (map: ReadonlyMap<unknown, Guard>) => (frame: Json) =>
  typeof frame === "object" && frame !== null && "type" in frame ? map.get(frame.type) : undefined;
const whole = (schema: v.GenericSchema) => { const guard = compileGuard(schema); return () => guard; };

const families: Family[] = [
  { name: "request", schema: RequestSchema, frames: requests, guards: [byType(compileVariantGuards(RequestSchema, "type")), whole(RequestSchema)] },
  { name: "reply", schema: ReplySchema, frames: replies, guards: [byType(compileVariantGuards(ReplySchema, "type")), whole(ReplySchema)] },
  { name: "announce", schema: AnnounceSchema, frames: announces, guards: [whole(AnnounceSchema)] },
  { name: "task_done", schema: TaskDoneSchema, frames: taskDones, guards: [whole(TaskDoneSchema)] },
];

function nested(levels: number, kind: "array" | "object"): Json {
  let value: Json = 0;
  for (let i = 0; i < levels; i++) value = kind === "array" ? [value] : { k: value };
  return value;
}

/** Values put in place of every field: each type, each bound's edge, non-JSON numbers, too-deep nesting. */
const REPLACEMENTS: readonly Json[] = [
  undefined, null, true, false, 0, -0, -1, 0.5, 1, 100, 100.5, 101, 5_000, 5_001, 100_000, 100_001, 1e300, Number.NaN,
  Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, "", "x", "pending", "high", "policy", "never", "0123456789ABCDEF".repeat(4),
  "0123456789abcdef".repeat(4) + "0", "x".repeat(200), "x".repeat(201), "x".repeat(1_025), "x".repeat(2_001), "x".repeat(1_048_577),
  [], [1], ["x"], {}, { a: 1 }, { delayMs: -1 }, { delayMs: 5 },
  nested(MAX_JSON_DEPTH - 1, "array"), nested(MAX_JSON_DEPTH, "array"), nested(MAX_JSON_DEPTH + 1, "array"),
  nested(MAX_JSON_DEPTH, "object"), nested(MAX_JSON_DEPTH + 1, "object"),
];
const ARRAY_LENGTHS = [101, 1_025, 5_001, 10_001, 100_001];
/** Optional keys of the frames, added where JSON cannot put them: not enumerable (valibot still reads them with `in`). */
const HIDDEN_KEYS = ["stack", "result", "error", "kwargs", "args", "progress", "logs", "dueAt", "workerId", "data", "callback", "callbackData", "ids", "idle"];

function* paths(value: Json, path: Path = []): Generator<Path> {
  if (path.length > 0) yield path;
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* paths(value[i], [...path, i]);
  else if (typeof value === "object" && value !== null) for (const key of Object.keys(value)) yield* paths(Reflect.get(value, key), [...path, key]);
}

function at(root: Json, path: Path): Json {
  return path.reduce<Json>((node, key) => (typeof node === "object" && node !== null ? Reflect.get(node, key) : undefined), root);
}

/** A copy of `root` with the node at `path` replaced by what `change` returns. */
function withNode(root: Json, path: Path, change: (node: Json) => Json): Json {
  const copy = structuredClone(root);
  if (path.length === 0) return change(copy);
  const parent = at(copy, path.slice(0, -1));
  if (typeof parent === "object" && parent !== null) Reflect.set(parent, path.at(-1)!, change(Reflect.get(parent, path.at(-1)!)));
  return copy;
}

function objectWith(node: Json, define: (copy: object) => void): Json {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return node;
  define(node);
  return node;
}

function* mutations(frame: Json): Generator<[string, Json]> {
  for (const path of [[], ...paths(frame)]) {
    const node = at(frame, path);
    const where = path.join(".") || "frame";
    if (path.length > 0) {
      for (const [i, replacement] of REPLACEMENTS.entries()) yield [`${where} = replacement ${i}`, withNode(frame, path, () => replacement)];
      yield [`${where} wrapped in an array`, withNode(frame, path, (n) => [n])];
      yield [`${where} wrapped in an object`, withNode(frame, path, (n) => ({ k: n }))];
      yield [`${where} deleted`, withNode(frame, path.slice(0, -1), (parent) => objectWith(parent, (o) => Reflect.deleteProperty(o, path.at(-1)!)))];
    }
    // Past each list bound (logs 100, hello tasks 1 024, cancel 10 000, submit/poll/report 100 000): small items only, to stay fast.
    if (Array.isArray(node) && node.length > 0 && JSON.stringify(node[0]).length < 100) {
      for (const length of ARRAY_LENGTHS) yield [`${where} grown to ${length}`, withNode(frame, path, (n) => Array.from({ length }, () => structuredClone(Array.isArray(n) ? n[0] : n)))];
    }
    if (typeof node === "object" && node !== null && !Array.isArray(node)) {
      yield [`${where} + unknown key`, withNode(frame, path, (n) => objectWith(n, (o) => Reflect.set(o, "zz", 1)))];
      // JSON.parse makes `__proto__` an own, enumerable key (not the prototype): so does defineProperty.
      for (const value of [1, { v: 1 }, null]) {
        yield [`${where} + own __proto__`, withNode(frame, path, (n) => objectWith(n, (o) => Object.defineProperty(o, "__proto__", { value, enumerable: true, writable: true, configurable: true })))];
      }
      for (const key of ["constructor", "prototype", "toString"]) yield [`${where} + ${key}`, withNode(frame, path, (n) => objectWith(n, (o) => Reflect.set(o, key, {})))];
      for (const key of HIDDEN_KEYS) {
        yield [`${where} + hidden ${key}`, withNode(frame, path, (n) => objectWith(n, (o) => Object.defineProperty(o, key, { value: "x", enumerable: false })))];
      }
      // Pairs that keep the number of keys: a guard counting keys instead of naming them would take these.
      for (const key of Object.keys(node)) {
        const hide = (o: object) => Object.defineProperty(o, key, { value: Reflect.get(o, key), enumerable: false });
        yield [`${where}.${key} not enumerable`, withNode(frame, path, (n) => objectWith(n, hide))];
        yield [`${where}.${key} not enumerable + unknown key`, withNode(frame, path, (n) => objectWith(n, (o) => { hide(o); Reflect.set(o, "zz", 1); }))];
        yield [`${where}.${key} deleted + unknown key`, withNode(frame, path, (n) => objectWith(n, (o) => { Reflect.deleteProperty(o, key); Reflect.set(o, "zz", 1); }))];
        yield [`${where}.${key} deleted + own __proto__`, withNode(frame, path, (n) => objectWith(n, (o) => {
          Reflect.deleteProperty(o, key);
          Object.defineProperty(o, "__proto__", { value: 1, enumerable: true, writable: true, configurable: true });
        }))];
      }
      yield [`${where} with a null prototype`, withNode(frame, path, (n) => Object.assign(Object.create(null), n))];
      yield [`${where} inheriting its keys`, withNode(frame, path, (n) => Object.create(typeof n === "object" ? n : null))];
      yield [`${where} as a class instance`, withNode(frame, path, (n) => Object.assign(new (class Frame {})(), n))];
      yield [`${where} as an array`, withNode(frame, path, (n) => Object.assign([], n))];
    }
  }
}

/** Checks the contract for one input; returns the guard's answer, or a description of the breach. */
function verdict(guard: Guard, schema: v.GenericSchema, input: Json): boolean | string {
  if (!guard(input)) return false;
  const result = v.safeParse(schema, input);
  if (!result.success) return `guard accepted what valibot rejects: ${result.issues[0]?.message}`;
  if (!Bun.deepEquals(result.output, input, true)) return "guard accepted, but valibot's output differs from the input";
  return true;
}

describe.each(families)("$name frames: the guard is sound", ({ schema, frames, guards }) => {
  test("every valid frame takes the fast path (the guard says true, and valibot agrees)", () => {
    for (const frame of frames) {
      const parsed = JSON.parse(JSON.stringify(frame));
      for (const pick of guards) expect({ frame, verdict: verdict(pick(parsed) ?? (() => false), schema, parsed) }).toEqual({ frame, verdict: true });
    }
  });

  test("no mutation the guard accepts is rejected or changed by valibot", () => {
    const breaches: string[] = [];
    let accepted = 0;
    let rejected = 0;
    for (const frame of frames) {
      for (const [label, mutated] of mutations(frame)) {
        // As crafted (NaN, undefined, hidden keys) and as a peer could send it (through JSON).
        const text = JSON.stringify(mutated);
        const inputs = text === undefined ? [mutated] : [mutated, JSON.parse(text)];
        for (const input of inputs) {
          for (const pick of guards) {
            const answer = verdict(pick(input) ?? (() => false), schema, input);
            if (typeof answer === "string") breaches.push(`${(frame as { type: string }).type}: ${label}: ${answer}`);
            else if (answer) accepted++;
            else rejected++;
          }
        }
      }
    }
    expect(breaches).toEqual([]);
    // Both answers occur: the mutations are not all harmless, nor all refused.
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});

/** The same frame with its keys in reverse order, all the way down. */
function reversed(value: Json): Json {
  if (Array.isArray(value)) return value.map(reversed);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, item]) => [key, reversed(item)]));
}

test("the decoders return valid frames as parsed (valibot's copy would put the keys in schema order)", () => {
  const cases: [readonly Json[], (bytes: Uint8Array) => unknown][] = [
    [requests, (b) => decodeRequest(b)], [replies, (b) => decodeReply(b)], [announces, decodeAnnounce], [taskDones, (b) => decodeTaskDone(b)],
  ];
  for (const [frames, decode] of cases) {
    for (const frame of frames) {
      const text = JSON.stringify(reversed(frame));
      expect(JSON.stringify(decode(new TextEncoder().encode(text)))).toBe(text);
    }
  }
});

describe("schemas the guard must leave to valibot", () => {
  const cases: [string, v.GenericSchema, Json][] = [
    ["an unknown key an earlier union option strips", v.union([v.object({ a: v.string() }), v.record(v.string(), v.unknown())]), { a: "x", b: 1 }],
    ["an absent key with a default", v.object({ a: v.optional(v.string(), "d") }), {}],
    ["an undefined value with a default", v.object({ a: v.optional(v.string(), "d") }), { a: undefined }],
    ["a transform", v.pipe(v.string(), v.transform((s) => s.toUpperCase())), "x"],
    ["a fallback option before the matching one", v.union([v.fallback(v.string(), "d"), v.number()]), 5],
    ["a global regex", v.pipe(v.string(), v.regex(/x/g)), "x"],
    ["record keys valibot drops", v.record(v.string(), v.unknown()), JSON.parse('{"__proto__": 1, "a": 2}')],
    ["record key constructor", v.record(v.string(), v.unknown()), { constructor: 1 }],
    ["a schema type not compiled", v.object({ at: v.date() }), { at: new Date(0) }],
    ["a lazy schema", v.lazy(() => v.string()), "x"],
    ["an array given to an object schema", v.object({}), []],
    ["a nested variant", v.variant("a", [v.variant("b", [v.object({ a: v.literal(1), b: v.literal(2) })])]), { a: 1, b: 2 }],
  ];
  test.each(cases)("%s: false", (_, schema, input) => {
    expect(compileGuard(schema)(input)).toBe(false);
  });

  test("a non-literal discriminator before the matching option: per-type guards stop there", () => {
    const schema = v.variant("type", [v.object({ type: v.literal("a") }), v.object({ type: v.picklist(["b", "c"]), n: v.optional(v.number()) }), v.object({ type: v.literal("c") })]);
    const guards = compileVariantGuards(schema, "type");
    expect([...guards.keys()]).toEqual(["a"]);
    expect(verdict(compileGuard(schema), schema, { type: "c" })).toBe(true); // the picklist option wins in valibot too
  });

  test("what valibot accepts unchanged, the guard accepts", () => {
    const schema = v.object({
      n: v.nullable(v.number()), s: v.exactOptional(v.string()), u: v.nullish(v.boolean()), l: v.pipe(v.array(v.number()), v.length(2)),
      p: v.union([v.literal("x"), v.pipe(v.number(), v.integer(), v.minValue(0)), v.object({ k: v.null() })]),
    });
    for (const input of [{ n: null, l: [1, 2], p: "x" }, { n: 1, s: "", u: undefined, l: [0, 0], p: 3 }, { n: 0, u: null, l: [1, 1], p: { k: null } }]) {
      expect(verdict(compileGuard(schema), schema, input)).toBe(true);
    }
    expect(verdict(compileGuard(schema), schema, { n: 1, s: undefined, l: [1, 2], p: "x" })).toBe(false); // exactOptional refuses undefined
  });
});
