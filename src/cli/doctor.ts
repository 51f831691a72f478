import { defineCommand } from "citty";
import { createServer } from "node:net";
import { address, integer, resolve, text } from "../config.ts";
import { checkShimCompiles, nng } from "../nng/index.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { emit, flag, type Args } from "./shared.ts";
import { securityChecks } from "./doctor-security.ts";

interface Check {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** True when nothing listens on host:port (we could bind it ourselves). */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function tcpPort(address: string | undefined, fallback: number): { host: string; port: number } {
  const match = /^tcp:\/\/([^:]+):(\d+)$/.exec(address ?? "");
  return match ? { host: match[1]!, port: Number(match[2]) } : { host: "127.0.0.1", port: fallback };
}

export function doctorCommand(ctx: CliContext) {
  return defineCommand({
    meta: { name: "doctor", description: "Check Bun, libnng, the NNG shim, the ports a control plane would use, auth and TLS, and print fixes" },
    args: {
      "base-address": { type: "string", description: "The control plane address to check (default tcp://127.0.0.1:5555) [FASTWORKER_BASE_ADDRESS]" },
      "discovery-address": { type: "string", description: "The discovery address to check (default tcp://127.0.0.1:5550) [FASTWORKER_DISCOVERY_ADDRESS]" },
      "gui-host": { type: "string", description: "The dashboard host to check (default 127.0.0.1) [FASTWORKER_GUI_HOST]" },
      "gui-port": { type: "string", description: "The dashboard port to check (default 8080) [FASTWORKER_GUI_PORT]" },
      json: { type: "boolean", description: "JSON output" },
    },
    async run({ args }) {
      const a = args as Args;
      const env = ctx.env;
      const checks: Check[] = [{ check: "bun", ok: true, detail: Bun.version }];
      let libnngOk = false;
      try {
        const lib = nng();
        libnngOk = true;
        checks.push({ check: "libnng", ok: true, detail: `${lib.version} at ${lib.path}` });
      } catch (error) {
        checks.push({ check: "libnng", ok: false, detail: messageOf(error), fix: "install libnng 1.x (see the message) or set FASTWORKER_LIBNNG" });
      }
      if (libnngOk) checks.push(shimCheck());
      const base = resolve({ flag: "base-address", env: "FASTWORKER_BASE_ADDRESS", parse: address, fallback: "tcp://127.0.0.1:5555" }, flag(a, "base-address"), env);
      const discovery = resolve({ flag: "discovery-address", env: "FASTWORKER_DISCOVERY_ADDRESS", parse: address, fallback: "tcp://127.0.0.1:5550" }, flag(a, "discovery-address"), env);
      const ports = [
        { name: "control plane", ...tcpPort(base, 5555), flag: "--base-address" },
        { name: "discovery", ...tcpPort(discovery, 5550), flag: "--discovery-address" },
        {
          name: "dashboard", flag: "--gui-port",
          host: resolve({ flag: "gui-host", env: "FASTWORKER_GUI_HOST", parse: text, fallback: "127.0.0.1" }, flag(a, "gui-host"), env),
          port: resolve({ flag: "gui-port", env: "FASTWORKER_GUI_PORT", parse: integer(0, 65_535), fallback: 8080 }, flag(a, "gui-port"), env),
        },
      ];
      for (const p of ports) {
        const free = await portFree(p.host, p.port);
        checks.push({
          check: `${p.name} port`, ok: free, detail: `${p.host}:${p.port} ${free ? "is free" : "is in use"}`,
          ...(free ? {} : { fix: `stop what listens there (a running control plane?) or choose another with ${p.flag}` }),
        });
      }
      checks.push(...securityChecks(ctx.env));
      emit(ctx, a, { checks }, () => checks.map((c) => `${c.ok ? "ok  " : "FAIL"} ${c.check}: ${c.detail}${c.fix ? `\n     fix: ${c.fix}` : ""}`).join("\n"));
      if (checks.some((c) => !c.ok)) ctx.exitCode = EXIT.usage;
    },
  });
}

/** The C shim (compiled by Bun's TinyCC at first use) is the fast I/O core; without it FastWorker falls back to pure JS. */
function shimCheck(): Check {
  if (process.env.FASTWORKER_NNG_ENGINE === "js") return { check: "nng shim", ok: true, detail: "not used: FASTWORKER_NNG_ENGINE=js selects the pure-JS I/O core" };
  try {
    checkShimCompiles();
    return { check: "nng shim", ok: true, detail: "compiles (fast I/O core in use)" };
  } catch (error) {
    return {
      check: "nng shim", ok: false, detail: `does not compile: ${messageOf(error)}`,
      fix: "FastWorker still runs on the slower pure-JS I/O core; to silence this set FASTWORKER_NNG_ENGINE=js, or use a Bun build with bun:ffi cc (TinyCC)",
    };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
