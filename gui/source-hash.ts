/**
 * The hash of everything the GUI build reads: gui/index.html, gui/vite.config.ts, this file,
 * gui/public/** and gui/src/**. The build writes it to gui/dist/.source-hash; a test recomputes
 * it, so a source change committed without a rebuild of the (committed) dist fails CI.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

const INPUTS = ["index.html", "vite.config.ts", "source-hash.ts", "public", "src"];

export function computeGuiSourceHash(guiDir: string): string {
  const files: string[] = [];
  for (const input of INPUTS) collect(join(guiDir, input), files);
  const hash = createHash("sha256");
  for (const file of files.map((f) => relative(guiDir, f).split(sep).join("/")).sort()) {
    // Line endings are normalized so a checkout with CRLF conversion hashes the same.
    const text = readFileSync(join(guiDir, file), "utf8").replace(/\r\n/g, "\n");
    hash.update(`${file}\0${text}\0`);
  }
  return hash.digest("hex");
}

function collect(path: string, out: string[]): void {
  if (!existsSync(path)) return;
  if (!statSync(path).isDirectory()) {
    out.push(path);
    return;
  }
  for (const name of readdirSync(path)) collect(join(path, name), out);
}
