/**
 * The pool Worker's code as one self-contained script, or undefined when running from source.
 *
 * From source (a clone, the tests, `bun run build:binary`) this stays undefined and the Worker is
 * started from worker-entry.ts beside this file. The package build (scripts/build-package.ts)
 * replaces this module with the bundled worker-entry.ts as a string, so the published JavaScript
 * starts its Workers from a blob URL: that needs no file at a known path, and so keeps working
 * after an app that uses FastWorker is bundled again, e.g. by `bun build --compile`.
 */
export const BUNDLED_WORKER_SOURCE: string | undefined = undefined;
