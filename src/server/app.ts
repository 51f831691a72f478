/**
 * The dashboard as an Elysia app: access control first, then the JSON API, the event stream,
 * the login form and the GUI's files. It binds no port (startDashboard does), so tests drive it
 * with `app.handle(request)`. Elysia stays a thin shell: handlers call our own functions.
 */
import { Elysia } from "elysia";
import type { ControlPlaneCommands, ControlPlaneView } from "../control-plane/index.ts";
import { createLogger, type Logger } from "../log.ts";
import { createAuth } from "./auth.ts";
import type { DashboardContext } from "./context.ts";
import { EventHub, type EventHubOptions } from "./event-hub.ts";
import { ApiError, errorResponse, isApiPath, redirect, html } from "./http.ts";
import { handleLogin, handleLogout, loginPage, safeNext } from "./login.ts";
import { MetricsRecorder } from "./metrics.ts";
import { metricsRoute, type MetricsText } from "./metrics-route.ts";
import { bulkRoutes } from "./routes/bulk.ts";
import { eventRoutes } from "./routes/events.ts";
import { readRoutes } from "./routes/read.ts";
import { scheduleRoutes } from "./routes/schedules.ts";
import { taskRoutes } from "./routes/tasks.ts";
import { snapshotEvents } from "./serialize.ts";
import { defaultAssets, serveAsset, type GuiAssets } from "./static-assets.ts";

export interface DashboardAppOptions {
  /** Required by every request when set (see auth.ts); startDashboard insists on one beyond loopback. */
  token?: string;
  /** The host the server binds: requests naming it pass the loopback Host check. Default 127.0.0.1. */
  host?: string;
  /** Shown in /api/status. */
  discoveryAddress?: string | null;
  log?: Logger;
  /** The GUI's files; default: embedded in a compiled binary, else gui/dist of this package. */
  assets?: GuiAssets;
  /** Limits and intervals of the event stream. */
  events?: EventHubOptions;
  /** Served as GET /metrics in the Prometheus text format: createMetrics(cp) from src/telemetry. */
  metrics?: MetricsText;
  /**
   * The URL path the app is mounted under, with a trailing slash (default "/"): the login
   * redirects and form point there, since the app itself only ever sees paths below it.
   */
  basePath?: string;
  /** Origins (scheme://host[:port]) whose pages may call the API cross-origin; see cors.ts. Default none. */
  corsOrigins?: readonly string[];
  /** Served over HTTPS: the session cookie is then marked Secure. */
  secureCookie?: boolean;
}

/** What the app owns beyond its routes: the event fan-out and the metrics ring. close() detaches both from the view. */
export interface DashboardServices {
  hub: EventHub;
  metrics: MetricsRecorder;
  close(): void;
}

export function createDashboardApp(view: ControlPlaneView, commands: ControlPlaneCommands, options: DashboardAppOptions = {}) {
  const log = options.log ?? createLogger({ component: "dashboard" });
  const auth = createAuth({
    host: options.host ?? "127.0.0.1",
    ...(options.token !== undefined ? { token: options.token } : {}),
    secure: options.secureCookie === true,
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
  });
  const assets = options.assets ?? defaultAssets();
  const { maxSize, ttlMs } = view.cache();
  const status = { discoveryAddress: options.discoveryAddress ?? null, authRequired: auth.required, cacheLimits: { maxSize, ttlMs } };
  const metrics = new MetricsRecorder().attach(view);
  const hub = new EventHub(view, () => snapshotEvents(view, status), log, options.events);
  const services: DashboardServices = {
    hub,
    metrics,
    close() {
      hub.close();
      metrics.close();
    },
  };
  const ctx: DashboardContext = { view, commands, hub, metrics, status, log };
  const base = options.basePath ?? "/";

  return new Elysia({ name: "fastworker-dashboard" })
    .state("dashboard", services)
    .onRequest(({ request }) => {
      const path = new URL(request.url).pathname;
      const verdict = auth.check(request);
      if (verdict.ok) return;
      if (verdict.status === 401 && (path === "/login" || path === "/logout")) return;
      if (verdict.status === 401 && !isApiPath(path) && request.method === "GET") return redirect(loginRedirect(base, request));
      return errorResponse(verdict.status, verdict.code, verdict.message, verdict.status === 401 ? { "www-authenticate": 'Bearer realm="fastworker"' } : {});
    })
    .onError(({ code, error, request }) => {
      if (error instanceof ApiError) return errorResponse(error.status, error.code, error.message);
      const where = `${request.method} ${new URL(request.url).pathname}`;
      if (code === "NOT_FOUND") return errorResponse(404, "E_NOT_FOUND", `no such endpoint: ${where}`);
      if (code === "PARSE") return errorResponse(400, "E_INVALID_REQUEST", `could not read the request body of ${where}`);
      log("error", "dashboard request failed", { request: where, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      return errorResponse(500, "E_INTERNAL", `internal error while handling ${where} (details are in the control plane's log)`);
    })
    .use(readRoutes(ctx))
    .use(bulkRoutes(ctx))
    .use(taskRoutes(ctx))
    .use(scheduleRoutes(ctx))
    .use(eventRoutes(ctx))
    .use(options.metrics ? metricsRoute(options.metrics) : new Elysia({ name: "fastworker-no-metrics" }))
    .get("/login", ({ request }) => (auth.required ? html(loginPage(base, undefined, safeNext(new URL(request.url).searchParams.get("next")))) : redirect(base)))
    .post("/login", ({ request }) => handleLogin(request, auth, base), { parse: "none" })
    .post("/logout", () => handleLogout(auth, base), { parse: "none" })
    .all("/api/*", ({ request }) => {
      throw new ApiError(404, "E_NOT_FOUND", `no such endpoint: ${request.method} ${new URL(request.url).pathname}`);
    })
    .get("/*", ({ request }) => {
      const path = new URL(request.url).pathname;
      if (isApiPath(path)) throw new ApiError(404, "E_NOT_FOUND", `no such endpoint: GET ${path}`);
      return serveAsset(assets, path);
    });
}

export type DashboardApp = ReturnType<typeof createDashboardApp>;

/** The login form, remembering a deep link (`/?task=…`) to return to; the page itself needs no `next`. */
function loginRedirect(base: string, request: Request): string {
  const url = new URL(request.url);
  const next = safeNext(`${url.pathname}${url.search}`);
  return next === "/" ? `${base}login` : `${base}login?next=${encodeURIComponent(next)}`;
}
