/**
 * The dashboard's CORS allow-list (--gui-cors-origin / FASTWORKER_GUI_CORS_ORIGIN): pages on
 * these origins may call the JSON API from a browser (with the token, when one is set). Nothing
 * else gets CORS headers, so by default only the dashboard's own pages can read its API.
 */
import { ConfigError } from "../errors.ts";

const ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE";
const ALLOWED_HEADERS = "authorization, content-type";
const PREFLIGHT_MAX_AGE_S = 600;
const MAX_ORIGINS = 64;

/**
 * Parses a comma-separated list of origins (scheme://host[:port]) into their canonical form.
 * "*" is refused: the dashboard can cancel and submit tasks, so every origin must be named.
 * @throws ConfigError (E_CONFIG) naming the bad entry.
 */
export function parseCorsOrigins(raw: string): string[] {
  const entries = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (entries.length > MAX_ORIGINS) throw new ConfigError(`at most ${MAX_ORIGINS} CORS origins, got ${entries.length}`);
  return entries.map((entry) => {
    if (entry === "*") throw new ConfigError('CORS origin "*" is not allowed: the dashboard can change tasks, so name each origin, e.g. https://ops.example.com');
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new ConfigError(`CORS origin "${entry}" is not a URL like https://ops.example.com`);
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.origin !== entry.replace(/\/$/, "")) {
      throw new ConfigError(`CORS origin "${entry}" must be just scheme://host[:port] (http or https, no path), e.g. ${url.origin}`);
    }
    return url.origin;
  });
}

export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.origins = new Set(origins);
  }

  get enabled(): boolean {
    return this.origins.size > 0;
  }

  allows(origin: string | null): boolean {
    return origin !== null && this.origins.has(origin);
  }

  /** The answer to a preflight (OPTIONS with Access-Control-Request-Method) from an allowed origin, else undefined. */
  preflight(request: Request): Response | undefined {
    const origin = request.headers.get("origin");
    if (request.method !== "OPTIONS" || !request.headers.has("access-control-request-method") || !this.allows(origin)) return undefined;
    return new Response(null, {
      status: 204,
      headers: {
        "access-control-allow-origin": origin!,
        "access-control-allow-methods": ALLOWED_METHODS,
        "access-control-allow-headers": ALLOWED_HEADERS,
        "access-control-max-age": String(PREFLIGHT_MAX_AGE_S),
        vary: "Origin",
      },
    });
  }

  /** Adds the CORS headers to a response for an allowed origin; `Vary: Origin` whenever the list is on, for caches. */
  decorate(request: Request, response: Response): void {
    if (!this.enabled) return;
    response.headers.append("vary", "Origin");
    const origin = request.headers.get("origin");
    if (this.allows(origin)) response.headers.set("access-control-allow-origin", origin!);
  }
}
