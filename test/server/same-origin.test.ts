// The CSRF check: the dashboard's own pages may write (however the browser labels them), other
// sites may not, even with a valid session cookie riding along.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ApiErrorBody } from "../../src/server/api-types.ts";
import { crossOriginRefusal } from "../../src/server/same-origin.ts";
import { startInProcess, type InProcess } from "./fixture.ts";

const TOKEN = "same-origin-test-token-0123456789";
let d: InProcess;

beforeAll(async () => {
  d = await startInProcess({ token: TOKEN, host: "0.0.0.0", events: { snapshotIntervalMs: 0 } });
});
afterAll(async () => {
  await d.stop();
});

const post = (headers: Record<string, string>) => new Request("http://dash.example:8080/api/tasks", { method: "POST", headers });

describe("crossOriginRefusal", () => {
  test("reads and the dashboard's own writes pass", () => {
    expect(crossOriginRefusal(new Request("http://dash.example:8080/api/status", { headers: { origin: "http://evil.example" } }))).toBeUndefined();
    expect(crossOriginRefusal(post({ origin: "http://dash.example:8080" }))).toBeUndefined();
    // Behind a TLS-terminating proxy the page is https while the server sees http.
    expect(crossOriginRefusal(post({ origin: "https://dash.example:8080" }))).toBeUndefined();
    // Chromium's form post under a strict Referrer-Policy: Origin null, but the browser vouches for the site.
    expect(crossOriginRefusal(post({ origin: "null", "sec-fetch-site": "same-origin" }))).toBeUndefined();
    expect(crossOriginRefusal(post({ "sec-fetch-site": "none" }))).toBeUndefined();
    // curl and scripts send neither header: not a browser on another site.
    expect(crossOriginRefusal(post({}))).toBeUndefined();
  });

  test("other sites are refused, whatever Origin they show", () => {
    expect(crossOriginRefusal(post({ origin: "http://evil.example", "sec-fetch-site": "cross-site" }))).toContain("refused");
    // A page on the dashboard's host but another port is another origin (and the browser says so).
    expect(crossOriginRefusal(post({ origin: "http://dash.example:9999", "sec-fetch-site": "same-site" }))).toContain("same-site");
    // The Origin header cannot launder a cross-site request: Sec-Fetch-Site wins.
    expect(crossOriginRefusal(post({ origin: "http://dash.example:8080", "sec-fetch-site": "cross-site" }))).toContain("refused");
    // Without Sec-Fetch-Site, an older browser's Origin is compared with the Host.
    expect(crossOriginRefusal(post({ origin: "http://evil.example" }))).toBe("cross-origin POST from http://evil.example refused");
    expect(crossOriginRefusal(post({ origin: "null" }))).toBe("cross-origin POST from null refused");
  });

  test("an allow-listed origin passes, others stay refused", () => {
    const allowed = (origin: string) => origin === "https://ops.example";
    expect(crossOriginRefusal(post({ origin: "https://ops.example", "sec-fetch-site": "cross-site" }), allowed)).toBeUndefined();
    expect(crossOriginRefusal(post({ origin: "https://evil.example", "sec-fetch-site": "cross-site" }), allowed)).toContain("refused");
    expect(crossOriginRefusal(post({ origin: "null", "sec-fetch-site": "cross-site" }), () => true)).toContain("refused");
  });
});

describe("the dashboard app", () => {
  test("sends Referrer-Policy same-origin, so browsers post forms with a real Origin", async () => {
    const r = await d.call("/login");
    expect(r.headers.get("referrer-policy")).toBe("same-origin");
  });

  test("the login form posted the way Chromium posts it signs in", async () => {
    const r = await d.call("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "null", "sec-fetch-site": "same-origin" },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    expect(r.status).toBe(303);
    expect(r.headers.get("set-cookie")).toContain("fastworker_session=");
  });

  test("an attacker's page cannot write with the victim's session cookie (nor sign them in)", async () => {
    const signedIn = await d.call("/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: TOKEN }).toString() });
    const cookie = signedIn.headers.get("set-cookie")!.split(";")[0]!;
    for (const path of ["/api/tasks", "/api/tasks/retry-failed", "/api/tasks/clean", "/logout"]) {
      const r = await d.call(path, {
        method: "POST",
        headers: { cookie, origin: "http://evil.example", "sec-fetch-site": "cross-site", "content-type": "application/json" },
        body: '{"name":"add","args":[1,2]}',
      });
      expect(r.status, path).toBe(403);
      expect(((await r.json()) as ApiErrorBody).error.code).toBe("E_FORBIDDEN");
    }
    const login = await d.call("/login", {
      method: "POST",
      headers: { origin: "null", "sec-fetch-site": "cross-site", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    expect(login.status).toBe(403);
    expect(login.headers.get("set-cookie")).toBeNull();
    // The same cookie from the dashboard's own page works.
    const own = await d.call("/api/tasks", { method: "POST", headers: { cookie, "sec-fetch-site": "same-origin", "content-type": "application/json" }, body: '{"name":"add","args":[1,2]}' });
    expect(own.status).toBe(201);
  });
});
