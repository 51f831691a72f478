/**
 * HTTP plumbing shared by every route: the typed error a handler throws, and the helpers that
 * build responses with the same security headers everywhere. No routing or control-plane logic.
 */
import type { ErrorCode, WireError } from "../errors.ts";
import type { ApiErrorBody } from "./api-types.ts";

/** Codes only the HTTP layer uses, next to the library's own. */
export type ApiErrorCode = ErrorCode | "E_UNAUTHORIZED" | "E_FORBIDDEN" | "E_NOT_FOUND" | "E_INVALID_REQUEST" | "E_UNSUPPORTED_MEDIA_TYPE" | "E_PAYLOAD_TOO_LARGE";

/**
 * Thrown by handlers; the app's error hook turns it into `{ error: { code, message } }` with `status`.
 * `code` is one of ours or a code the control plane answered with (its WireError codes are strings).
 */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: ApiErrorCode | WireError["code"], message: string) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * The page talks only to its own origin; nothing may frame it or load scripts from elsewhere.
 * Styles allow 'unsafe-inline' for the server-rendered login page's <style>.
 * Referrer-Policy is same-origin, not no-referrer: with no-referrer Chromium posts the login
 * form with `Origin: null`, which the CSRF check (same-origin.ts) cannot tell from an attack.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

export function json(body: unknown, status = 200, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...extra },
  });
}

export function errorResponse(status: number, code: string, message: string, extra: Record<string, string> = {}): Response {
  const body: ApiErrorBody = { error: { code, message } };
  return json(body, status, extra);
}

export function html(body: string, status = 200, extra: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...extra },
  });
}

export function redirect(location: string, extra: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { ...SECURITY_HEADERS, location, "cache-control": "no-store", ...extra } });
}

export function isApiPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/");
}

/** Largest request body the dashboard accepts (a submitted task's arguments live in it). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads a JSON request body, insisting on the JSON content type (which also keeps cross-site form posts out). */
export async function readJsonBody(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError(415, "E_UNSUPPORTED_MEDIA_TYPE", `send the body as JSON with Content-Type: application/json (got "${type || "none"}")`);
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new ApiError(413, "E_PAYLOAD_TOO_LARGE", `request body over ${MAX_BODY_BYTES} bytes`);
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new ApiError(413, "E_PAYLOAD_TOO_LARGE", `request body over ${MAX_BODY_BYTES} bytes`);
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError(400, "E_INVALID_REQUEST", `the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
