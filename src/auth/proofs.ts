import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { AuthRole } from "../protocol/index.ts";

/**
 * What each side signs in the handshake. The labels differ per direction, so a proof made by
 * one side can never be replayed as the other's; both nonces are in both proofs, so a capture
 * of one session proves nothing in the next (the server's nonce is fresh for every attempt).
 */
const LABEL = "fastworker-auth-v1";

export function newNonce(): string {
  return randomBytes(32).toString("hex");
}

function sign(token: string, direction: "server" | "client", role: AuthRole, clientNonce: string, serverNonce: string): string {
  return createHmac("sha256", token).update(`${LABEL}\n${direction}\n${role}\n${clientNonce}\n${serverNonce}`).digest("hex");
}

export function serverProof(token: string, role: AuthRole, clientNonce: string, serverNonce: string): string {
  return sign(token, "server", role, clientNonce, serverNonce);
}

export function clientProof(token: string, role: AuthRole, clientNonce: string, serverNonce: string): string {
  return sign(token, "client", role, clientNonce, serverNonce);
}

/** Constant-time comparison of two hex proofs (the schema already fixed their length). */
export function proofsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
