/**
 * `fastworker/elysia`: FastWorker as an Elysia plugin (the counterpart of the Python original's
 * FastAPI integration).
 *
 *   import { Elysia } from "elysia";
 *   import { fastworker } from "fastworker/elysia";
 *   import { add } from "./tasks.ts";
 *
 *   new Elysia()
 *     .use(fastworker({ address: "tcp://127.0.0.1:5555" }))
 *     .get("/add", ({ fw, query }) => fw.submit(add, [Number(query.x), Number(query.y)]))  // number
 *     .listen(3000);
 *
 * Handlers get `fw` (see FastWorker in ./elysia-fw.ts). It starts with the app (onStart) and stops
 * with it (onStop); an app that only serves through app.handle() starts it on first use.
 *
 * Embedded mode, `fastworker({ embedded: { taskModules: ["./tasks.ts"] } })`, runs the control
 * plane inside the app's process (its Bun Worker pool; still listening on its NNG address for
 * subworkers and remote clients) and mounts the dashboard under /fastworker on the same app.
 *
 * Mount the plugin on the root app: the dashboard's redirects assume it lives at exactly the prefix.
 * Stop a listening app with `app.stop(true)`: Bun's plain stop waits for open connections, and
 * an open dashboard tab holds its event stream until the dashboard is closed, which onStop does.
 */
import { Elysia } from "elysia";
import { FastWorkerError } from "../errors.ts";
import { dashboardPrefix, FastWorker, type FastWorkerOptions } from "./elysia-fw.ts";

export {
  FastWorker, DEFAULT_DASHBOARD_PREFIX,
  type FastWorkerOptions, type RemoteFastWorkerOptions, type EmbeddedFastWorkerOptions,
  type EmbeddedControlPlaneOptions, type EmbeddedDashboardOptions,
} from "./elysia-fw.ts";

let instances = 0;

/** The plugin: `app.use(fastworker(options))` adds `fw` to every handler's context. */
export function fastworker(options: FastWorkerOptions = {}) {
  const fw = new FastWorker(options);
  const log = fw.log;
  const embedded = options.embedded;
  // Checked now, so a bad prefix fails where the app is built rather than on the first request.
  const prefix = embedded && embedded.dashboard !== false ? dashboardPrefix(embedded.dashboard?.prefix) : undefined;
  // A distinct seed per call: Elysia skips a second plugin of the same name and seed.
  const plugin = new Elysia({ name: "fastworker", seed: ++instances })
    .decorate("fw", fw)
    .onStart(() => {
      // Elysia does not await start hooks: a failure is reported here, and the next use of fw tries again.
      fw.start().catch((error: unknown) => {
        log("error", "fastworker could not start with the app; it will try again on first use", { error: String(error) });
      });
    })
    .onStop(() => {
      // Elysia does not await stop hooks either; `await fw.stop()` waits for the same stop.
      fw.stop().catch((error: unknown) => {
        log("error", "fastworker could not stop cleanly with the app", { error: String(error) });
      });
    });
  if (prefix === undefined) return plugin;
  return plugin
    .all(prefix, ({ request, server }) => forwardToDashboard(fw, prefix, request, server), { parse: "none" })
    .all(`${prefix}/*`, ({ request, server }) => forwardToDashboard(fw, prefix, request, server), { parse: "none" });
}

/** What forwardToDashboard needs of Bun's server: lifting the idle timeout of one request. */
interface TimeoutControl {
  timeout(request: Request, seconds: number): void;
}

/**
 * Hands a request under the prefix to the dashboard's own Elysia app with the prefix cut off,
 * so its access checks, errors and routes work exactly as in the standalone dashboard.
 */
async function forwardToDashboard(fw: FastWorker, prefix: string, request: Request, server: TimeoutControl | null): Promise<Response> {
  const url = new URL(request.url);
  // indexOf, not a fixed offset: a parent app with its own prefix puts more before ours.
  const rest = url.pathname.slice(url.pathname.indexOf(prefix) + prefix.length);
  // The GUI's URLs are relative to the page, so the page must be <prefix>/, never <prefix>.
  if (rest === "") return new Response(null, { status: 308, headers: { location: `${url.pathname}/${url.search}` } });
  const dashboard = await fw.dashboard();
  if (!dashboard) throw new FastWorkerError("E_INTERNAL", "the embedded dashboard is off, yet its route was called");
  // The event stream stays open for as long as the tab does; its 15 s heartbeats outlast Bun's idle timeout.
  if (rest === "/api/events") server?.timeout(request, 0);
  url.pathname = rest;
  return dashboard.handle(new Request(url.href, request));
}
