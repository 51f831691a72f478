// Builds the dashboard GUI into gui/dist (committed, so users need only Bun): `bun run build:gui`.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import vue from "@vitejs/plugin-vue";
import { defineConfig, type Plugin } from "vite";
import { computeGuiSourceHash } from "./source-hash.ts";

const root = dirname(fileURLToPath(import.meta.url));

/** Writes dist/.source-hash after the bundle, for test/server/gui-dist.test.ts. */
function sourceHash(): Plugin {
  return {
    name: "fastworker-source-hash",
    apply: "build",
    closeBundle() {
      writeFileSync(join(root, "dist", ".source-hash"), `${computeGuiSourceHash(root)}\n`);
    },
  };
}

export default defineConfig({
  root,
  // Relative, so the same build serves at "/" and under a prefix (fastworker/elysia mounts it at /fastworker/).
  base: "./",
  plugins: [vue(), tailwindcss(), sourceHash()],
  define: {
    __VUE_OPTIONS_API__: "false",
    __VUE_PROD_DEVTOOLS__: "false",
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: "false",
  },
  build: {
    outDir: join(root, "dist"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
  },
  // `bunx --bun vite --config gui/vite.config.ts` serves the GUI with hot reload against a control plane on :8080.
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
