/**
 * Binds the dashboard to a port inside the control-plane process. Refuses to listen beyond
 * loopback without a token, and turns "port in use" into a typed error that names the flag.
 */
import type { Server } from "bun";
import type { ControlPlaneCommands, ControlPlaneView } from "../control-plane/index.ts";
import { FastWorkerError } from "../errors.ts";
import { DEFAULT_GUI_HOST, DEFAULT_GUI_PORT } from "../model/defaults.ts";
import { createLogger, type Logger } from "../log.ts";
import { createDashboardApp, type DashboardAppOptions } from "./app.ts";
import { checkDashboardAccess } from "./access.ts";
import { CorsPolicy } from "./cors.ts";
import { MAX_BODY_BYTES } from "./http.ts";

export interface DashboardOptions extends Omit<DashboardAppOptions, "host" | "log"> {
  view: ControlPlaneView;
  commands: ControlPlaneCommands;
  /** Default 127.0.0.1. Anything beyond loopback needs `token`. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  log?: Logger;
  /** Serve HTTPS with this certificate and key (PEM text); the session cookie is then Secure. */
  tls?: { certPem: string; keyPem: string };
}

export interface Dashboard {
  /** Where to open it, e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  readonly port: number;
  /** Ends open event streams, closes the listener and detaches from the control plane; idempotent. */
  stop(): Promise<void>;
}

export { DEFAULT_GUI_HOST, DEFAULT_GUI_PORT, checkDashboardAccess };

/**
 * @throws ConfigError (E_CONFIG) when bound beyond loopback without a token.
 * @throws FastWorkerError E_ADDRINUSE when the port is taken.
 */
export function startDashboard(options: DashboardOptions): Dashboard {
  const host = options.host ?? DEFAULT_GUI_HOST;
  const port = options.port ?? DEFAULT_GUI_PORT;
  const log = options.log ?? createLogger({ component: "dashboard" });
  const token = options.token === "" ? undefined : options.token;
  checkDashboardAccess(host, token);
  if (token !== undefined && token.length < 16) log("warn", "FASTWORKER_GUI_TOKEN is shorter than 16 characters; use a long random secret");
  const cors = new CorsPolicy(options.corsOrigins ?? []);
  const app = createDashboardApp(options.view, options.commands, { ...options, host, log, ...(token !== undefined ? { token } : {}), secureCookie: options.tls !== undefined });
  let server: Server<undefined>;
  try {
    server = Bun.serve({
      hostname: host,
      port,
      maxRequestBodySize: MAX_BODY_BYTES,
      ...(options.tls ? { tls: { cert: options.tls.certPem, key: options.tls.keyPem } } : {}),
      // Never share the port: a second dashboard on it must fail, not split the traffic. (Bun 1.4.5 lets
      // `development: false` servers bind a taken port, so that option is left at its default.)
      reusePort: false,
      // Plain requests finish fast; event streams are exempted below (their heartbeat is 15 s).
      idleTimeout: 30,
      async fetch(request, srv) {
        if (new URL(request.url).pathname === "/api/events") srv.timeout(request, 0);
        const started = performance.now();
        // A preflight carries no credentials, so it is answered before access control.
        const preflight = cors.preflight(request);
        if (preflight) return preflight;
        const response = await app.handle(request);
        cors.decorate(request, response);
        // How long the dashboard itself worked on the request; the rest of a slow response is the control plane's loop.
        response.headers.set("server-timing", `app;dur=${(performance.now() - started).toFixed(2)}`);
        return response;
      },
    });
  } catch (error) {
    app.store.dashboard.close();
    if (isAddrInUse(error)) {
      throw new FastWorkerError("E_ADDRINUSE", `dashboard port ${port} on ${host} is already in use: choose another with --gui-port (or FASTWORKER_GUI_PORT), or turn the dashboard off with --no-gui`, { cause: error });
    }
    throw new FastWorkerError("E_CONFIG", `the dashboard could not listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const url = `${options.tls ? "https" : "http"}://${shownHost}:${server.port}/`;
  log("info", "dashboard listening", { url, auth: token !== undefined });
  let stopped: Promise<void> | undefined;
  return {
    url,
    port: server.port ?? port,
    stop() {
      stopped ??= (async () => {
        app.store.dashboard.close();
        await server.stop(true);
      })();
      return stopped;
    },
  };
}

function isAddrInUse(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EADDRINUSE" || (error instanceof Error && /EADDRINUSE|address already in use|in use/i.test(error.message));
}
