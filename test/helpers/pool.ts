/**
 * What the WorkerPool unit tests (pool.test.ts, pool-handlers.test.ts) share: jobs with unique ids,
 * pools that are always closed after each test, and outcome checks that say what came instead.
 */
import { afterEach, expect } from "bun:test";
import { WorkerPool, type PoolJob, type PoolOutcome, type WorkerPoolOptions } from "../../src/pool/index.ts";

/** A job factory whose ids are `<prefix>-1`, `<prefix>-2`, …: unique within the file. */
export function jobFactory(prefix: string): (name: string, args?: unknown[], extra?: Partial<PoolJob>) => PoolJob {
  let nextId = 0;
  return (name, args = [], extra = {}) => ({ id: `${prefix}-${++nextId}`, name, args, attempt: 1, priority: "normal", ...extra });
}

export interface PoolStarter {
  /** A started pool: `defaults` under these options. */
  start(options?: Partial<WorkerPoolOptions>): Promise<WorkerPool>;
  /** Closes a pool the test built itself after the test too (one whose start() is what is tested). */
  closeAfter<P extends WorkerPool>(pool: P): P;
}

/**
 * Starts pools with `defaults` under each call's options; every pool it started (or was given) is
 * closed after each test. This registers the file's afterEach: call it once, at the top level.
 */
export function poolStarter(defaults: WorkerPoolOptions): PoolStarter {
  const pools: WorkerPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
  });
  const closeAfter = <P extends WorkerPool>(pool: P): P => (pools.push(pool), pool);
  return {
    closeAfter,
    async start(options = {}) {
      const pool = closeAfter(new WorkerPool({ ...defaults, ...options }));
      await pool.start();
      return pool;
    },
  };
}

/** The result of a successful outcome; a failure fails the test with its code and message. */
export function expectOk(outcome: PoolOutcome): unknown {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result;
}

/** A failed outcome with error `code`; a success fails the test with its result. */
export function expectFailure(outcome: PoolOutcome, code: string): Extract<PoolOutcome, { ok: false }> {
  if (outcome.ok) throw new Error(`expected ${code}, got success with ${JSON.stringify(outcome.result)}`);
  expect(outcome.error.code).toBe(code);
  return outcome;
}
