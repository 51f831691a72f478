import { createLogger } from "../log.ts";
import type { TaskStore } from "../store/index.ts";
import { loadTaskModules } from "../tasks/index.ts";
import { ControlPlane } from "./control-plane.ts";
import type { ControlPlaneOptions } from "./options.ts";

/** Loads the task modules, opens the PostgreSQL journal when `journalUrl` names one, then starts a control plane that listens on its address. */
export async function createControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const catalog = await loadTaskModules(options.taskModules, { cwd: options.cwd ?? process.cwd() });
  const store = options.store ?? (options.journalUrl === undefined ? undefined : await openPostgresStore(options.journalUrl, options));
  const cp = new ControlPlane(catalog, store ? { ...options, store } : options);
  await cp.start();
  return cp;
}

/** Imported only for a PostgreSQL journal: an in-memory or SQLite control plane never loads Bun.SQL and src/ha. */
async function openPostgresStore(url: string, options: ControlPlaneOptions): Promise<TaskStore> {
  const { PostgresTaskStore } = await import("../store/postgres/index.ts");
  return PostgresTaskStore.open(url, {
    ...(options.journalSync ? { sync: options.journalSync } : {}), ...(options.journalFencing ? { fencing: options.journalFencing } : {}), log: createLogger({ component: "journal" }),
  });
}
