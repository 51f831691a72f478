import { FastWorkerError } from "../errors.ts";
import { PROTOCOL_VERSION, type AuthRole, type Reply, type ReplyOf, type Request } from "../protocol/index.ts";
import { clientProof, newNonce, proofsEqual, serverProof } from "./proofs.ts";

type Call = <T extends Reply["type"]>(frame: Request, expect: T) => Promise<ReplyOf<T>>;

/**
 * The client's half of the handshake (src/auth/gate.ts is the server's): checks the control
 * plane's proof before sending its own, so a peer squatting an address (or answering discovery)
 * without the token learns nothing and is refused.
 */
export async function authenticate(call: Call, token: string, role: AuthRole, address: string): Promise<void> {
  const nonce = newNonce();
  let challenge: ReplyOf<"auth_challenge">;
  try {
    challenge = await call({ v: PROTOCOL_VERSION, type: "auth_begin", role, nonce }, "auth_challenge");
  } catch (error) {
    if (error instanceof FastWorkerError && (error.code === "E_UNAUTHORIZED" || error.code === "E_UNKNOWN_FRAME")) {
      throw new FastWorkerError("E_UNAUTHORIZED", `the peer at ${address} cannot prove it holds the token (${error.message}); it is not the control plane you meant, or it runs without --token`, { cause: error });
    }
    throw error;
  }
  if (!proofsEqual(challenge.proof, serverProof(token, role, nonce, challenge.nonce))) {
    throw new FastWorkerError("E_UNAUTHORIZED", `the peer at ${address} failed to prove it holds the token: wrong token on one side, or not the control plane you meant`);
  }
  await call({ v: PROTOCOL_VERSION, type: "auth_prove", proof: clientProof(token, role, nonce, challenge.nonce) }, "authenticated");
}
