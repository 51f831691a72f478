// Token access to the dashboard: bearer header, login form and session cookie, wrong tokens, sign-out.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ApiErrorBody } from "../../src/server/api-types.ts";
import { SESSION_COOKIE } from "../../src/server/auth.ts";
import { startInProcess, type InProcess } from "./fixture.ts";

const TOKEN = "correct-horse-battery-staple-42";
let d: InProcess;

beforeAll(async () => {
  d = await startInProcess({ token: TOKEN, host: "0.0.0.0", events: { snapshotIntervalMs: 0 } });
});
afterAll(async () => {
  await d.stop();
});

const login = (token: string) =>
  d.call("/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token }).toString() });

describe("with FASTWORKER_GUI_TOKEN set", () => {
  test("API calls without the token are 401 JSON with WWW-Authenticate", async () => {
    for (const [method, path] of [["GET", "/api/status"], ["GET", "/api/events"], ["POST", "/api/tasks/x/cancel"], ["GET", "/api/nope"]] as const) {
      const r = await d.call(path, { method });
      expect(r.status, path).toBe(401);
      expect(r.headers.get("www-authenticate")).toContain("Bearer");
      expect(((await r.json()) as ApiErrorBody).error.code).toBe("E_UNAUTHORIZED");
    }
  });

  test("the right bearer token passes, a wrong one (of any length) is 401", async () => {
    expect((await d.call("/api/status", { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    for (const wrong of [TOKEN.slice(0, -1), `${TOKEN}x`, "x", TOKEN.toUpperCase()]) {
      const r = await d.call("/api/status", { headers: { authorization: `Bearer ${wrong}` } });
      expect(r.status).toBe(401);
      expect(((await r.json()) as ApiErrorBody).error.message).toBe("wrong token");
    }
  });

  test("the page sends visitors without a session to the login form", async () => {
    const page = await d.call("/");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/login");
    const asset = await d.call("/assets/anything.js");
    expect(asset.status).toBe(303);
    const form = await d.call("/login");
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="token"');
  });

  test("a wrong token at the login form shows it again with a 401 and sets no cookie", async () => {
    const r = await login("guess");
    expect(r.status).toBe(401);
    expect(r.headers.get("set-cookie")).toBeNull();
    expect(await r.text()).toContain("not right");
  });

  test("the right token sets an HttpOnly session cookie that opens the page and the API; sign-out clears it", async () => {
    const r = await login(TOKEN);
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/");
    const setCookie = r.headers.get("set-cookie")!;
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    // The cookie is derived from the token, never the token itself.
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(";")[0]!;
    const api = await d.call("/api/status", { headers: { cookie } });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { auth_required: boolean }).auth_required).toBe(true);
    const page = await d.call("/", { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const forged = await d.call("/api/status", { headers: { cookie: `${SESSION_COOKIE}=${"0".repeat(64)}` } });
    expect(forged.status).toBe(401);
    const out = await d.call("/logout", { method: "POST", headers: { cookie } });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
  });

  test("a deep link survives the login form, and only a page of the dashboard can be the way back", async () => {
    const away = await d.call("/?task=abc&status=failure");
    expect(away.status).toBe(303);
    expect(away.headers.get("location")).toBe(`/login?next=${encodeURIComponent("/?task=abc&status=failure")}`);
    const form = await (await d.call(away.headers.get("location")!)).text();
    expect(form).toContain('name="next" value="/?task=abc&amp;status=failure"');
    const signIn = (next: string) =>
      d.call("/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: TOKEN, next }).toString() });
    expect((await signIn("/?task=abc&status=failure")).headers.get("location")).toBe("/?task=abc&status=failure");
    for (const evil of ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "/ x"]) {
      expect((await signIn(evil)).headers.get("location"), evil).toBe("/");
    }
  });

  test("any Host name is accepted once the token is checked (the token, not the name, protects it)", async () => {
    const r = await d.app.handle(new Request("http://dashboard.example:8080/api/status", { headers: { authorization: `Bearer ${TOKEN}` } }));
    expect(r.status).toBe(200);
  });
});
