import { defineCommand } from "citty";
import { availableParallelism } from "node:os";
import { address, boolean, integer, resolve, seconds, text } from "../config.ts";
import { createCommands, createControlPlane, createView } from "../control-plane/index.ts";
import { DEFAULT_DISCOVERY_ADDRESS } from "../discovery/index.ts";
import {
  DEFAULT_ADDRESS, DEFAULT_GUI_HOST, DEFAULT_GUI_PORT, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_REPLY_TIMEOUT_MS, DEFAULT_INACTIVE_WORKER_TTL_MS, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HELD_PER_CONNECTION, DEFAULT_MAX_REQUESTS_PER_CONNECTION, TRUSTED_IDLE_FACTOR, DEFAULT_MAX_QUEUED, DEFAULT_MAX_IN_FLIGHT_PER_CLIENT, DEFAULT_MAX_WAIT_MS, MAX_HELD_PER_CONNECTION, DEFAULT_RESULT_CACHE_CLEANUP_INTERVAL_MS, DEFAULT_RESULT_CACHE_SIZE, DEFAULT_RESULT_CACHE_TTL_MS, DEFAULT_WORKER_TIMEOUT_MS,
} from "../model/defaults.ts";
import { resolve as resolvePath } from "node:path";
import { ConfigError } from "../errors.ts";
// The journal (SQLite), the PostgreSQL store and leader election are imported when asked for: an
// in-memory control plane never loads them (bun:sqlite, Bun.SQL, src/ha: ~1.5 MB of RSS).
import type { JournalStore, JournalSync } from "../store/index.ts";
// Not the telemetry barrel: it re-exports tracing.ts, which loads @opentelemetry/api (~2 MB) even without an SDK.
import { shutdownOtelExport } from "../telemetry/config.ts";
import { createMetrics } from "../telemetry/prometheus.ts";
import { createLogger, parseLogLevel, type LogLevel } from "../log.ts";
import { DEFAULT_MAX_FRAME_BYTES, FASTWORKER_VERSION, MAX_FRAME_BYTES, MIN_FRAME_BYTES } from "../protocol/index.ts";
import { parseCorsOrigins } from "../server/cors.ts";
import { MAX_TASKS_PER_WORKER } from "../tasks/index.ts";
import { checkDashboardAccess } from "../server/access.ts";
import type { Dashboard } from "../server/index.ts";
import { color, type CliContext } from "./context.ts";
import { flag, taskModules, warnEmptyModules, type Args } from "./shared.ts";
import type { Leadership } from "./leader-election.ts";
import { controlPlaneSecurityArgs, controlPlaneSecurityOptions, describeSecurity } from "./security-args.ts";


