/**
 * Builds what the package publishes (run by `prepack`, so `bun pm pack` and `npm publish` always
 * ship a fresh build):
 * - dist/js/: the JavaScript of the `fastworker` and `fastworker/elysia` entries, bundled by Bun
 *   with dependencies left as imports. It sits two levels below the package root, like src/*,
 *   so paths found from a module's own location (gui/dist) are the same in both.
 * - the pool Worker bundled whole (dependencies included) into a string inside that JavaScript
 *   (see src/pool/worker-source.ts): an app that bundles FastWorker again needs no extra entry point.
 * - dist/types/: .d.ts declarations for every module, with relative imports ending in .js so that
 *   any consumer's TypeScript settings resolve them.
 */
import { rmSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const dist = join(root, "dist");

async function bundle(config: Bun.BuildConfig): Promise<Bun.BuildOutput> {
  const output = await Bun.build({ throw: false, ...config });
  if (!output.success) {
    for (const message of output.logs) console.error(message);
    throw new Error(`build of ${config.entrypoints.join(", ")} failed`);
  }
  return output;
}

function rewriteDeclarationImports(dir: string): number {
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, "utf8");
    // `from "./x.ts"` and `import("./x.ts")`: .js is what every moduleResolution maps to x.d.ts.
    writeFileSync(file, text.replace(/(["'])(\.{1,2}\/[^"']*)\.ts\1/g, "$1$2.js$1"));
    files++;
  }
  return files;
}

rmSync(dist, { recursive: true, force: true });

const worker = await bundle({ entrypoints: [join(root, "src/pool/worker-entry.ts")], target: "bun", format: "esm" });
const workerSource = await worker.outputs[0]!.text();

const library = await bundle({
  entrypoints: [join(root, "src/index.ts"), join(root, "src/server/elysia-plugin.ts")],
  outdir: join(dist, "js"),
  target: "bun",
  format: "esm",
  splitting: true,
  packages: "external",
  naming: { entry: "[name].js", chunk: "chunk-[hash].js" },
  plugins: [{
    name: "fastworker-bundled-worker",
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]pool[\\/]worker-source\.ts$/ }, () => ({
        contents: `export const BUNDLED_WORKER_SOURCE = ${JSON.stringify(workerSource)};\n`,
        loader: "js",
      }));
    },
  }],
});

const tsc = Bun.spawnSync([join(root, "node_modules/.bin/tsc"), "-p", join(root, "tsconfig.build.json")], { cwd: root, stdout: "inherit", stderr: "inherit" });
if (tsc.exitCode !== 0) throw new Error(`declaration build failed (tsc exit ${tsc.exitCode})`);
const declarations = rewriteDeclarationImports(join(dist, "types"));

console.log(`dist/js: ${library.outputs.length} files (pool Worker ${Math.round(workerSource.length / 1024)} KiB inlined); dist/types: ${declarations} declarations`);
