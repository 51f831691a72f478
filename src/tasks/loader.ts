import { pathToFileURL } from "node:url";
import { TaskDefinitionError } from "../errors.ts";
import { provideSelfModule } from "./self-module.ts";
import { CatalogBuilder, type TaskCatalog } from "./catalog.ts";
import { isTaskDefinition } from "./definition.ts";
import { resolveTaskModuleFiles } from "./discover.ts";
import { isMiddleware } from "./middleware.ts";

export interface LoadTaskModulesOptions {
  /** Base for relative paths; defaults to process.cwd(). */
  cwd?: string;
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  try {
    // A file URL (not a bare path) keeps names with spaces, "#" or "?" intact.
    const namespace: unknown = await import(pathToFileURL(file).href);
    return typeof namespace === "object" && namespace !== null ? (namespace as Record<string, unknown>) : {};
  } catch (error) {
    const detail = describeImportError(error, file);
    throw new TaskDefinitionError(
      "E_TASK_MODULE_LOAD",
      `Failed to import task module ${file}: ${detail}. Fix the error in that file or leave it out of the task modules.`,
      { cause: error },
    );
  }
}

interface BuildMessageLike {
  message: string;
  position?: { file?: string; line?: number; column?: number } | null;
}

/**
 * Bun reports a syntax error as an AggregateError of BuildMessages, each with a position:
 * name the first as file:line:column (what editors jump to) rather than "3 errors building".
 */
function describeImportError(error: unknown, file: string): string {
  const messages = error instanceof AggregateError ? (error.errors as unknown[]).filter(isBuildMessage) : isBuildMessage(error) ? [error] : [];
  const first = messages[0];
  if (first?.position?.line !== undefined) {
    const where = `${first.position.file ?? file}:${first.position.line}:${first.position.column ?? 0}`;
    const more = messages.length > 1 ? ` (and ${messages.length - 1} more)` : "";
    return `syntax error at ${where}: ${first.message}${more}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function isBuildMessage(value: unknown): value is BuildMessageLike {
  return typeof value === "object" && value !== null && "message" in value && "position" in value;
}

/**
 * Imports task modules (files, or directories searched recursively) and
 * collects every exported task definition (and defineMiddleware() object) into a catalog. Used by the
 * coordinator and, with the catalog's `modulePaths`, by each pool Worker.
 */
export async function loadTaskModules(paths: readonly string[], opts: LoadTaskModulesOptions = {}): Promise<TaskCatalog> {
  const files = await resolveTaskModuleFiles(paths, opts.cwd);
  await provideSelfModule();
  const builder = new CatalogBuilder();
  for (const file of files) {
    const namespace = await importModule(file);
    builder.addModule(file);
    for (const [exportName, value] of Object.entries(namespace)) {
      if (isTaskDefinition(value)) builder.add({ definition: value, modulePath: file, exportName });
      else if (isMiddleware(value)) builder.addMiddleware({ middleware: value, modulePath: file, exportName });
    }
  }
  return builder.build();
}
