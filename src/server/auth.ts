/**
 * Who may use the dashboard. With a token, every request must carry it (Authorization: Bearer)
 * or the session cookie the login form sets; both are compared in constant time. Without one
 * (loopback only), requests must still name a loopback host, so a web page on another site
 * cannot reach the dashboard through DNS rebinding, and cross-site writes are refused (same-origin.ts).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { crossOriginRefusal } from "./same-origin.ts";

export const SESSION_COOKIE = "fastworker_session";
const SESSION_MAX_AGE_S = 7 * 24 * 3600;

export type AuthResult = { ok: true } | { ok: false; status: 401 | 403; code: "E_UNAUTHORIZED" | "E_FORBIDDEN"; message: string };

export interface Auth {
  readonly required: boolean;
  check(request: Request): AuthResult;
  /** True when `candidate` is the token (constant time). */
  matches(candidate: string): boolean;
  sessionCookie(): string;
  clearCookie(): string;
}

const digest = (value: string): Buffer => createHash("sha256").update(value).digest();

/** Equal-length digests, so neither the token's content nor its length leaks through timing. */
function same(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

export function createAuth(options: { token?: string; host: string; secure?: boolean; corsOrigins?: readonly string[] }): Auth {
  const token = options.token;
  // The cookie carries a value derived from the token, never the token itself.
  const session = token ? createHmac("sha256", token).update("fastworker dashboard session v1").digest("hex") : "";
  const allowedHost = options.host.toLowerCase();
  // Over HTTPS the browser must never send the session cookie in clear.
  const secure = options.secure ? "; Secure" : "";
  return {
    required: token !== undefined,
    matches: (candidate) => token !== undefined && same(candidate, token),
    check(request) {
      const url = new URL(request.url);
      // Origins on the CORS allow-list (--gui-cors-origin) may write too; they still need the token, if any.
      const refusal = crossOriginRefusal(request, (origin) => options.corsOrigins?.includes(origin) === true);
      if (refusal !== undefined) return { ok: false, status: 403, code: "E_FORBIDDEN", message: refusal };
      if (token === undefined) {
        if (isLoopbackHost(url.hostname) || url.hostname.toLowerCase() === allowedHost) return { ok: true };
        return { ok: false, status: 403, code: "E_FORBIDDEN", message: `host "${url.hostname}" is not this dashboard's: open it through a loopback address such as 127.0.0.1 (or set FASTWORKER_GUI_TOKEN to serve other names)` };
      }
      const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1]?.trim();
      if (bearer !== undefined) {
        return same(bearer, token) ? { ok: true } : { ok: false, status: 401, code: "E_UNAUTHORIZED", message: "wrong token" };
      }
      const cookie = readCookie(request.headers.get("cookie"), SESSION_COOKIE);
      if (cookie !== undefined && same(cookie, session)) return { ok: true };
      return { ok: false, status: 401, code: "E_UNAUTHORIZED", message: "this dashboard needs its token: send Authorization: Bearer <FASTWORKER_GUI_TOKEN>, or sign in at /login" };
    },
    sessionCookie: () => `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MAX_AGE_S}${secure}`,
    clearCookie: () => `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure}`,
  };
}

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
