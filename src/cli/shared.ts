import { Client } from "../client/index.ts";
import { address, integer, resolve, text } from "../config.ts";
import { DEFAULT_DISCOVERY_ADDRESS } from "../discovery/index.ts";
import { parseTaskModulesArg } from "../tasks/index.ts";
import { ConfigError } from "../errors.ts";
import type { CliContext } from "./context.ts";
import { peerSecurityOptions } from "./security-args.ts";
import { peerSecurityArgs } from "./security-flags.ts";

export type Args = Record<string, string | boolean | string[] | undefined>;

/** citty hands kebab-case flags back under both spellings depending on version: read either. */
export function flag(args: Args, name: string): string | boolean | undefined {
  const camel = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const value = args[name] ?? args[camel];
  return Array.isArray(value) ? value.join(",") : value;
}

export const connectionArgs = {
  "control-plane-address": { type: "string", description: "Control plane NNG address (default: found by discovery, else tcp://127.0.0.1:5555) [FASTWORKER_CONTROL_PLANE_ADDRESS]" },
  "discovery-address": { type: "string", description: `Discovery address (default ${DEFAULT_DISCOVERY_ADDRESS}) [FASTWORKER_DISCOVERY_ADDRESS]` },
  "connect-timeout": { type: "string", description: "Seconds to wait for the control plane (default 5) [FASTWORKER_CONNECT_TIMEOUT]" },
  json: { type: "boolean", description: "Machine-readable JSON output" },
  ...peerSecurityArgs,
} as const;

export async function connectClient(args: Args, ctx: CliContext): Promise<Client> {
  const cpAddress = resolve({ flag: "control-plane-address", env: "FASTWORKER_CONTROL_PLANE_ADDRESS", parse: address, fallback: "" }, flag(args, "control-plane-address"), ctx.env);
  const discoveryAddress = resolve({ flag: "discovery-address", env: "FASTWORKER_DISCOVERY_ADDRESS", parse: address, fallback: DEFAULT_DISCOVERY_ADDRESS }, flag(args, "discovery-address"), ctx.env);
  const timeoutS = resolve({ flag: "connect-timeout", env: "FASTWORKER_CONNECT_TIMEOUT", parse: integer(1, 3600), fallback: 5 }, flag(args, "connect-timeout"), ctx.env);
  const client = new Client({ ...(cpAddress ? { address: cpAddress } : {}), discoveryAddress, connectTimeoutMs: timeoutS * 1000, ...peerSecurityOptions(args, ctx.env) });
  return client.start();
}

export function taskModules(args: Args, ctx: CliContext, required = true): string[] {
  const raw = resolve({ flag: "task-modules", env: "FASTWORKER_TASK_MODULES", parse: text, fallback: "" }, flag(args, "task-modules"), ctx.env);
  const modules = parseTaskModulesArg(raw);
  if (required && modules.length === 0) throw new ConfigError("--task-modules is required: give task module files or folders, comma-separated (or set FASTWORKER_TASK_MODULES)");
  return modules;
}

/** Prints `value` as JSON with --json, else with the human formatter. */
export function emit(ctx: CliContext, args: Args, value: unknown, human: () => string): void {
  ctx.out(flag(args, "json") ? JSON.stringify(value) : human());
}
