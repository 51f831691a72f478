// One module of a task package: every file in examples/package/ is a task module, and the control
// plane loads the whole folder (no index.ts needed; files are imported in name order):
//
//   bun bin/fastworker.ts control-plane --task-modules examples/package/
//   bun bin/fastworker.ts submit --task-name images.thumbnail_size --args 4000 3000 640
//   bun bin/fastworker.ts submit --task-name images.histogram --args '[0,12,200,255,90]' 4
//
// (Installed as a package, `fastworker ...` instead of `bun bin/fastworker.ts ...`.)
import { NonRetryable, task } from "fastworker";

/** The size of a thumbnail that fits in maxSide x maxSide, keeping the aspect ratio. */
export const thumbnailSize = task(
  { name: "images.thumbnail_size", description: "Fits an image into a square box, keeping its aspect ratio" },
  (width: number, height: number, maxSide: number) => {
    if (width <= 0 || height <= 0 || maxSide <= 0) throw new NonRetryable(`sizes must be positive, got ${width}x${height} into ${maxSide}`);
    const scale = Math.min(1, maxSide / Math.max(width, height));
    return { width: Math.round(width * scale), height: Math.round(height * scale) };
  },
);

/** Counts 8-bit grey levels into `buckets` equal ranges. */
export const histogram = task(
  { name: "images.histogram", description: "Buckets 8-bit grey levels" },
  (pixels: number[], buckets: number) => {
    const counts = new Array<number>(buckets).fill(0);
    for (const p of pixels) counts[Math.min(buckets - 1, Math.floor((p / 256) * buckets))] += 1;
    return counts;
  },
);