export function controlPlaneCommand(ctx: CliContext) {
  return defineCommand({
    meta: { name: "control-plane", description: "Run a control plane: queues, dispatch, result cache, its own Bun Worker pool" },
    args: {
      "task-modules": { type: "string", description: "Task module files or folders, space- or comma-separated [FASTWORKER_TASK_MODULES]" },
      "worker-id": { type: "string", description: "Id of this control plane (default cp-<host>-<pid>) [FASTWORKER_WORKER_ID]" },
      "base-address": { type: "string", description: `NNG address to listen on (default ${DEFAULT_ADDRESS}) [FASTWORKER_BASE_ADDRESS]` },
      "discovery-address": { type: "string", description: `Discovery BUS address (default ${DEFAULT_DISCOVERY_ADDRESS}) [FASTWORKER_DISCOVERY_ADDRESS]` },
      "no-discovery": { type: "boolean", description: "Do not announce on the discovery address" },
      concurrency: { type: "string", description: "Bun Workers in the local pool (default: cores) [FASTWORKER_CONCURRENCY]" },
      "tasks-per-worker": { type: "string", description: "Tasks in flight at once per Bun Worker for async handlers without their own concurrency (default 1) [FASTWORKER_TASKS_PER_WORKER]" },
      prefetch: { type: "string", description: "Tasks handed to each Worker ahead of time; more = faster trivial tasks, priorities stay strict (default 1) [FASTWORKER_PREFETCH]" },
      "result-cache-size": { type: "string", description: `Results kept (default ${DEFAULT_RESULT_CACHE_SIZE}) [FASTWORKER_RESULT_CACHE_SIZE]` },
      "result-cache-ttl": { type: "string", description: `Seconds a result is kept (default ${DEFAULT_RESULT_CACHE_TTL_MS / 1000}) [FASTWORKER_RESULT_CACHE_TTL]` },
      "result-cache-cleanup-interval": { type: "string", description: `Seconds between sweeps (default ${DEFAULT_RESULT_CACHE_CLEANUP_INTERVAL_MS / 1000}) [FASTWORKER_RESULT_CACHE_CLEANUP_INTERVAL]` },
      "max-in-flight-per-client": { type: "string", description: `Unfinished tasks (running included) one client (its clientId, else its connection) may have; beyond, its submits answer E_QUEUE_FULL (default ${DEFAULT_MAX_IN_FLIGHT_PER_CLIENT}) [FASTWORKER_MAX_IN_FLIGHT_PER_CLIENT]` },
      "max-queued": { type: "string", description: `Unfinished tasks (queued, scheduled, retrying) held at most; beyond, submit answers E_QUEUE_FULL (default ${DEFAULT_MAX_QUEUED}) [FASTWORKER_MAX_QUEUED]` },
      "worker-timeout": { type: "string", description: `Seconds before a silent subworker is inactive (default ${DEFAULT_WORKER_TIMEOUT_MS / 1000}) [FASTWORKER_WORKER_TIMEOUT]` },
      "inactive-worker-ttl": { type: "string", description: `Seconds an inactive subworker stays listed before it is forgotten (default ${DEFAULT_INACTIVE_WORKER_TTL_MS / 1000}) [FASTWORKER_INACTIVE_WORKER_TTL]` },
      "max-wait-ms": { type: "string", description: `Longest any long-poll (collect, result/submit with a wait, watch) is held, in ms; longer waits are clamped (default ${DEFAULT_MAX_WAIT_MS}) [FASTWORKER_MAX_WAIT_MS]` },
      "max-held-per-connection": { type: "string", description: `Long-polls one connection may hold at once; beyond, E_TOO_MANY_WAITS (default ${DEFAULT_MAX_HELD_PER_CONNECTION}, at most ${MAX_HELD_PER_CONNECTION}) [FASTWORKER_MAX_HELD_PER_CONNECTION]` },
      "max-requests-per-connection": { type: "string", description: `Requests one connection may have in progress (held long-polls included); beyond, answered at once with E_TOO_MANY_REQUESTS (default ${DEFAULT_MAX_REQUESTS_PER_CONNECTION}, at most ${MAX_HELD_PER_CONNECTION}, the REP contexts: keep cap x expected busy peers below it) [FASTWORKER_MAX_REQUESTS_PER_CONNECTION]` },
      "max-connections": { type: "string", description: `Connections kept at once; a new one beyond is closed at once, with one warning per 10 s; lowered to fit ulimit -n (default ${DEFAULT_MAX_CONNECTIONS}) [FASTWORKER_MAX_CONNECTIONS]` },
      "max-frame-bytes": { type: "string", description: `Largest frame accepted, in bytes; also NNG's receive limit on every socket (a larger frame closes its connection) (default ${DEFAULT_MAX_FRAME_BYTES}) [FASTWORKER_MAX_FRAME_BYTES]` },
      "reply-timeout-ms": { type: "string", description: `How long a reply may wait for its peer to read it; past it the reply is dropped and that connection closed (default ${DEFAULT_REPLY_TIMEOUT_MS}) [FASTWORKER_REPLY_TIMEOUT_MS]` },
      "idle-timeout-ms": { type: "string", description: `A connection with nothing in progress that sends no request this long is closed; authenticated and subworker connections get ${TRUSTED_IDLE_FACTOR} x; 0 = never (default ${DEFAULT_IDLE_TIMEOUT_MS}) [FASTWORKER_IDLE_TIMEOUT_MS]` },
      "gui-host": { type: "string", description: `Dashboard host (default ${DEFAULT_GUI_HOST}; beyond loopback it needs FASTWORKER_GUI_TOKEN) [FASTWORKER_GUI_HOST]` },
      "gui-port": { type: "string", description: `Dashboard port (default ${DEFAULT_GUI_PORT}) [FASTWORKER_GUI_PORT]` },
      "no-gui": { type: "boolean", description: "Do not serve the dashboard [FASTWORKER_GUI_ENABLED=false]" },
      "log-level": { type: "string", description: "debug, info, warn or error (default info) [FASTWORKER_LOG_LEVEL]" },
      "data-dir": { type: "string", description: "Where the journal lives (default ./.fastworker) [FASTWORKER_DATA_DIR]" },
      "no-journal": { type: "boolean", description: "Keep everything in memory: a crash loses queued tasks [FASTWORKER_JOURNAL=false]" },
      "journal-url": { type: "string", description: "Keep the journal in PostgreSQL instead of --data-dir: postgres://user:pass@host:5432/db (prefer the env var: argv is visible to other users) [FASTWORKER_JOURNAL_URL]" },
      "leader-lease-ms": { type: "string", description: "With --journal-url: how long the leader lease lasts; a standby takes over within about this long after the active control plane dies (default 5000) [FASTWORKER_LEADER_LEASE_MS]" },
      "journal-sync": { type: "string", description: "full: acknowledge once fsynced, survives power loss; normal: once written to the OS, survives a process crash (default full) [FASTWORKER_JOURNAL_SYNC]" },
      "gui-cors-origin": { type: "string", description: "Origins whose pages may call the dashboard API, comma-separated, e.g. https://ops.example.com (default none) [FASTWORKER_GUI_CORS_ORIGIN]" },
      "subworker-port": { type: "string", description: "Accepted from the Python original and ignored: subworkers register on --base-address [FASTWORKER_SUBWORKER_PORT]" },
      ...controlPlaneSecurityArgs,
    },
    async run({ args }) {
      const a = args as Args;
      const env = ctx.env;
      const concurrency = resolve({ flag: "concurrency", env: "FASTWORKER_CONCURRENCY", parse: integer(0, 1024), fallback: availableParallelism() }, flag(a, "concurrency"), env);
      const tasksPerWorker = resolve({ flag: "tasks-per-worker", env: "FASTWORKER_TASKS_PER_WORKER", parse: integer(1, MAX_TASKS_PER_WORKER), fallback: 1 }, flag(a, "tasks-per-worker"), env);
      const noDiscovery = flag(a, "no-discovery") === true || flag(a, "discovery") === false;
      if (flag(a, "subworker-port") !== undefined) ctx.err("fastworker: --subworker-port is ignored: subworkers register on the control plane's --base-address");
      const baseAddress = resolve({ flag: "base-address", env: "FASTWORKER_BASE_ADDRESS", parse: address, fallback: DEFAULT_ADDRESS }, flag(a, "base-address"), env);
      const logLevel = resolve({ flag: "log-level", env: "FASTWORKER_LOG_LEVEL", parse: parseLogLevel, fallback: "info" as LogLevel }, flag(a, "log-level"), env);
      const security = controlPlaneSecurityOptions(a, env, baseAddress);
      if (security.insecure && !security.token) ctx.err(color(ctx, 33, `fastworker: warning: --insecure: ${baseAddress} serves anyone who can reach it (no token); use it only on a network you trust`));
      const gui = guiOptions(a, env);
      const journalUrl = postgresJournal(a, env);
      const journal = journalUrl === undefined ? await journalStore(a, env) : undefined;
      // Several control planes on one PostgreSQL journal: only the lease holder runs; the others are standbys until it expires.
      let leadership: Leadership | undefined;
      if (journalUrl !== undefined) {
        const [{ awaitLeadership }, { parseJournalUrl }] = await Promise.all([import("./leader-election.ts"), import("../store/postgres/postgres-target.ts")]);
        const outcome = await awaitLeadership({
          journalUrl: parseJournalUrl(journalUrl).url, address: baseAddress, ...(security.tls ? { tls: security.tls } : {}),
          leaseMs: resolve({ flag: "leader-lease-ms", env: "FASTWORKER_LEADER_LEASE_MS", parse: integer(100, 86_400_000), fallback: DEFAULT_LEADER_LEASE_MS }, flag(a, "leader-lease-ms"), env),
          log: createLogger({ component: "leader", level: logLevel }), shutdown: ctx.shutdown, out: (line) => ctx.out(line),
        });
        if (typeof outcome === "string") return void ctx.out(`${outcome}: stopping (a standby, nothing to drain)`);
        leadership = outcome;
      }
      const cp = await createControlPlane({
        ...(journal ? { store: journal } : {}),
        ...(journalUrl !== undefined ? { journalUrl, journalSync: await journalSyncOf(a, env) } : {}),
        ...(leadership ? { journalFencing: leadership.token } : {}),
        ...(gui ? { guiUrl: security.guiTls ? gui.url.replace(/^http:/, "https:") : gui.url } : {}),
        taskModules: taskModules(a, ctx),
        ...optionalId(resolve({ flag: "worker-id", env: "FASTWORKER_WORKER_ID", parse: text, fallback: "" }, flag(a, "worker-id"), env)),
        address: baseAddress,
        ...(security.token ? { token: security.token } : {}),
        ...(security.workerToken ? { workerToken: security.workerToken } : {}),
        ...(security.tls ? { tls: security.tls } : {}),
        callbackAllow: security.callbackAllow,
        discoveryAddress: noDiscovery ? null : resolve({ flag: "discovery-address", env: "FASTWORKER_DISCOVERY_ADDRESS", parse: address, fallback: DEFAULT_DISCOVERY_ADDRESS }, flag(a, "discovery-address"), env),
        concurrency,
        tasksPerWorker,
        prefetch: resolve({ flag: "prefetch", env: "FASTWORKER_PREFETCH", parse: integer(1, 1024), fallback: 1 }, flag(a, "prefetch"), env),
        resultCacheSize: resolve({ flag: "result-cache-size", env: "FASTWORKER_RESULT_CACHE_SIZE", parse: integer(1), fallback: DEFAULT_RESULT_CACHE_SIZE }, flag(a, "result-cache-size"), env),
        resultCacheTtlMs: 1000 * resolve({ flag: "result-cache-ttl", env: "FASTWORKER_RESULT_CACHE_TTL", parse: seconds, fallback: DEFAULT_RESULT_CACHE_TTL_MS / 1000 }, flag(a, "result-cache-ttl"), env),
        resultCacheCleanupIntervalMs: 1000 * resolve({ flag: "result-cache-cleanup-interval", env: "FASTWORKER_RESULT_CACHE_CLEANUP_INTERVAL", parse: seconds, fallback: DEFAULT_RESULT_CACHE_CLEANUP_INTERVAL_MS / 1000 }, flag(a, "result-cache-cleanup-interval"), env),
        maxQueued: resolve({ flag: "max-queued", env: "FASTWORKER_MAX_QUEUED", parse: integer(1), fallback: DEFAULT_MAX_QUEUED }, flag(a, "max-queued"), env),
        maxInFlightPerClient: resolve({ flag: "max-in-flight-per-client", env: "FASTWORKER_MAX_IN_FLIGHT_PER_CLIENT", parse: integer(1), fallback: DEFAULT_MAX_IN_FLIGHT_PER_CLIENT }, flag(a, "max-in-flight-per-client"), env),
        workerTimeoutMs: 1000 * resolve({ flag: "worker-timeout", env: "FASTWORKER_WORKER_TIMEOUT", parse: seconds, fallback: DEFAULT_WORKER_TIMEOUT_MS / 1000 }, flag(a, "worker-timeout"), env),
        inactiveWorkerTtlMs: 1000 * resolve({ flag: "inactive-worker-ttl", env: "FASTWORKER_INACTIVE_WORKER_TTL", parse: seconds, fallback: DEFAULT_INACTIVE_WORKER_TTL_MS / 1000 }, flag(a, "inactive-worker-ttl"), env),
        maxWaitMs: resolve({ flag: "max-wait-ms", env: "FASTWORKER_MAX_WAIT_MS", parse: integer(1, 2_147_483_647), fallback: DEFAULT_MAX_WAIT_MS }, flag(a, "max-wait-ms"), env),
        maxHeldPerConnection: resolve({ flag: "max-held-per-connection", env: "FASTWORKER_MAX_HELD_PER_CONNECTION", parse: integer(1, MAX_HELD_PER_CONNECTION), fallback: DEFAULT_MAX_HELD_PER_CONNECTION }, flag(a, "max-held-per-connection"), env),
        maxRequestsPerConnection: resolve({ flag: "max-requests-per-connection", env: "FASTWORKER_MAX_REQUESTS_PER_CONNECTION", parse: integer(1, MAX_HELD_PER_CONNECTION), fallback: DEFAULT_MAX_REQUESTS_PER_CONNECTION }, flag(a, "max-requests-per-connection"), env),
        maxConnections: resolve({ flag: "max-connections", env: "FASTWORKER_MAX_CONNECTIONS", parse: integer(1), fallback: DEFAULT_MAX_CONNECTIONS }, flag(a, "max-connections"), env),
        maxFrameBytes: resolve({ flag: "max-frame-bytes", env: "FASTWORKER_MAX_FRAME_BYTES", parse: integer(MIN_FRAME_BYTES, MAX_FRAME_BYTES), fallback: DEFAULT_MAX_FRAME_BYTES }, flag(a, "max-frame-bytes"), env),
        replyTimeoutMs: resolve({ flag: "reply-timeout-ms", env: "FASTWORKER_REPLY_TIMEOUT_MS", parse: integer(1, 2_147_483_647), fallback: DEFAULT_REPLY_TIMEOUT_MS }, flag(a, "reply-timeout-ms"), env),
        idleTimeoutMs: resolve({ flag: "idle-timeout-ms", env: "FASTWORKER_IDLE_TIMEOUT_MS", parse: integer(0, 2_147_483_647), fallback: DEFAULT_IDLE_TIMEOUT_MS }, flag(a, "idle-timeout-ms"), env),
        log: createLogger({ component: "control-plane", level: logLevel }),
      });
      let dashboard: Dashboard | undefined;
      try {
        if (gui) {
          // Loaded only when the dashboard is on: Elysia and the GUI's routes cost the control plane ~6 MB otherwise.
          const { startDashboard } = await import("../server/start.ts");
          dashboard = startDashboard({
            view: createView(cp), commands: createCommands(cp), host: gui.host, port: gui.port, log: cp.log, metrics: createMetrics(cp),
            discoveryAddress: noDiscovery ? null : resolve({ flag: "discovery-address", env: "FASTWORKER_DISCOVERY_ADDRESS", parse: address, fallback: DEFAULT_DISCOVERY_ADDRESS }, flag(a, "discovery-address"), env),
            ...(gui.token ? { token: gui.token } : {}),
            ...(gui.corsOrigins.length > 0 ? { corsOrigins: gui.corsOrigins } : {}),
            ...(security.guiTls ? { tls: security.guiTls } : {}),
          });
        }
      } catch (error) {
        // The control plane is already listening: release its sockets and pool before reporting.
        await cp.stop();
        throw error;
      }
      warnEmptyModules(ctx, cp.catalog);
      ctx.out(color(ctx, 32, `FastWorker ${FASTWORKER_VERSION} control plane ${cp.id} ready`));
      ctx.out(`  tasks:      ${cp.catalog.names().join(", ")}`);
      ctx.out(`  address:    ${cp.address}`);
      ctx.out(`  security:   ${describeSecurity(security)}`);
      ctx.out(`  pool:       ${concurrency} Bun Workers${tasksPerWorker > 1 ? `, ${tasksPerWorker} tasks in flight each` : ""}`);
      ctx.out(`  discovery:  ${noDiscovery ? "off" : (cp.announcingOn ?? color(ctx, 31, "OFF: the discovery address could not be bound (see the error above)"))}`);
      ctx.out(`  journal:    ${journal ? `${journal.dataDir} (sync ${journal.sync})` : cp.journal ? `${cp.journal.path} (PostgreSQL, sync ${cp.journal.sync})` : "off (in memory only)"}`);
      ctx.out(`  dashboard:  ${dashboard ? `${dashboard.url}${gui?.token ? " (token required)" : ""}${gui?.corsOrigins.length ? ` (CORS: ${gui.corsOrigins.join(", ")})` : ""}` : "off"}`);
      if (leadership) ctx.out(`  leader:     epoch ${leadership.token.epoch} (lease held in PostgreSQL)`);
      const signal = await Promise.race([ctx.shutdown, leadership?.lost ?? new Promise<never>(() => {})]);
      if (typeof signal !== "string") {
        // Another control plane may lead now: stop at once (fencing already refuses our writes) and say why.
        await dashboard?.stop();
        await cp.stop({ drainMs: 0 });
        throw signal;
      }
      ctx.out(`${signal}: stopping (running tasks get 10 s to finish)`);
      await dashboard?.stop();
      await cp.stop({ drainMs: 10_000 });
      await leadership?.release(); // a standby takes over now, not when the lease would have expired
      await shutdownOtelExport(); // sends the spans and metrics still buffered (FASTWORKER_TELEMETRY_ENABLED)
    },
  });
}

