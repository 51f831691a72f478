/**
 * `fastworker status` with several --control-plane-address values: what each control plane says
 * of itself (role, epoch, journal backend), asked of every address on its own, standbys included.
 */
import { peerSecurity } from "../auth/peer-security.ts";
import type { ClusterStatus } from "../client/index.ts";
import { Connection } from "../connection/connection.ts";
import { toWireError } from "../errors.ts";
import { DEFAULT_MAX_FRAME_BYTES, PROTOCOL_VERSION } from "../protocol/index.ts";
import type { CliContext } from "./context.ts";
import { peerSecurityOptions } from "./security-args.ts";
import { connectTimeoutS, type Args } from "./shared.ts";

export interface MemberStatus {
  address: string;
  cpId?: string;
  role?: ClusterStatus["role"];
  epoch?: number;
  leader?: string;
  journal?: ClusterStatus["journal"];
  /** Why this address did not answer (E_UNAVAILABLE for one that is down). */
  error?: { code: string; message: string };
}

export async function memberStatuses(args: Args, ctx: CliContext, addresses: readonly string[]): Promise<MemberStatus[]> {
  return Promise.all(addresses.map((address) => memberStatus(args, ctx, address)));
}

async function memberStatus(args: Args, ctx: CliContext, address: string): Promise<MemberStatus> {
  // One plain connection per address, not a failing-over Client: a standby must answer for itself
  // here, not send us on to the leader.
  let connection: Connection | undefined;
  try {
    connection = new Connection(address, connectTimeoutS(args, ctx) * 1000, DEFAULT_MAX_FRAME_BYTES, peerSecurity(peerSecurityOptions(args, ctx.env), "client"));
    const s = await connection.call({ v: PROTOCOL_VERSION, type: "status", standby: true, workersLimit: 1 }, "status_reply");
    return {
      address, cpId: s.cpId, role: s.role ?? "single",
      ...(s.epoch !== undefined ? { epoch: s.epoch } : {}), ...(s.leader !== undefined ? { leader: s.leader } : {}), ...(s.journal ? { journal: s.journal } : {}),
    };
  } catch (error) {
    // One member down is what this listing is for: it is reported on its line, not raised.
    const { code, message } = toWireError(error);
    return { address, error: { code, message } };
  } finally {
    await connection?.close();
  }
}

/** One line per control plane: `tcp://a:5555  leader, epoch 3, journal postgres (cp-…)`. */
export function memberLines(members: readonly MemberStatus[]): string[] {
  return members.map((m) => {
    if (m.error) return `  ${m.address}  unreachable: ${m.error.code} ${m.error.message}`;
    const role = m.role === "standby" ? `standby${m.leader ? `, leader at ${m.leader}` : ", no leader right now"}` : m.role ?? "single";
    const epoch = m.epoch !== undefined ? `, epoch ${m.epoch}` : "";
    return `  ${m.address}  ${role}${epoch}${m.journal ? `, journal ${m.journal}` : ""} (${m.cpId})`;
  });
}

/** The role line of one control plane's own status. */
export function roleLine(status: ClusterStatus): string | undefined {
  if (status.role === undefined) return undefined;
  return `role: ${status.role}${status.epoch !== undefined ? `, epoch ${status.epoch}` : ""}${status.journal ? `; journal ${status.journal}` : ""}`;
}
