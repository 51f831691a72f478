import type * as v from "valibot";

/**
 * Compiles a valibot schema, once, into a type guard that allocates nothing: `schema.type`,
 * `.entries`, `.item`, `.options`, `.wrapped`, `.pipe` ... are walked at compile time into nested
 * closures. Why: valibot's `object` and `array` build a copy of every object and array they accept
 * (and a dataset object per value), which made it the largest JS cost of decoding a `results` or
 * `submit` frame and fed the GC pauses behind our p99.
 *
 * The contract is soundness, not completeness: the guard returns true only for an input valibot
 * accepts AND whose valibot output deep-equals the input, so the decoder may return the parsed
 * JSON as it is. Anything else (an unknown key valibot would strip, a default valibot would add,
 * a transform, a schema type not understood here) is false, and the decoder asks valibot, which
 * stays the one definition of the wire contract and of its error messages.
 */
export type Guard = (value: unknown) => boolean;

/** `exact`: a false from `test` means valibot rejects the input too (unions and variants rely on it to skip an option). */
interface Compiled {
  readonly test: Guard;
  readonly exact: boolean;
}

type SchemaNode = Readonly<Record<string, unknown>>;
type PlainObject = Record<string, unknown>;

const NEVER: Compiled = { test: () => false, exact: false };
const ALWAYS: Compiled = { test: () => true, exact: true };
/** Keys valibot's `record` drops from its output (its `_isValidObjectKey`): an input holding one is not its output. */
const RECORD_DROPPED_KEYS = new Set(["__proto__", "prototype", "constructor"]);
const OPTIONAL_TYPES = new Set(["optional", "exact_optional", "nullish"]);

export function compileGuard(schema: v.GenericSchema): Guard {
  return compile(asNode(schema)).test;
}

/**
 * One guard per discriminator value of a `variant` whose options each name their `key` with a
 * literal (the frames' `type`): the decoder checks only the option the frame says it is. The first
 * option of a value wins, as in valibot; a value missing from the map means "ask valibot".
 */
export function compileVariantGuards(schema: v.GenericSchema, key: string): ReadonlyMap<unknown, Guard> {
  const guards = new Map<unknown, Guard>();
  const node = asNode(schema);
  if (node.type !== "variant" || node.key !== key || !Array.isArray(node.options)) return guards;
  for (const option of node.options) {
    const optionNode = asNode(option);
    const discriminator = asNode(asNode(optionNode.entries)[key]);
    // Another kind of discriminator may match the values of the options after it: from there on, valibot decides.
    if (discriminator.type !== "literal" || Array.isArray(discriminator.pipe) || "fallback" in discriminator) break;
    if (guards.has(discriminator.literal)) continue;
    guards.set(discriminator.literal, compile(optionNode).test);
  }
  return guards;
}

function asNode(value: unknown): SchemaNode {
  return typeof value === "object" && value !== null ? (value as SchemaNode) : {};
}

