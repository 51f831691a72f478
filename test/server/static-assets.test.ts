// Where the GUI's files come from: gui/dist on disk, or the files embedded in a compiled binary.
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { directoryAssets, embeddedAssets, serveAsset } from "../../src/server/static-assets.ts";

describe("GUI assets", () => {
  test("files embedded with --asset gui/dist are served by URL path, the rest of the binary's files are not", async () => {
    const files = [
      new File(["<html>"], "dist/index.html", { type: "text/html" }),
      new File(["js"], "dist/assets/index-1.js", { type: "text/javascript" }),
      new File(["int main"], "native/shim.c"),
    ];
    const assets = embeddedAssets(files)!;
    expect(await assets.get("/index.html")!.text()).toBe("<html>");
    expect(await assets.get("/assets/index-1.js")!.text()).toBe("js");
    expect(assets.get("/native/shim.c")).toBeUndefined();
    const page = serveAsset(assets, "/tasks/abc");
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(embeddedAssets([new File(["x"], "other.txt")])).toBeUndefined();
    expect(embeddedAssets([])).toBeUndefined();
  });

  test("without a build the page says how to make one, and the API is unaffected", async () => {
    const empty = directoryAssets(join(mkdtempSync(join(tmpdir(), "fw-nogui-")), "dist"));
    const response = serveAsset(empty, "/");
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("bun run build:gui");
  });
});
