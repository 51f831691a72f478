/**
 * What the active/standby tests (test/ha/) share: one throw-away PostgreSQL per file, and
 * control planes started on it as the CLI starts them, each process cleaned up by PID.
 */
import { afterAll, beforeAll } from "bun:test";
import { startPostgres, type Postgres } from "./postgres.ts";
import { killAll, startProcess, type Started } from "./processes.ts";

/** A PostgreSQL started before the file's tests and stopped after them, once every process they started is killed. */
export function postgresForFile(): { readonly pg: Postgres } {
  let pg: Postgres | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await killAll();
    await pg?.stop();
  });
  return {
    get pg(): Postgres {
      if (pg === undefined) throw new Error("PostgreSQL is not started yet (use it inside a test)");
      return pg;
    },
  };
}

export interface HaControlPlaneOptions {
  leaseMs: number;
  tasks?: string;
  concurrency?: number;
  /** Announce on this discovery address; default --no-discovery. */
  discovery?: string;
  /** Serve the dashboard on this port; default --no-gui. */
  guiPort?: number;
  args?: string[];
  env?: Record<string, string>;
}

/** `fastworker control-plane` on the journal at `url`, listening on `address`. */
export function startHaControlPlane(url: string, address: string, options: HaControlPlaneOptions): Started {
  return startProcess([
    "bin/fastworker.ts", "control-plane", "--task-modules", options.tasks ?? "test/fixtures/core-tasks.ts", "--base-address", address,
    ...(options.discovery ? ["--discovery-address", options.discovery] : ["--no-discovery"]),
    ...(options.guiPort !== undefined ? ["--gui-port", String(options.guiPort)] : ["--no-gui"]),
    "--concurrency", String(options.concurrency ?? 1), "--leader-lease-ms", String(options.leaseMs), ...(options.args ?? []),
  ], { env: { FASTWORKER_JOURNAL_URL: url, ...options.env } });
}

const EPOCH = /leader:\s+epoch (\d+)/;

/** The epoch a control plane printed when it became the leader ("leader: epoch N"). */
export function epochOf(cp: Started): number {
  const match = EPOCH.exec(cp.output());
  if (!match) throw new Error(`no "leader: epoch N" line in the output of a control plane that said ready:\n${cp.output()}`);
  return Number(match[1]);
}

/**
 * The usual pair on one journal: `start(addresses[0])` becomes the leader (waited for until it is
 * ready), then `start(addresses[1])` joins as its standby (waited for until it names the leader).
 */
export async function startLeaderThenStandby(start: (address: string) => Started, addresses: readonly [string, string]): Promise<[Started, Started]> {
  const leader = start(addresses[0]);
  await leader.waitFor(/control plane .* ready/);
  const standby = start(addresses[1]);
  await standby.waitFor(/standby: the leader is /);
  return [leader, standby];
}