function isPlainObject(value: unknown): value is PlainObject {
  // JSON.parse makes only plain objects; anything else (a class instance, a null prototype) is left to valibot.
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

function compile(node: SchemaNode): Compiled {
  if (node.kind !== "schema" || node.async !== false) return NEVER;
  const compiled = Array.isArray(node.pipe) ? compilePipe(node.pipe) : compileSchema(node);
  // A fallback turns valibot's "rejected" into its fallback value: a false here no longer proves rejection.
  return "fallback" in node ? { test: compiled.test, exact: false } : compiled;
}

function compileSchema(node: SchemaNode): Compiled {
  switch (node.type) {
    case "string": return { test: (x) => typeof x === "string", exact: true };
    case "number": return { test: (x) => typeof x === "number" && !Number.isNaN(x), exact: true };
    case "boolean": return { test: (x) => typeof x === "boolean", exact: true };
    case "null": return { test: (x) => x === null, exact: true };
    case "undefined": return { test: (x) => x === undefined, exact: true };
    case "unknown":
    case "any": return ALWAYS;
    case "literal": return compileLiteral(node.literal);
    case "picklist": return compilePicklist(node.options);
    case "optional":
    case "exact_optional":
    case "nullable":
    case "nullish": return compileWrapper(node);
    case "array": return compileArray(asNode(node.item));
    case "object":
    case "strict_object":
    case "loose_object": return compileObject(asNode(node.entries));
    case "record": return compileRecord(asNode(node.key), asNode(node.value));
    case "union": return compileUnion(node.options);
    case "variant": return compileVariant(node);
    default: return NEVER;
  }
}

/** valibot compares literals and picklist options by SameValueZero. */
function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

function compileLiteral(literal: unknown): Compiled {
  return { test: (x) => sameValueZero(x, literal), exact: true };
}

function compilePicklist(options: unknown): Compiled {
  if (!Array.isArray(options)) return NEVER;
  const list: readonly unknown[] = [...options];
  // A loop of === beats Array#includes on these few options; includes stays for a NaN option (SameValueZero).
  if (list.some((option) => option !== option)) return { test: (x) => list.includes(x), exact: true };
  const test = (x: unknown): boolean => {
    for (let i = 0; i < list.length; i++) if (list[i] === x) return true;
    return false;
  };
  return { test, exact: true };
}

function compileWrapper(node: SchemaNode): Compiled {
  // A default replaces an absent value in valibot's output: not the input any more.
  if (node.default !== undefined) return NEVER;
  const wrapped = compile(asNode(node.wrapped));
  const inner = wrapped.test;
  switch (node.type) {
    case "optional": return { test: (x) => x === undefined || inner(x), exact: wrapped.exact };
    case "nullable": return { test: (x) => x === null || inner(x), exact: wrapped.exact };
    case "nullish": return { test: (x) => x === null || x === undefined || inner(x), exact: wrapped.exact };
    default: return wrapped; // exact_optional: the key may be absent (compileObject), a present value is the wrapped schema's
  }
}

function compileArray(item: SchemaNode): Compiled {
  const compiled = compile(item);
  const test = compiled.test;
  return {
    test: (x) => {
      if (!Array.isArray(x)) return false;
      for (let i = 0; i < x.length; i++) if (!test(x[i])) return false;
      return true;
    },
    exact: compiled.exact,
  };
}

function compileObject(entries: SchemaNode): Compiled {
  // No prototype: a key like `__proto__` or `constructor` finds nothing (and a plain lookup is faster than a Map here).
  const byKey: Record<string, { readonly test: Guard; readonly required: boolean } | undefined> = Object.create(null);
  const optionalKeys: string[] = [];
  let requiredCount = 0;
  for (const [key, schema] of Object.entries(entries)) {
    const node = asNode(schema);
    const required = !(OPTIONAL_TYPES.has(String(node.type)) && node.default === undefined);
    byKey[key] = { test: compile(node).test, required };
    if (required) requiredCount++;
    else optionalKeys.push(key);
  }
  const test = (x: unknown): boolean => {
    if (!isPlainObject(x)) return false;
    let requiredSeen = 0;
    let optionalSeen = 0;
    // A key not in the schema (valibot strips it, `__proto__` included) makes the output differ: false.
    for (const key in x) {
      const entry = byKey[key];
      if (entry === undefined || !entry.test(x[key])) return false;
      if (entry.required) requiredSeen++;
      else optionalSeen++;
    }
    if (requiredSeen !== requiredCount) return false;
    // valibot reads keys with `in`: an optional key for-in did not list (inherited, not enumerable) would reach its output.
    let optionalIn = 0;
    for (let i = 0; i < optionalKeys.length; i++) if (optionalKeys[i]! in x) optionalIn++;
    return optionalIn === optionalSeen;
  };
  return { test, exact: false };
}

function compileRecord(key: SchemaNode, value: SchemaNode): Compiled {
  const keyTest = compile(key).test;
  const valueTest = compile(value).test;
  const test = (x: unknown): boolean => {
    if (!isPlainObject(x)) return false;
    for (const entryKey in x) {
      if (!Object.hasOwn(x, entryKey) || RECORD_DROPPED_KEYS.has(entryKey)) return false;
      if (!keyTest(entryKey) || !valueTest(x[entryKey])) return false;
    }
    return true;
  };
  return { test, exact: false };
}

function compileUnion(options: unknown): Compiled {
  if (!Array.isArray(options) || options.length === 0) return NEVER;
  const compiled = options.map((option) => compile(asNode(option)));
  const tests = compiled.map((c) => c.test);
  const exacts = compiled.map((c) => c.exact);
  const test = (x: unknown): boolean => {
    // valibot's output is the first option that accepts: option i may answer only when every earlier one surely rejects.
    for (let i = 0; i < tests.length; i++) {
      if (tests[i]!(x)) return true;
      if (!exacts[i]) return false;
    }
    return false;
  };
  return { test, exact: exacts.every(Boolean) };
}

function compileVariant(node: SchemaNode): Compiled {
  const key = node.key;
  if (typeof key !== "string" || !Array.isArray(node.options) || node.options.length === 0) return NEVER;
  const discriminators: Compiled[] = [];
  const tests: Guard[] = [];
  for (const option of node.options) {
    const optionNode = asNode(option);
    // A nested variant discriminates on several keys: valibot decides those.
    if (optionNode.type === "variant") return NEVER;
    discriminators.push(compile(asNode(asNode(optionNode.entries)[key])));
    tests.push(compile(optionNode).test);
  }
  const test = (x: unknown): boolean => {
    if (!isPlainObject(x)) return false;
    const discriminator = x[key];
    // valibot runs the options whose discriminator matches, in order, and keeps the first that accepts.
    for (let i = 0; i < tests.length; i++) {
      const matches = discriminators[i]!;
      if (matches.test(discriminator)) return tests[i]!(x);
      if (!matches.exact) return false;
    }
    return false;
  };
  return { test, exact: false };
}

function compilePipe(pipe: readonly unknown[]): Compiled {
  const base = asNode(pipe[0]);
  const tests: Guard[] = [];
  let exact = true;
  for (const item of pipe) {
    const node = asNode(item);
    if (node.kind === "metadata") continue;
    // Transformations change the output, and anything else is unknown here: valibot decides.
    const compiled = node.kind === "schema" ? compile(node) : node.kind === "validation" ? compileValidation(node, base.type) : NEVER;
    tests.push(compiled.test);
    exact &&= compiled.exact;
  }
  return { test: all(tests), exact };
}

/** The checks of a pipe in order; the first two or three unrolled, as most pipes are a schema and one or two bounds. */
function all(tests: readonly Guard[]): Guard {
  const [a, b, c] = tests;
  if (tests.length === 1) return a!;
  if (tests.length === 2) return (x) => a!(x) && b!(x);
  if (tests.length === 3) return (x) => a!(x) && b!(x) && c!(x);
  return (x) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(x)) return false;
    return true;
  };
}

