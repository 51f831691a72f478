import { Client } from "../client/index.ts";
import { address, addressList, integer, resolve, text } from "../config.ts";
import { DEFAULT_DISCOVERY_ADDRESS } from "../discovery/index.ts";
import { DEFAULT_ADDRESS, DEFAULT_CONNECT_TIMEOUT_MS } from "../model/defaults.ts";
import { parseTaskModulesArg, type TaskCatalog } from "../tasks/index.ts";
import { ConfigError } from "../errors.ts";
import { createLogger, parseLogLevel } from "../log.ts";
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
  "control-plane-address": { type: "string", description: `Control plane NNG address, or several comma-separated (active and standbys: requests fail over between them) (default: found by discovery, else ${DEFAULT_ADDRESS}) [FASTWORKER_CONTROL_PLANE_ADDRESS]` },
  "discovery-address": { type: "string", description: `Discovery address (default ${DEFAULT_DISCOVERY_ADDRESS}) [FASTWORKER_DISCOVERY_ADDRESS]` },
  "connect-timeout": { type: "string", description: "Seconds to wait for the control plane (default 5) [FASTWORKER_CONNECT_TIMEOUT]" },
  json: { type: "boolean", description: "Machine-readable JSON output" },
  "log-level": { type: "string", description: "debug (shows the address used and the time to connect), info, warn or error [FASTWORKER_LOG_LEVEL]" },
  ...peerSecurityArgs,
} as const;

/** --control-plane-address (FASTWORKER_CONTROL_PLANE_ADDRESS): every address given, none when discovery is to find one. */
export function controlPlaneAddresses(args: Args, ctx: CliContext): string[] {
  const list = resolve({ flag: "control-plane-address", env: "FASTWORKER_CONTROL_PLANE_ADDRESS", parse: addressList, fallback: "" }, flag(args, "control-plane-address"), ctx.env);
  return list ? list.split(",") : [];
}

/** --connect-timeout (FASTWORKER_CONNECT_TIMEOUT), in seconds. */
export function connectTimeoutS(args: Args, ctx: CliContext): number {
  return resolve({ flag: "connect-timeout", env: "FASTWORKER_CONNECT_TIMEOUT", parse: integer(1, 3600), fallback: DEFAULT_CONNECT_TIMEOUT_MS / 1000 }, flag(args, "connect-timeout"), ctx.env);
}

/** A started client on the given addresses (default: the command's own, else discovery). */
export async function connectClient(args: Args, ctx: CliContext, addresses = controlPlaneAddresses(args, ctx)): Promise<Client> {
  const discoveryAddress = resolve({ flag: "discovery-address", env: "FASTWORKER_DISCOVERY_ADDRESS", parse: address, fallback: DEFAULT_DISCOVERY_ADDRESS }, flag(args, "discovery-address"), ctx.env);
  const timeoutS = connectTimeoutS(args, ctx);
  const log = createLogger({ component: "cli", level: resolve({ flag: "log-level", env: "FASTWORKER_LOG_LEVEL", parse: parseLogLevel, fallback: "warn" }, flag(args, "log-level"), ctx.env) });
  const client = new Client({ ...(addresses.length > 0 ? { addresses } : {}), discoveryAddress, connectTimeoutMs: timeoutS * 1000, ...peerSecurityOptions(args, ctx.env) });
  const startedAt = performance.now();
  log("debug", "connecting", addresses.length > 0 ? { address: addresses.join(",") } : { discoveryAddress, connectTimeoutS: timeoutS });
  await client.start();
  log("debug", "connected", { address: client.address, ms: Math.round(performance.now() - startedAt) });
  return client;
}

export function taskModules(args: Args, ctx: CliContext, required = true): string[] {
  const raw = resolve({ flag: "task-modules", env: "FASTWORKER_TASK_MODULES", parse: text, fallback: "" }, flag(args, "task-modules"), ctx.env);
  const modules = parseTaskModulesArg(raw);
  if (required && modules.length === 0) throw new ConfigError("--task-modules is required: give task module files or folders, comma- or space-separated (or set FASTWORKER_TASK_MODULES)");
  return modules;
}

/** Prints `value` as JSON with --json, else with the human formatter. */
export function emit(ctx: CliContext, args: Args, value: unknown, human: () => string): void {
  ctx.out(flag(args, "json") ? JSON.stringify(value) : human());
}

/**
 * Warns about task modules that define no task (nor middleware): usually a missing `export`
 * or the wrong file, which would otherwise surface only as E_UNKNOWN_TASK on the first submit.
 */
export function warnEmptyModules(ctx: CliContext, catalog: Pick<TaskCatalog, "modulePaths" | "entries" | "middleware">): void {
  const used = new Set([...catalog.entries().map((e) => e.modulePath), ...catalog.middleware().map((m) => m.modulePath)]);
  for (const path of catalog.modulePaths) {
    if (!used.has(path)) ctx.err(`fastworker: warning: ${path} exports no task definitions (export each one: export const name = task(...))`);
  }
  if (catalog.entries().length === 0) ctx.err("fastworker: warning: no tasks are registered: every submit will fail with E_UNKNOWN_TASK");
}
