// Typed calls to the dashboard's JSON API; every failure becomes an ApiRequestError with the server's code.
import type { ApiErrorBody } from "./types.ts";

export class ApiRequestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "ApiRequestError";
  }
}

/**
 * Where a path of ours points: relative to the page, so one build works at "/" (the standalone
 * dashboard) and under a prefix such as "/fastworker/" (mounted in an app). A leading slash is
 * dropped for the same reason: "/api/status" and "api/status" both mean <page base>api/status.
 */
export function relativeToPage(path: string): string {
  return new URL(path.replace(/^\/+/, ""), document.baseURI).href;
}

async function request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(relativeToPage(path), {
      method,
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      credentials: "same-origin",
    });
  } catch (error) {
    throw new ApiRequestError(0, "E_UNAVAILABLE", `the dashboard server did not answer (${error instanceof Error ? error.message : String(error)})`);
  }
  if (response.status === 401) {
    // The session ended (or never began): the login form takes over.
    window.location.assign(relativeToPage("login"));
    throw new ApiRequestError(401, "E_UNAUTHORIZED", "sign-in required");
  }
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = isErrorBody(parsed) ? parsed.error : { code: `HTTP_${response.status}`, message: text || response.statusText };
    throw new ApiRequestError(response.status, error.code, error.message);
  }
  return parsed as T;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  return typeof value === "object" && value !== null && "error" in value && typeof value.error === "object" && value.error !== null;
}

export const getJson = <T>(path: string): Promise<T> => request<T>("GET", path);
export const postJson = <T>(path: string, body?: unknown): Promise<T> => request<T>("POST", path, body);