/** The dashboard's settings (flag > env > default), or undefined when it is off; the token comes only from the environment, never argv. */
/** How long the leader lease lasts by default: a standby takes over within about this long. */
const DEFAULT_LEADER_LEASE_MS = 5_000;

function journalEnabled(a: Args, env: Record<string, string | undefined>): boolean {
  return flag(a, "no-journal") !== true && flag(a, "journal") !== false && resolve({ flag: "journal", env: "FASTWORKER_JOURNAL", parse: boolean, fallback: true }, undefined, env);
}

async function journalSyncOf(a: Args, env: Record<string, string | undefined>): Promise<JournalSync> {
  const { parseJournalSync } = await import("../store/journal-schema.ts");
  return resolve({ flag: "journal-sync", env: "FASTWORKER_JOURNAL_SYNC", parse: parseJournalSync, fallback: "full" as const }, flag(a, "journal-sync"), env);
}

/** --journal-url / FASTWORKER_JOURNAL_URL (checked when the store opens), or undefined for the SQLite journal. */
function postgresJournal(a: Args, env: Record<string, string | undefined>): string | undefined {
  const url = resolve({ flag: "journal-url", env: "FASTWORKER_JOURNAL_URL", parse: text, fallback: "" }, flag(a, "journal-url"), env);
  if (url === "") return undefined;
  if (!journalEnabled(a, env)) throw new ConfigError("--journal-url and --no-journal (FASTWORKER_JOURNAL=false) contradict each other: keep one");
  return url;
}

