/**
 * Serves the prebuilt GUI (gui/dist): files by exact path from an index built by listing the
 * folder (so no request path ever reaches the filesystem), index.html for every other page
 * path (the GUI routes on the client), long caching for Vite's content-hashed assets.
 *
 * Where the files come from: in a clone or an installed package, gui/dist next to src/ (found
 * from this file's location). In a binary from `bun build --compile ... --asset gui/dist`, the
 * files embedded in it (Bun.embeddedFiles), since that binary has no gui/dist on disk.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { SECURITY_HEADERS } from "./http.ts";

/** The GUI files the dashboard can serve, by URL path ("/index.html", "/assets/index-3f2a.js"). */
export interface GuiAssets {
  get(path: string): Blob | undefined;
  /** Where the files come from, for messages. */
  readonly source: string;
}

/** gui/dist of this package: the same relative place in a clone and in an installed package. */
export const DEFAULT_GUI_DIR = join(import.meta.dir, "..", "..", "gui", "dist");

export function directoryAssets(dir: string = DEFAULT_GUI_DIR): GuiAssets {
  let index: Map<string, string> | undefined;
  let indexedAt = 0;
  const build = (): Map<string, string> => {
    const files = new Map<string, string>();
    if (existsSync(dir)) walk(dir, (file) => files.set(`/${relative(dir, file).split(sep).join("/")}`, file));
    indexedAt = Date.now();
    return files;
  };
  return {
    source: dir,
    get(path) {
      index ??= build();
      let file = index.get(path);
      // A rebuild while we run adds new hashed names: look again, at most once a second.
      if (file === undefined && Date.now() - indexedAt > 1000) file = (index = build()).get(path);
      return file === undefined ? undefined : Bun.file(file);
    },
  };
}

/** Assets from a map of URL path to file contents. */
export function mapAssets(files: Record<string, Blob>, source = "memory"): GuiAssets {
  const map = new Map(Object.entries(files));
  return { source, get: (path) => map.get(path) };
}

/**
 * The GUI files embedded in a compiled binary (`--asset gui/dist`), or undefined when there are
 * none (not compiled, or compiled without them). Bun names them by relative path, e.g.
 * "dist/assets/index-3f2a.js"; the folder holding index.html is the GUI's root.
 */
export function embeddedAssets(files: ReadonlyArray<Blob> = Bun.embeddedFiles): GuiAssets | undefined {
  const named = files.map((file) => ({ file, name: (file as Blob & { name?: string }).name ?? "" }));
  const index = named.find((f) => /(^|\/)dist\/index\.html$/.test(f.name));
  if (!index) return undefined;
  const root = index.name.slice(0, -"index.html".length);
  const map: Record<string, Blob> = {};
  for (const { file, name } of named) if (name.startsWith(root)) map[`/${name.slice(root.length)}`] = file;
  return mapAssets(map, "files embedded in this binary");
}

/** Embedded files when this is a compiled binary that has them, else gui/dist on disk. */
export function defaultAssets(): GuiAssets {
  return embeddedAssets() ?? directoryAssets();
}

function walk(dir: string, visit: (file: string) => void): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, visit);
    else visit(path);
  }
}

/** The response for a non-API GET: the file, or the GUI's index.html for client-side routes. */
export function serveAsset(assets: GuiAssets, pathname: string): Response {
  const path = pathname === "/" ? "/index.html" : pathname;
  const file = assets.get(path);
  if (file) return fileResponse(file, path);
  // A missing script or image must not come back as HTML; only extension-less page paths fall back.
  if (pathname !== "/" && /\.[a-z0-9]+$/i.test(pathname)) return plain(404, `not found: ${pathname}`);
  const index = assets.get("/index.html");
  if (index) return fileResponse(index, "/index.html");
  return plain(503, `The dashboard page is not built (no index.html in ${assets.source}). Run \`bun run build:gui\`; the JSON API under /api works without it.`);
}

function fileResponse(file: Blob, path: string): Response {
  // Vite puts a content hash in every name under /assets/, so those never change.
  const cache = path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
  return new Response(file, { headers: { ...SECURITY_HEADERS, "content-type": file.type, "cache-control": cache } });
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8" } });
}
