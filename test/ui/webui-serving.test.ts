// How a master serves the web UI (src/master/http/webui.ts): the page at `/` and assets under
// `/ui/` while leading, a 307 to the leader's `/` from a standby, 503 with one line saying how
// to build when the assets are missing, and nothing outside the assets directory.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { LeadershipView } from "../../src/http/leader.ts";
import { HttpServer } from "../../src/http/server.ts";
import { registerWebUi } from "../../src/master/http/webui.ts";

describe("the master's web UI routes", () => {
  let dir: string;
  let assets: string | undefined;
  let view: LeadershipView = { kind: "leading", recovered: true };
  let server: HttpServer;
  let url: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tessera-webui-"));
    await writeFile(join(dir, "index.html"), "<!doctype html><p>ui</p>");
    await writeFile(join(dir, "app.js"), "console.log(1)");
    await writeFile(join(dir, "secret.txt"), "no");
    assets = dir;
    server = new HttpServer({ prefix: "/master" });
    registerWebUi(
      server,
      () => view,
      () => assets,
    );
    const bound = await server.listen();
    url = `http://${bound.host}:${bound.port}`;
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("the leader answers / with the page and /ui/app.js with the bundle", async () => {
    view = { kind: "leading", recovered: true };
    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(await page.text(), "<!doctype html><p>ui</p>");
    const js = await fetch(`${url}/ui/app.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
  });

  it("a standby redirects / to the leader's /, keeping the query", async () => {
    view = { kind: "following", leader: { hostname: "10.0.0.7", port: 5050 } };
    const r = await fetch(`${url}/`, { redirect: "manual" });
    assert.equal(r.status, 307);
    assert.equal(r.headers.get("location"), "//10.0.0.7:5050/");
    const q = await fetch(`${url}/?masters=a:1,b:2`, { redirect: "manual" });
    assert.equal(q.headers.get("location"), "//10.0.0.7:5050/?masters=a:1,b:2");
    view = { kind: "leading", recovered: true };
  });

  it("without built assets / answers 503 with a one-line `npm run build` hint", async () => {
    assets = undefined;
    const r = await fetch(`${url}/`);
    assert.equal(r.status, 503);
    const text = await r.text();
    assert.match(text, /npm run build/);
    assert.equal(text.trim().split("\n").length, 1);
    assets = dir;
  });

  it("serves only known asset types and never a path that climbs out of the assets", async () => {
    assert.equal((await fetch(`${url}/ui/secret.txt`)).status, 404);
    assert.equal((await fetch(`${url}/ui/%2e%2e/%2e%2e/etc/passwd`)).status, 404);
    assert.equal((await fetch(`${url}/ui/missing.js`)).status, 404);
  });
});
