/**
 * The journal writer thread's code as one self-contained script, or undefined when running from
 * source. Like the pool's (src/pool/worker-source.ts): the package build (scripts/build-package.ts)
 * replaces this module with the bundled journal-writer.ts as a string, so the published JavaScript
 * starts the writer from a blob URL and keeps working after an app is bundled again.
 */
export const BUNDLED_JOURNAL_WRITER_SOURCE: string | undefined = undefined;
