import { createLogger } from "../log.ts";
import { PostgresTaskStore } from "../store/index.ts";
import { loadTaskModules } from "../tasks/index.ts";
import { ControlPlane } from "./control-plane.ts";
import type { ControlPlaneOptions } from "./options.ts";

/** Loads the task modules, opens the PostgreSQL journal when `journalUrl` names one, then starts a control plane that listens on its address. */
export async function createControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const catalog = await loadTaskModules(options.taskModules, { cwd: options.cwd ?? process.cwd() });
  const store = options.store ?? (options.journalUrl === undefined ? undefined
    : await PostgresTaskStore.open(options.journalUrl, {
      ...(options.journalSync ? { sync: options.journalSync } : {}), ...(options.journalFencing ? { fencing: options.journalFencing } : {}), log: createLogger({ component: "journal" }),
    }));
  const cp = new ControlPlane(catalog, store ? { ...options, store } : options);
  await cp.start();
  return cp;
}
