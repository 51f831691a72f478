/**
 * The CSRF check for the dashboard's writes: is this unsafe request from a page of the
 * dashboard itself (or from an origin the operator allowed)? One small function, so the CORS
 * allow-list plugs in as `isAllowedOrigin` and nothing else has to change.
 *
 * Browsers tell us in two ways. `Sec-Fetch-Site` (every current browser) is set by the browser
 * itself and no page can forge it: "same-origin" is the dashboard's own page, "none" is the user
 * acting directly (typed URL, bookmark). A request without it (curl, scripts, old browsers)
 * falls back to comparing `Origin` with the Host it was sent to. `Origin: null` (sandboxed
 * frames, file://, or a strict Referrer-Policy in some browsers) matches no host and is refused
 * unless Sec-Fetch-Site vouches for it.
 */

/** Origins (scheme://host[:port]) allowed to write besides the dashboard's own; default none. */
export type OriginAllowed = (origin: string) => boolean;

const UNSAFE = (method: string): boolean => method !== "GET" && method !== "HEAD";

/** Why an unsafe request must be refused as cross-origin, or undefined when it may go on. */
export function crossOriginRefusal(request: Request, isAllowedOrigin: OriginAllowed = () => false): string | undefined {
  if (!UNSAFE(request.method)) return undefined;
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== "null" && isAllowedOrigin(origin)) return undefined;
  const site = request.headers.get("sec-fetch-site")?.toLowerCase();
  if (site === "same-origin" || site === "none") return undefined;
  if (site === "cross-site" || site === "same-site") {
    return `cross-origin ${request.method} from ${origin ?? "another site"} refused (Sec-Fetch-Site: ${site})`;
  }
  // No Sec-Fetch-Site: not a current browser. Without Origin it is not a cross-site browser request either.
  if (origin === null) return undefined;
  // Host only, not scheme: behind a TLS-terminating proxy the page is https and we see http.
  if (hostOf(origin) === new URL(request.url).host) return undefined;
  return `cross-origin ${request.method} from ${origin} refused`;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // "null" or garbage: matches no host, so it is refused
  }
}
