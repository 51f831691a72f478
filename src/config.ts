import { ConfigError } from "./errors.ts";

type Env = Record<string, string | undefined>;

/**
 * Resolves one option with the precedence flag > environment > default (the Python original
 * let the environment win). Values are parsed and checked here, so a bad value is one clear
 * ConfigError naming where it came from.
 */
export function resolve<T>(
  spec: { flag: string; env: string; parse: (raw: string) => T; fallback: T },
  flagValue: string | boolean | undefined,
  env: Env = process.env,
): T {
  if (flagValue !== undefined && flagValue !== "") return parseFrom(`--${spec.flag}`, String(flagValue), spec.parse);
  const fromEnv = env[spec.env];
  if (fromEnv !== undefined && fromEnv !== "") return parseFrom(spec.env, fromEnv, spec.parse);
  return spec.fallback;
}

function parseFrom<T>(source: string, raw: string, parse: (raw: string) => T): T {
  try {
    return parse(raw);
  } catch (error) {
    throw new ConfigError(`${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`expected an integer from ${min} to ${max}, got "${raw}"`);
    return n;
  };
}

export function seconds(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`expected a number of seconds >= 0, got "${raw}"`);
  return n;
}

export function address(raw: string): string {
  if (!/^(tcp|ipc|inproc|ws|tls\+tcp):\/\/.+/.test(raw)) throw new Error(`expected an NNG address like tcp://127.0.0.1:5555, got "${raw}"`);
  return raw;
}

/**
 * One NNG address or several, comma-separated (`tcp://a:5555,tcp://b:5555`: control planes a
 * client or subworker fails over between); spaces around the commas are allowed.
 */
export function addressList(raw: string): string {
  const parts = raw.split(",").map((part) => part.trim());
  if (parts.some((part) => part === "")) throw new Error(`expected NNG addresses separated by commas, got an empty entry in "${raw}"`);
  return parts.map(address).join(",");
}

export function boolean(raw: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`expected true or false, got "${raw}"`);
}

export function text(raw: string): string {
  return raw;
}

/** A library option's integer, checked like a flag's: ConfigError naming `owner` and `name` when out of range. */
export function integerOption(owner: string, name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${owner}: "${name}" must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}
