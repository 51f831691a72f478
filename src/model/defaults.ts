/**
 * Defaults that more than one part of FastWorker falls back to: the control plane and the CLI
 * that configures it, the client, the subworker and the Elysia integration. Each is written
 * here once so they cannot drift apart (they had: the same address was spelled in four places).
 */

/** The NNG address a control plane listens on and clients and subworkers dial when nothing else is said. */
export const DEFAULT_ADDRESS = "tcp://127.0.0.1:5555";

/** The NNG BUS address control planes announce themselves on and discovery listens to. */
export const DEFAULT_DISCOVERY_ADDRESS = "tcp://127.0.0.1:5550";

/** Where the dashboard listens: loopback, so it is never exposed without a token (see server/start.ts). */
export const DEFAULT_GUI_HOST = "127.0.0.1";
export const DEFAULT_GUI_PORT = 8080;

/**
 * Finished results a control plane keeps for `result()` (LRU beyond that): as many as one client
 * may have in flight (DEFAULT_MAX_IN_FLIGHT_PER_CLIENT), so a client that submits its whole window
 * and only then asks for the results finds every one. The Python original kept 10 000: a burst of
 * 20 000 `delay()` calls followed by their `result()`s lost the first results whenever the tasks ran
 * faster than the client asked (E_TASK_NOT_FOUND). A cached trivial result holds about 0.65 KB of heap
 * (0.85 KB with the dashboard's task index; `bun bench/burst.ts cached`).
 */
export const DEFAULT_RESULT_CACHE_SIZE = 100_000;

/** How long a finished result stays readable. */
export const DEFAULT_RESULT_CACHE_TTL_MS = 3_600_000;

/** How often expired results are swept from the cache and the journal compacted. */
export const DEFAULT_RESULT_CACHE_CLEANUP_INTERVAL_MS = 60_000;

/** A subworker silent for this long is marked inactive and its leased tasks are requeued. */
export const DEFAULT_WORKER_TIMEOUT_MS = 15_000;

/** How long an inactive subworker stays listed (status, dashboard) before it is forgotten. */
export const DEFAULT_INACTIVE_WORKER_TTL_MS = 300_000;

/** How long a client waits to reach a control plane before E_UNAVAILABLE. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** The longest a control plane holds any long-poll (collect, result/submit with a wait, watch); longer waits are clamped. */
export const DEFAULT_MAX_WAIT_MS = 30_000;

/** Long-polls one connection (NNG pipe) may hold at once; one more is answered at once with E_TOO_MANY_WAITS. */
export const DEFAULT_MAX_HELD_PER_CONNECTION = 256;

/**
 * The highest per-connection cap that still lets a closed connection's waits be released: the
 * control plane's 4 096 REP contexts. A pipe with one more request waiting for a context is not
 * read by NNG, so its disconnect goes unseen until a context frees up.
 */
export const MAX_HELD_PER_CONNECTION = 4096;

/** Unfinished tasks (queued, scheduled, retrying) a control plane holds before submit answers E_QUEUE_FULL. */
export const DEFAULT_MAX_QUEUED = 1_000_000;

/** Unfinished tasks (queued, scheduled, retrying or running) one client may have before its submits answer E_QUEUE_FULL. */
export const DEFAULT_MAX_IN_FLIGHT_PER_CLIENT = 100_000;

/**
 * Requests one connection may have in progress at once (received, reply not sent yet; held
 * long-polls count too); one more is answered at once with E_TOO_MANY_REQUESTS. The control
 * plane's REP socket has 4 096 contexts (MAX_HELD_PER_CONNECTION): at 256 each, 15 peers at
 * their cap still leave a sixteenth of the contexts to everyone else.
 */
export const DEFAULT_MAX_REQUESTS_PER_CONNECTION = 256;

/** Connections (NNG pipes) a control plane keeps at once; a new one beyond is closed at once. */
export const DEFAULT_MAX_CONNECTIONS = 4096;

/** A connection with nothing in progress that sends no request for this long is closed (0 = never). */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/**
 * An authenticated connection (token handshake done) or a registered subworker's may stay idle
 * this many times the idle timeout: it has proved who it is, and a subworker between tasks or a
 * client between bursts should not pay a reconnect and a new handshake every 30 s.
 */
export const TRUSTED_IDLE_FACTOR = 10;

/**
 * How long a reply may wait for its peer to take it before the control plane drops it and
 * closes that connection: a peer that never reads must not hold the contexts others need.
 */
export const DEFAULT_REPLY_TIMEOUT_MS = 5_000;

/** Discovery announcements and probes are a few hundred bytes: nothing larger is accepted on the BUS. */
export const DISCOVERY_MAX_FRAME_BYTES = 64 * 1024;
