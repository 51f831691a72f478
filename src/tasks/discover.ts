import { readdir, realpath, stat } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import { TaskDefinitionError } from "../errors.ts";

/** Extensions imported from task directories (and accepted for explicit files). */
export const TASK_MODULE_EXTENSIONS: readonly string[] = [".ts", ".tsx", ".js", ".mjs"];

function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Test files, declaration files and editor/VCS artefacts are never task modules. */
function isCandidateFile(name: string): boolean {
  if (name.startsWith(".")) return false;
  if (name.endsWith(".d.ts")) return false;
  if (/\.(test|spec)\./.test(name)) return false;
  return TASK_MODULE_EXTENSIONS.includes(extname(name));
}

async function walkDirectory(dir: string, out: string[], visited: Set<string>): Promise<void> {
  // Real paths guard against symlink loops sending the walk round forever.
  const real = await realpath(dir);
  if (visited.has(real)) return;
  visited.add(real);
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const full = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(full).catch((error: unknown) => {
        throw new TaskDefinitionError("E_TASK_MODULE_LOAD", `Task module path ${full} is a broken symlink (${errorText(error)}). Remove it or fix its target.`, { cause: error });
      });
      isDir = target.isDirectory();
      isFile = target.isFile();
    }
    if (isDir) await walkDirectory(full, out, visited);
    else if (isFile && isCandidateFile(entry.name)) out.push(full);
  }
}

/**
 * Turns user-supplied task module paths (files or directories, relative to
 * `cwd`) into a de-duplicated list of absolute file paths, in a stable order,
 * so the coordinator and every Worker import exactly the same files.
 */
export async function resolveTaskModuleFiles(paths: readonly string[], cwd: string = process.cwd()): Promise<string[]> {
  const files: string[] = [];
  const visited = new Set<string>();
  for (const given of paths) {
    const absolute = resolve(cwd, given);
    let info;
    try {
      info = await stat(absolute);
    } catch (error) {
      const reason = errnoCode(error) === "ENOENT" ? "does not exist" : `cannot be read (${errorText(error)})`;
      throw new TaskDefinitionError(
        "E_TASK_MODULE_LOAD",
        `Task module path "${given}" (resolved to ${absolute} from ${cwd}) ${reason}. Check the path, or pass an absolute one.`,
        { cause: error },
      );
    }
    if (info.isDirectory()) {
      await walkDirectory(absolute, files, visited).catch((error: unknown) => {
        if (error instanceof TaskDefinitionError) throw error;
        throw new TaskDefinitionError("E_TASK_MODULE_LOAD", `Cannot list task module directory ${absolute}: ${errorText(error)}. Check its permissions.`, { cause: error });
      });
    } else if (TASK_MODULE_EXTENSIONS.includes(extname(absolute))) {
      files.push(absolute);
    } else {
      throw new TaskDefinitionError(
        "E_TASK_MODULE_LOAD",
        `Task module ${absolute} has an unsupported extension "${extname(basename(absolute))}". Use one of ${TASK_MODULE_EXTENSIONS.join(", ")}.`,
      );
    }
  }
  return [...new Set(files)];
}