function isCallable(value: unknown): value is (input: unknown) => unknown {
  return typeof value === "function";
}

function lengthOf(x: unknown): number {
  return typeof x === "string" || Array.isArray(x) ? x.length : Number.NaN;
}

/**
 * A pipe's validation as a plain comparison on `action.requirement`, valibot's own test for it.
 * `baseType` is the type the pipe starts from: the comparisons below accept only strings/arrays
 * (lengths) or numbers (values), so they are exact only when that is all the pipe can hold.
 */
function compileValidation(action: SchemaNode, baseType: unknown): Compiled {
  if (action.async !== false) return NEVER;
  const requirement = action.requirement;
  const sized = baseType === "string" || baseType === "array";
  switch (action.type) {
    case "min_length": return typeof requirement === "number" ? { test: (x) => lengthOf(x) >= requirement, exact: sized } : NEVER;
    case "max_length": return typeof requirement === "number" ? { test: (x) => lengthOf(x) <= requirement, exact: sized } : NEVER;
    case "length": return typeof requirement === "number" ? { test: (x) => lengthOf(x) === requirement, exact: sized } : NEVER;
    case "min_value": return typeof requirement === "number" ? { test: (x) => typeof x === "number" && x >= requirement, exact: baseType === "number" } : NEVER;
    case "max_value": return typeof requirement === "number" ? { test: (x) => typeof x === "number" && x <= requirement, exact: baseType === "number" } : NEVER;
    case "integer": return { test: Number.isInteger, exact: true };
    case "finite": return { test: Number.isFinite, exact: true };
    case "regex": {
      // A global or sticky regex keeps state between tests (lastIndex): its answer here could differ from valibot's.
      if (!(requirement instanceof RegExp) || requirement.global || requirement.sticky) return NEVER;
      return { test: (x) => typeof x === "string" && requirement.test(x), exact: baseType === "string" };
    }
    case "check": {
      if (!isCallable(requirement)) return NEVER;
      // A custom check is valibot's own function on an equal value; not marked exact, as nothing says it is deterministic.
      return { test: (x) => Boolean(requirement(x)), exact: false };
    }
    default: return NEVER;
  }
}
