// The master's v0 files endpoints (reference §4.5): /files/browse, /files/read and
// /files/download over `/master/log` (the log file in --log_dir), 404 for any other path and
// 400 without a path; and on a real master without --log_dir, /master/log is 404.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { HttpServer } from "../../../src/http/server.ts";
import { registerMasterFiles } from "../../../src/master/http/legacy-files.ts";
import { MASTER_LOG_FILE } from "../../../src/master/http/operator-api-process.ts";
import { masterOnlySuite } from "./suite.ts";

describe("the master's /files endpoints over --log_dir", () => {
  let dir: string;
  let server: HttpServer;
  let url: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tessera-master-files-"));
    await writeFile(join(dir, MASTER_LOG_FILE), "line one\nline two\n");
    server = new HttpServer({ prefix: "/master" });
    registerMasterFiles(server, { log_dir: dir });
    const bound = await server.listen();
    url = `http://${bound.host}:${bound.port}`;
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("/files/read?path=/master/log reads from offset; without an offset it answers the size", async () => {
    const part = await fetch(`${url}/files/read?path=/master/log&offset=5&length=3`);
    assert.equal(part.status, 200);
    assert.deepEqual(await part.json(), { data: "one", offset: 5 });
    const size = await fetch(`${url}/files/read?path=/master/log`);
    assert.deepEqual(await size.json(), { data: "", offset: 18 });
  });

  it("/files/browse lists the log file and /files/download gives its bytes", async () => {
    const listed = (await (await fetch(`${url}/files/browse?path=/master/log`)).json()) as {
      size: number;
    }[];
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.size, 18);
    const raw = await fetch(`${url}/files/download?path=/master/log`);
    assert.equal(raw.status, 200);
    assert.equal(await raw.text(), "line one\nline two\n");
  });

  it("an unattached path is 404 and a missing path 400", async () => {
    assert.equal((await fetch(`${url}/files/read?path=${dir}&offset=0`)).status, 404);
    assert.equal((await fetch(`${url}/files/browse?path=/etc`)).status, 404);
    assert.equal((await fetch(`${url}/files/browse`)).status, 400);
  });
});

describe("a master without --log_dir", () => {
  const master = masterOnlySuite();

  it("answers /files/read?path=/master/log with 404", async () => {
    const res = await fetch(`${master.url}/files/read?path=/master/log&offset=0`);
    assert.equal(res.status, 404);
  });
});
