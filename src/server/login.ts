/**
 * The sign-in page for dashboards that need a token: a server-rendered form (it must work before
 * the GUI's scripts are allowed to load) that exchanges the token for an HttpOnly session cookie.
 */
import type { Auth } from "./auth.ts";
import { html, MAX_BODY_BYTES, redirect } from "./http.ts";

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/**
 * Where to go after signing in: a page of the dashboard (a deep link such as `/?task=…`), never
 * another site. Anything else (absolute or protocol-relative URLs, backslashes, overlong) means "/".
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || next.length > 2000 || !next.startsWith("/") || next.startsWith("//") || /[\\\s]/.test(next)) return "/";
  return next;
}

/** `base` is where the dashboard is mounted ("/" standalone, "/fastworker/" inside an app); `next` is safeNext()'s. */
export function loginPage(base: string, message?: string, next = "/"): string {
  const error = message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : "";
  const nextField = next === "/" ? "" : `<input type="hidden" name="next" value="${escapeHtml(next)}">`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · FastWorker</title>
<style>
  :root { color-scheme: light dark; --bg:#f6f7f9; --card:#fff; --fg:#0f172a; --muted:#64748b; --line:#e2e8f0; --accent:#4f46e5; }
  @media (prefers-color-scheme: dark) { :root { --bg:#0b0f17; --card:#111827; --fg:#e5e7eb; --muted:#94a3b8; --line:#1f2937; --accent:#818cf8; } }
  * { box-sizing: border-box; }
  body { margin:0; min-height:100vh; display:grid; place-items:center; background:var(--bg); color:var(--fg);
         font:15px/1.5 ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  form { width:min(380px, 92vw); background:var(--card); border:1px solid var(--line); border-radius:14px; padding:28px;
         box-shadow:0 10px 30px rgba(15,23,42,.08); }
  .brand { display:flex; align-items:center; gap:10px; font-weight:650; font-size:17px; margin-bottom:6px; }
  .logo { width:28px; height:28px; border-radius:8px; background:linear-gradient(135deg,#6366f1,#06b6d4); }
  p { color:var(--muted); margin:0 0 18px; }
  label { display:block; font-size:13px; font-weight:600; margin-bottom:6px; }
  input { width:100%; padding:10px 12px; border-radius:9px; border:1px solid var(--line); background:transparent; color:inherit; font:inherit; }
  input:focus { outline:2px solid var(--accent); outline-offset:1px; }
  button { margin-top:16px; width:100%; padding:10px; border:0; border-radius:9px; background:var(--accent); color:#fff; font:inherit; font-weight:600; cursor:pointer; }
  .error { color:#e11d48; margin:0 0 14px; font-size:14px; }
</style></head>
<body><form method="post" action="${escapeHtml(base)}login">
  <div class="brand"><span class="logo"></span>FastWorker</div>
  <p>This dashboard is protected. Enter the value of <code>FASTWORKER_GUI_TOKEN</code>.</p>
  ${error}
  <label for="token">Token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
  ${nextField}
  <button type="submit">Sign in</button>
</form></body></html>`;
}

/** POST /login: a right token gets the session cookie and goes to the dashboard; a wrong one sees the form again with a 401. */
export async function handleLogin(request: Request, auth: Auth, base = "/"): Promise<Response> {
  if (!auth.required) return redirect(base);
  const type = request.headers.get("content-type") ?? "";
  const text = (await request.text()).slice(0, MAX_BODY_BYTES);
  const form = /^application\/json\b/i.test(type) ? undefined : new URLSearchParams(text);
  const token = form ? (form.get("token") ?? "") : tokenFromJson(text);
  const next = safeNext(form?.get("next"));
  // The app sees paths below its mount point: "/?task=x" of an app at /fastworker/ is /fastworker/?task=x.
  if (token && auth.matches(token)) return redirect(`${base}${next.slice(1)}`, { "set-cookie": auth.sessionCookie() });
  return html(loginPage(base, token ? "That token is not right." : "Enter the token.", next), 401);
}

function tokenFromJson(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === "object" && body !== null && "token" in body && typeof body.token === "string" ? body.token : "";
  } catch {
    return ""; // not JSON: treated as no token, and the form says so
  }
}

export function handleLogout(auth: Auth, base = "/"): Response {
  return redirect(`${base}login`, { "set-cookie": auth.clearCookie() });
}
