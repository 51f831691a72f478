import { TaskDefinitionError } from "../errors.ts";
import type { TaskDefinition } from "./definition.ts";
import type { Middleware } from "./middleware.ts";

export interface CatalogEntry {
  readonly definition: TaskDefinition<unknown[], unknown>;
  /** Absolute path of the module the definition was found in. */
  readonly modulePath: string;
  readonly exportName: string;
}

/** Global middleware found in a task module, in load order. */
export interface MiddlewareEntry {
  readonly middleware: Middleware;
  readonly modulePath: string;
  readonly exportName: string;
}

/** The tasks found in a set of task modules, by name. Immutable once built. */
export interface TaskCatalog {
  /** Absolute paths of every module file imported, in load order; hand these to Workers. */
  readonly modulePaths: readonly string[];
  get(name: string): TaskDefinition<unknown[], unknown> | undefined;
  has(name: string): boolean;
  /** Task names in the order they were found. */
  names(): string[];
  entries(): CatalogEntry[];
  /** Middleware exported by the modules, in module (then export) order. */
  middleware(): MiddlewareEntry[];
}

/** Accumulates definitions module by module, rejecting duplicate names as they appear. */
export class CatalogBuilder {
  readonly #byName = new Map<string, CatalogEntry>();
  readonly #modulePaths: string[] = [];
  readonly #middleware: MiddlewareEntry[] = [];

  addModule(modulePath: string): void {
    this.#modulePaths.push(modulePath);
  }

  add(entry: CatalogEntry): void {
    const existing = this.#byName.get(entry.definition.name);
    if (existing === undefined) {
      this.#byName.set(entry.definition.name, entry);
      return;
    }
    // The same object exported twice (re-export, `export default add`) is one task, not a clash.
    if (existing.definition === entry.definition) return;
    const where = (e: CatalogEntry): string => `export "${e.exportName}" of ${e.modulePath}`;
    throw new TaskDefinitionError(
      "E_DUPLICATE_TASK",
      `Task name "${entry.definition.name}" is defined twice: by ${where(existing)} and by ${where(entry)}. ` +
        `Task names must be unique across all task modules; rename one of them.`,
    );
  }

  addMiddleware(entry: MiddlewareEntry): void {
    // The same object re-exported (or exported twice) runs once, where it was first seen.
    if (this.#middleware.some((m) => m.middleware === entry.middleware)) return;
    this.#middleware.push(entry);
  }

  build(): TaskCatalog {
    const byName = new Map(this.#byName);
    const modulePaths = Object.freeze([...this.#modulePaths]);
    const middleware = [...this.#middleware];
    return Object.freeze({
      modulePaths,
      get: (name: string) => byName.get(name)?.definition,
      has: (name: string) => byName.has(name),
      names: () => [...byName.keys()],
      entries: () => [...byName.values()],
      middleware: () => [...middleware],
    });
  }
}
