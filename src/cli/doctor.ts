import { defineCommand } from "citty";
import { createServer } from "node:net";
import { nng } from "../nng/index.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { emit, type Args } from "./shared.ts";
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
    meta: { name: "doctor", description: "Check Bun, libnng, the default ports, auth and TLS, and print fixes" },
    args: { json: { type: "boolean", description: "JSON output" } },
    async run({ args }) {
      const checks: Check[] = [{ check: "bun", ok: true, detail: Bun.version }];
      try {
        const lib = nng();
        checks.push({ check: "libnng", ok: true, detail: `${lib.version} at ${lib.path}` });
      } catch (error) {
        checks.push({ check: "libnng", ok: false, detail: error instanceof Error ? error.message : String(error), fix: "install libnng 1.x (see the message) or set FASTWORKER_LIBNNG" });
      }
      const ports = [
        { name: "control plane", ...tcpPort(ctx.env.FASTWORKER_BASE_ADDRESS, 5555), flag: "--base-address" },
        { name: "discovery", ...tcpPort(ctx.env.FASTWORKER_DISCOVERY_ADDRESS, 5550), flag: "--discovery-address" },
        { name: "dashboard", host: ctx.env.FASTWORKER_GUI_HOST ?? "127.0.0.1", port: Number(ctx.env.FASTWORKER_GUI_PORT ?? 8080), flag: "--gui-port" },
      ];
      for (const p of ports) {
        const free = await portFree(p.host, p.port);
        checks.push({
          check: `${p.name} port`, ok: free, detail: `${p.host}:${p.port} ${free ? "is free" : "is in use"}`,
          ...(free ? {} : { fix: `stop what listens there (a running control plane?) or choose another with ${p.flag}` }),
        });
      }
      checks.push(...securityChecks(ctx.env));
      emit(ctx, args as Args, { checks }, () => checks.map((c) => `${c.ok ? "ok  " : "FAIL"} ${c.check}: ${c.detail}${c.fix ? `\n     fix: ${c.fix}` : ""}`).join("\n"));
      if (checks.some((c) => !c.ok)) ctx.exitCode = EXIT.usage;
    },
  });
}
