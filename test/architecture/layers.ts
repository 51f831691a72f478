/**
 * The layer order of FastWorker's source, bottom to top: the one definition the layering test
 * checks imports against. docs/architecture.md shows the same table (the test fails, naming the
 * row, when the two differ), so a change to the order is made here and in the doc together.
 *
 * Rules: a file may import from its own folder and from any lower layer. Folders in one layer are
 * peers and never import each other (a control plane, a subworker and a client only speak frames).
 * A file directly in src/ (errors.ts, index.ts, ...) counts as a folder of its own.
 */
export interface Layer {
  /** `name/` for a folder of src/, `name.ts` for a file directly in it, `bin/` for the entry point. */
  readonly folders: readonly string[];
  /** One line on what the layer is, shown in the doc's table too. */
  readonly role: string;
}

export const LAYERS: readonly Layer[] = [
  { folders: ["errors.ts", "types/"], role: "typed errors with stable codes (and their wire behaviour); ambient declarations" },
  { folders: ["model/", "log.ts", "config.ts"], role: "the shared vocabulary (priorities, task states, backoff policy, defaults), logging, flag > env > default resolution" },
  { folders: ["nng/", "protocol/", "tasks/", "queue/"], role: "building blocks that know only the vocabulary: libnng over bun:ffi, the wire frames, task definitions, pure queues and the state machine" },
  { folders: ["scheduler/", "discovery/", "telemetry/", "auth/", "ha/"], role: "services on those blocks: periodic schedules, announcing and discovering, OpenTelemetry and Prometheus, peer authentication and TLS files, the PostgreSQL leader lease and its fencing" },
  { folders: ["pool/", "store/", "connection/"], role: "what records telemetry below the roles: the Bun Worker pool, the result cache and journal, the typed request connection clients and subworkers share" },
  { folders: ["control-plane/", "subworker/", "client/"], role: "the three roles, which only speak protocol frames to each other" },
  { folders: ["server/"], role: "the dashboard: REST, SSE, GUI assets, /metrics, on a control plane's view and commands" },
  { folders: ["elysia/", "cli/", "index.ts"], role: "entry points: the fastworker/elysia plugin, the CLI's commands, the package root" },
  { folders: ["bin/"], role: "the executable: signals and process.exit live only here" },
];

/**
 * Imports that leave src/ and are not code of another layer: the package's own metadata and
 * the C shim's source, which nng/ compiles at start.
 */
export const OUTSIDE_SOURCES: readonly string[] = ["package.json", "native/"];

/** A known upward or sideways import, allowed until the issue named in `why` fixes it. */
export interface LayerException {
  readonly from: string;
  readonly to: string;
  readonly why: string;
}

export const EXCEPTIONS: readonly LayerException[] = [];
