import * as v from "valibot";
import { Version } from "./fields.ts";

/**
 * The authentication handshake (docs/protocol.md, "Authentication"): a mutual HMAC-SHA256
 * challenge-response over the connection (NNG pipe) it authenticates. Both nonces are 32 random
 * bytes in hex; proofs are HMAC-SHA256 in hex (src/auth/proofs.ts says what is signed).
 */
const Nonce = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
const Proof = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
export const AuthRoleSchema = v.picklist(["client", "worker"]);

/** Client -> control plane: "I am a client (or a subworker); here is my nonce". */
export const authBegin = v.object({ v: Version, type: v.literal("auth_begin"), role: AuthRoleSchema, nonce: Nonce });
/** Client -> control plane: the client's proof over both nonces. */
export const authProve = v.object({ v: Version, type: v.literal("auth_prove"), proof: Proof });

/** Control plane -> client: its nonce and its proof (so the client knows the server holds the token too). */
export const authChallenge = v.object({ v: Version, type: v.literal("auth_challenge"), nonce: Nonce, proof: Proof });
/** Control plane -> client: this connection is now authenticated for `role`. */
export const authenticated = v.object({ v: Version, type: v.literal("authenticated"), role: AuthRoleSchema });

export type AuthRole = v.InferOutput<typeof AuthRoleSchema>;