/** Durable by default: the journal in --data-dir, unless --no-journal. */
async function journalStore(a: Args, env: Record<string, string | undefined>): Promise<JournalStore | undefined> {
  if (!journalEnabled(a, env)) return undefined;
  const dataDir = resolve({ flag: "data-dir", env: "FASTWORKER_DATA_DIR", parse: text, fallback: ".fastworker" }, flag(a, "data-dir"), env);
  const sync = await journalSyncOf(a, env);
  const { JournalStore } = await import("../store/journal.ts");
  // Test hook: while this file exists the journal's writer thread blocks, as on a frozen disk.
  const stallFile = env.FASTWORKER_TEST_JOURNAL_STALL_FILE || undefined;
  return new JournalStore(resolvePath(dataDir), { sync, log: createLogger({ component: "journal" }), ...(stallFile ? { stallFile } : {}) });
}

function guiOptions(a: Args, env: Record<string, string | undefined>): { host: string; port: number; token?: string; url: string; corsOrigins: string[] } | undefined {
  const enabled = flag(a, "no-gui") !== true && flag(a, "gui") !== false && resolve({ flag: "gui", env: "FASTWORKER_GUI_ENABLED", parse: boolean, fallback: true }, undefined, env);
  if (!enabled) return undefined;
  const host = resolve({ flag: "gui-host", env: "FASTWORKER_GUI_HOST", parse: text, fallback: DEFAULT_GUI_HOST }, flag(a, "gui-host"), env);
  const port = resolve({ flag: "gui-port", env: "FASTWORKER_GUI_PORT", parse: integer(0, 65_535), fallback: DEFAULT_GUI_PORT }, flag(a, "gui-port"), env);
  const token = env.FASTWORKER_GUI_TOKEN || undefined;
  checkDashboardAccess(host, token); // before the control plane starts, so a refusal leaves nothing behind
  const corsOrigins = resolve({ flag: "gui-cors-origin", env: "FASTWORKER_GUI_CORS_ORIGIN", parse: parseCorsOrigins, fallback: [] }, flag(a, "gui-cors-origin"), env);
  return { host, port, url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`, corsOrigins, ...(token ? { token } : {}) };
}

function optionalId(id: string): { id?: string } {
  return id ? { id } : {};
}
