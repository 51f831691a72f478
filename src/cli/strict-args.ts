import type { ArgsDef } from "citty";
import { closest } from "./suggest.ts";

/** A mistake in how the command line is written: always exit 2, with the message as the one line printed. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * Flags that take every value up to the next flag (`--args 5 3`, `--task-modules a.ts b.ts`, as
 * the Python original allowed); citty's parser keeps only the first, so they are collected here.
 */
const MULTI_VALUE = new Set(["args", "task-modules"]);

export interface CheckedArgv {
  /** What citty parses: multi-value flags folded into one (task modules joined with commas), --args removed. */
  argv: string[];
  /** The values after --args (also --args=x), in order. */
  taskArgs: string[];
}

interface FlagInfo {
  name: string;
  type: "boolean" | "string";
}

/**
 * Checks a command's argv against the flags it declares (the usual citty `args` object, so
 * flags other modules add to a command are understood without changes here): unknown flags,
 * string flags without a value and stray words are usage errors, with a "did you mean" hint.
 */
export function checkArgv(argv: readonly string[], declared: ArgsDef): CheckedArgv {
  const flags = flagTable(declared);
  const out: string[] = [];
  const taskArgs: string[] = [];
  const multi = new Map<string, string[]>();
  /** The flag whose value the previous token was, for the hint on a stray word. */
  let valueOf: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith("-") || token === "-") throw new UsageError(strayWord(token, valueOf));
    valueOf = undefined;
    if (token === "--") throw new UsageError(`unexpected "--": values go after a flag (task arguments after --args)`);
    if (!token.startsWith("--")) throw new UsageError(`unknown option ${token}${hint(token.slice(1), flags)}`);
    const eq = token.indexOf("=");
    const rawName = token.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    const info = lookup(rawName, flags);
    if (!info) throw new UsageError(`unknown option --${rawName}${hint(rawName, flags)}`);
    if (info.type === "boolean") {
      if (inline !== undefined && !/^(true|false)$/.test(inline)) throw new UsageError(`--${rawName} is a switch: give it alone (or =true / =false), not "${inline}"`);
      out.push(token);
      continue;
    }
    if (MULTI_VALUE.has(info.name)) {
      const values = multi.get(info.name) ?? [];
      if (inline !== undefined) values.push(inline);
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) values.push(argv[++i]!);
      if (values.length === 0) throw new UsageError(`--${info.name} needs at least one value`);
      multi.set(info.name, values);
      continue;
    }
    if (inline !== undefined) {
      out.push(`--${info.name}=${inline}`);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`--${info.name} needs a value`);
    out.push(`--${info.name}`, value);
    valueOf = info.name;
    i++;
  }
  for (const [name, values] of multi) {
    if (name === "args") taskArgs.push(...values);
    else out.push(`--${name}`, values.join(","));
  }
  return { argv: out, taskArgs };
}

function strayWord(word: string, valueOf: string | undefined): string {
  const after = valueOf ? ` (--${valueOf} takes one value)` : "";
  return `unexpected argument "${word}"${after}: quote a value that contains spaces; only --args and --task-modules take several`;
}

/** Every spelling citty accepts for a declared flag: kebab-case, camelCase, aliases, and --no-<switch>. */
function flagTable(declared: ArgsDef): Map<string, FlagInfo> {
  const table = new Map<string, FlagInfo>();
  for (const [name, def] of Object.entries(declared)) {
    if (def.type === "positional") continue;
    const info: FlagInfo = { name, type: def.type === "boolean" ? "boolean" : "string" };
    const alias = "alias" in def ? def.alias : undefined;
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    for (const spelling of [name, camel(name), ...aliases]) table.set(spelling, info);
    if (info.type === "boolean") table.set(`no-${name}`, info);
  }
  return table;
}

function lookup(name: string, flags: Map<string, FlagInfo>): FlagInfo | undefined {
  return flags.get(name) ?? flags.get(camel(name));
}

function hint(name: string, flags: Map<string, FlagInfo>): string {
  const visible = [...new Set([...flags.values()].map((f) => f.name))];
  const guess = closest(name, visible);
  return guess ? ` (did you mean --${guess}?)` : "";
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
