import { ConfigError, FastWorkerError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { encodeFrame, errorFrame, PROTOCOL_VERSION, type AuthRole, type Request, type RequestOf } from "../protocol/index.ts";
import { clientProof, newNonce, proofsEqual, serverProof } from "./proofs.ts";

export interface TransportAuth {
  /** Shared secret of clients (and of subworkers when no worker token is set). */
  token?: string;
  /** When set, only its holders may hello / lease / report / bye; the plain token then submits, reads and cancels. */
  workerToken?: string;
}

/** Requests only subworkers make. */
const WORKER_REQUESTS = new Set<Request["type"]>(["hello", "lease", "report", "bye"]);

interface Pending {
  role: AuthRole;
  clientNonce: string;
  serverNonce: string;
}

/**
 * The control plane's door: runs before the request router, per connection (NNG pipe). Without
 * a token configured it lets everything through. With one, a connection must pass the
 * challenge-response first; after that each request costs one Map lookup.
 */
export class AuthGate {
  /** Authenticated connections and their role. */
  private readonly roles = new Map<number, AuthRole>();
  /** Challenges sent and not yet answered (at most one per connection). */
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly auth: TransportAuth, private readonly log: Logger) {
    if (auth.workerToken !== undefined && auth.token === undefined) {
      throw new ConfigError("a worker token needs a token too (clients use the token, subworkers the worker token): set FASTWORKER_TOKEN");
    }
  }

  get enabled(): boolean {
    return this.auth.token !== undefined;
  }

  /** A reply when the gate answers the request itself (handshake or refusal); undefined lets it through. */
  admit(request: Request, pipe: number): Uint8Array | undefined {
    if (request.type === "auth_begin") return this.begin(request, pipe);
    if (request.type === "auth_prove") return this.prove(request, pipe);
    if (!this.enabled) return undefined;
    const role = this.roles.get(pipe);
    if (role === undefined) return unauthorized("authenticate first: this control plane requires a token (--token / FASTWORKER_TOKEN)");
    if (role === "client" && this.auth.workerToken !== undefined && WORKER_REQUESTS.has(request.type)) {
      return unauthorized(`${request.type} needs the worker token (--worker-token / FASTWORKER_WORKER_TOKEN)`);
    }
    return undefined;
  }

  /** True once the connection proved a token (with no token configured: never, nothing is proved). */
  authenticated(pipe: number): boolean {
    return this.roles.has(pipe);
  }

  /** The connection is gone: forget what it proved. */
  forget(pipe: number): void {
    this.roles.delete(pipe);
    this.pending.delete(pipe);
  }

  private keyFor(role: AuthRole): string | undefined {
    return role === "worker" ? (this.auth.workerToken ?? this.auth.token) : this.auth.token;
  }

  private begin(request: RequestOf<"auth_begin">, pipe: number): Uint8Array {
    const key = this.keyFor(request.role);
    if (key === undefined) {
      // Proving anything here would be a lie: a client that insists on a token must not trust us.
      return errorFrame(new FastWorkerError("E_UNAUTHORIZED", "this control plane has no token configured, so it cannot prove it holds yours"));
    }
    const serverNonce = newNonce();
    // A connection that is already authenticated keeps its role until the new proof arrives, so requests in flight still pass.
    this.pending.set(pipe, { role: request.role, clientNonce: request.nonce, serverNonce });
    return encodeFrame({ v: PROTOCOL_VERSION, type: "auth_challenge", nonce: serverNonce, proof: serverProof(key, request.role, request.nonce, serverNonce) });
  }

  private prove(request: RequestOf<"auth_prove">, pipe: number): Uint8Array {
    const pending = this.pending.get(pipe);
    this.pending.delete(pipe); // one answer per challenge: a wrong guess costs a new auth_begin
    const key = pending && this.keyFor(pending.role);
    if (!pending || key === undefined) return unauthorized("send auth_begin on this connection first");
    if (!proofsEqual(request.proof, clientProof(key, pending.role, pending.clientNonce, pending.serverNonce))) {
      this.log("warn", "a peer failed authentication (wrong token)", { pipe, role: pending.role });
      return unauthorized("authentication failed: wrong token");
    }
    this.roles.set(pipe, pending.role);
    return encodeFrame({ v: PROTOCOL_VERSION, type: "authenticated", role: pending.role });
  }
}

function unauthorized(message: string): Uint8Array {
  return errorFrame(new FastWorkerError("E_UNAUTHORIZED", message));
}
