import { SQL } from "bun";
import { hostname } from "node:os";
import { NotLeaderError } from "../errors.ts";
import { LeaderElector, LeaderLease, type FencingToken, type Role } from "../ha/index.ts";
import type { Logger } from "../log.ts";
import { RepSocket, type TlsOptions } from "../nng/index.ts";
import { decodeRequest, encodeFrame, errorFrame, FASTWORKER_VERSION, PROTOCOL_VERSION, type Request } from "../protocol/index.ts";
import { journalOpenError, parseJournalUrl } from "../store/index.ts";

/** A standby reads only small frames (it answers E_NOT_LEADER to everything but its own status). */
const STANDBY_MAX_FRAME_BYTES = 64 * 1024;

/** What a standby says of itself to `status` with `standby: true` (`fastworker status` asks every address). */
function standbyStatus(holderId: string, startedAt: number, role: Role, leader: string | undefined): Uint8Array {
  const epoch = role.role === "standby" && role.leader !== undefined && !role.leader.expired ? role.leader.epoch : undefined;
  return encodeFrame({
    v: PROTOCOL_VERSION, type: "status_reply", cpId: holderId, version: FASTWORKER_VERSION, protocol: PROTOCOL_VERSION, startedAt,
    queues: { critical: 0, high: 0, normal: 0, low: 0 }, scheduled: 0, running: 0, workers: [], workersTotal: 0,
    cache: { size: 0, maxSize: 0, ttlMs: 0 }, tasks: [],
    role: "standby", ...(epoch !== undefined ? { epoch } : {}), ...(leader !== undefined ? { leader } : {}), journal: "postgres",
  });
}

export interface ElectionOptions {
  journalUrl: string;
  /** This control plane's address: what standbys name in E_NOT_LEADER, and where a standby answers. */
  address: string;
  tls?: TlsOptions;
  leaseMs: number;
  log: Logger;
  /** The command's shutdown signal: a standby waiting for the lease stops on it. */
  shutdown: Promise<string>;
  /** Called with each line to print (the standby announcement). */
  out: (line: string) => void;
}

export interface Leadership {
  /** What the journal presents with every write while this process leads. */
  token: FencingToken;
  /** Resolves with a NotLeaderError when the lease is lost (refused on renewal or run out). */
  lost: Promise<NotLeaderError>;
  /** Stops renewing and releases the lease (a graceful stop: a standby takes over at once). */
  release(): Promise<void>;
}

/**
 * Active/standby control planes on one PostgreSQL journal (--journal-url): waits until this
 * process holds the leader lease. Meanwhile it is a standby: it answers every request on its
 * address with E_NOT_LEADER naming the active control plane (clients and subworkers follow it),
 * and takes over once the leader's lease expires. Resolves with the leadership, or with the
 * shutdown signal's name when stopped first.
 */
export async function awaitLeadership(options: ElectionOptions): Promise<Leadership | string> {
  const sql = new SQL({ url: options.journalUrl, max: 2, connectionTimeout: Math.max(1, Math.ceil(options.leaseMs / 1000)) });
  const holderId = `cp-${hostname()}-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const lease = new LeaderLease(sql, { holderId, address: options.address, leaseMs: options.leaseMs });
  const leader = Promise.withResolvers<FencingToken>();
  const lost = Promise.withResolvers<NotLeaderError>();
  let led = false;
  const onChange = (role: Role) => {
    if (role.role === "leader") {
      led = true;
      leader.resolve(role.token);
    } else if (led) {
      lost.resolve(new NotLeaderError("this control plane lost the leader lease (refused on renewal, or PostgreSQL out of reach for the whole lease): it stops, so it never acts beside the new leader"));
    }
  };
  const elector = new LeaderElector(lease, { onChange, log: options.log });
  const release = async () => {
    await elector.stop();
    await sql.close({ timeout: 1 });
  };
  let first: Role;
  try {
    first = await elector.start();
  } catch (error) {
    await sql.close({ timeout: 0 });
    // The same one line as the journal gives for an unreachable or refusing server (the password redacted).
    throw journalOpenError(parseJournalUrl(options.journalUrl), error instanceof Error && error.cause !== undefined ? error.cause : error);
  }
  if (first.role === "leader") return { token: first.token, lost: lost.promise, release };

  const standby = new RepSocket({ recvMaxSize: STANDBY_MAX_FRAME_BYTES }).listen(options.address, options.tls ? { tls: options.tls } : {});
  const startedAt = Date.now();
  standby.serve((bytes) => {
    const at = elector.leaderAddress();
    let request: Request;
    try {
      request = decodeRequest(bytes, STANDBY_MAX_FRAME_BYTES);
    } catch (error) {
      return errorFrame(error); // a typed E_BAD_FRAME / E_PROTOCOL, as the active one answers
    }
    if (request.type === "status" && request.standby === true) return standbyStatus(holderId, startedAt, elector.role, at);
    return errorFrame(new NotLeaderError(`this control plane (${holderId}) is a standby${at ? `; the leader is at ${at}` : "; no leader holds the lease right now"}`, at));
  });
  const known = elector.leaderAddress();
  options.out(`FastWorker control plane ${holderId} standby: the leader is ${known ?? "not known yet"}; taking over when its lease (${options.leaseMs} ms) expires`);
  options.log("info", "standby: answering E_NOT_LEADER until the leader lease is ours", { address: options.address, leader: known ?? null });
  const outcome = await Promise.race([leader.promise, options.shutdown]);
  await standby.close();
  if (typeof outcome === "string") {
    await release();
    return outcome;
  }
  options.log("info", "took over the leader lease", { epoch: outcome.epoch });
  return { token: outcome, lost: lost.promise, release };
}
