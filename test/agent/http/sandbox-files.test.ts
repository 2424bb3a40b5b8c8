// The agent's sandbox files API against a task that fights it (issue 18, findings 1 and 9): a
// real process swapping symlinks and directories in its sandbox while thousands of reads go
// on never gets host content served; browse describes a symlink, not what it points to; a
// link out of the run directory (to the host or another framework's sandbox) is 404, one
// inside it is followed; a FIFO does not hang the agent; a 1.5 GB sparse file downloads
// without raising the agent's memory, and a 2.1 GB one is 200 with its full length.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { browse, download, type FilesContext, read } from "../../../src/agent/http/files.ts";
import { HttpServer } from "../../../src/http/server.ts";
import { killPids } from "../../support/cluster.ts";

const HOST_SECRET = "HOST-SECRET-CONTENT";
const OTHER_SECRET = "OTHER-FRAMEWORK-SECRET";

describe("the sandbox files API never follows a link out of a run directory", () => {
  let dir: string;
  let root: string;
  let sandbox: string;
  let url: string;
  let server: HttpServer;
  const swappers: ChildProcess[] = [];

  const runDir = (fw: string, ex: string, c: string) =>
    join(root, "frameworks", fw, "executors", ex, "runs", c);
  const get = (endpoint: string, path: string, extra = "") =>
    fetch(`${url}/files/${endpoint}?path=${encodeURIComponent(path)}${extra}`);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tessera-sandbox-files-"));
    root = join(dir, "slaves", "A");
    sandbox = runDir("F", "E", "C");
    mkdirSync(sandbox, { recursive: true });
    const other = runDir("F2", "E2", "C2");
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, "secret"), OTHER_SECRET);
    mkdirSync(join(dir, "host"));
    writeFileSync(join(dir, "host", "secret"), HOST_SECRET);
    writeFileSync(join(sandbox, "ok.txt"), "sandbox content");
    const ctx: FilesContext = {
      sandboxRoot: () => root,
      latestRun: (fw, ex) => (fw === "F" && ex === "E" ? "C" : undefined),
    };
    server = new HttpServer({});
    server.route({ name: "files/browse", methods: ["GET"], handler: (r) => browse(ctx, r.query) });
    server.route({ name: "files/read", methods: ["GET"], handler: (r) => read(ctx, r.query) });
    server.route({
      name: "files/download",
      methods: ["GET"],
      handler: (r) => download(ctx, r.query),
    });
    const bound = await server.listen();
    url = `http://${bound.host}:${bound.port}`;
  });

  after(async () => {
    killPids(swappers.map((s) => s.pid ?? 0).filter((p) => p > 0));
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("a task swapping a file link and a directory for links to the host never gets host content read", async () => {
    // `link` flips between a file in the sandbox and the host's secret; `d` between a real
    // directory holding `secret` and a link to the host's directory holding one (the
    // check-then-open race of a resolved path).
    mkdirSync(join(sandbox, "real-d"));
    writeFileSync(join(sandbox, "real-d", "secret"), "sandbox secret");
    const script = `cd '${sandbox}'
      while :; do
        ln -sfn ok.txt l.tmp && mv -T l.tmp link
        ln -sfn '${join(dir, "host", "secret")}' l.tmp && mv -T l.tmp link
        rm -f d; mv real-d d; mv d real-d; ln -s '${join(dir, "host")}' d
      done`;
    const swapper = spawn("sh", ["-c", script], { stdio: "ignore", detached: true });
    swappers.push(swapper);
    let served = 0;
    const leaks: string[] = [];
    for (let i = 0; i < 2000; i++) {
      for (const path of [join(sandbox, "link"), join(sandbox, "d", "secret")]) {
        const res = await get("read", path, "&offset=0");
        const text = await res.text();
        if (res.status === 200) served++;
        if (text.includes("HOST-SECRET")) leaks.push(`read ${path}`);
      }
      if (i % 20 === 0) {
        const res = await get("download", join(sandbox, "d", "secret"));
        if ((await res.text()).includes("HOST-SECRET")) leaks.push("download");
      }
    }
    killPids([swapper.pid ?? 0]);
    assert.deepEqual(leaks, []);
    // The race was run: the sandbox's own files were served meanwhile.
    assert.ok(served > 0, "some reads of the sandbox's own files succeeded");
  });

  it("browse describes a symlink itself (lstat), not the host file it points to", async () => {
    symlinkSync("/etc/passwd", join(sandbox, "to-passwd"));
    const res = await get("browse", sandbox);
    assert.equal(res.status, 200);
    const entries = (await res.json()) as { path: string; mode: string; size: number }[];
    const entry = entries.find((e) => e.path.endsWith("/to-passwd"));
    assert.ok(entry !== undefined, "the link is listed");
    assert.equal(entry.mode[0], "l");
    assert.equal(entry.size, "/etc/passwd".length);
    assert.equal((await get("read", join(sandbox, "to-passwd"), "&offset=0")).status, 404);
    assert.equal((await get("browse", join(sandbox, "to-passwd"))).status, 404);
  });

  it("links to another framework's sandbox are 404; links inside the run directory are followed", async () => {
    symlinkSync("../../../../../F2/executors/E2/runs/C2/secret", join(sandbox, "relative-out"));
    symlinkSync(join(runDir("F2", "E2", "C2"), "secret"), join(sandbox, "absolute-out"));
    symlinkSync("ok.txt", join(sandbox, "relative-in"));
    symlinkSync(join(sandbox, "ok.txt"), join(sandbox, "absolute-in"));
    for (const name of ["relative-out", "absolute-out"]) {
      const res = await get("download", join(sandbox, name));
      assert.equal(res.status, 404, name);
      assert.ok(!(await res.text()).includes(OTHER_SECRET));
    }
    for (const name of ["relative-in", "absolute-in"]) {
      const res = await get("download", join(sandbox, name));
      assert.equal(res.status, 200, name);
      assert.equal(await res.text(), "sandbox content");
    }
    const latest = await get(
      "read",
      "/frameworks/F/executors/E/runs/latest/relative-in",
      "&offset=0",
    );
    assert.deepEqual(await latest.json(), { data: "sandbox content", offset: 0 });
    assert.equal(
      (await get("read", `${sandbox}/../../../../../F2/executors/E2/runs/C2/secret`, "&offset=0"))
        .status,
      404,
    );
  });

  it("a FIFO planted in the sandbox is 404 at once, not a hung request", async () => {
    execFileSync("mkfifo", [join(sandbox, "fifo")]);
    const res = await get("read", join(sandbox, "fifo"), "&offset=0");
    assert.equal(res.status, 404);
    assert.equal((await get("download", join(sandbox, "fifo"))).status, 404);
  });

  it("a 1.5 GB sparse file downloads in full without raising the agent's memory", async () => {
    const size = 1536 * 1024 * 1024;
    writeFileSync(join(sandbox, "sparse"), "");
    truncateSync(join(sandbox, "sparse"), size);
    const before = process.memoryUsage().rss;
    let peak = before;
    const res = await get("download", join(sandbox, "sparse"));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), String(size));
    let received = 0;
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      if (received % (64 * 1024 * 1024) < value.length) {
        peak = Math.max(peak, process.memoryUsage().rss);
      }
    }
    assert.equal(received, size);
    const grewMb = (peak - before) / (1024 * 1024);
    assert.ok(grewMb < 200, `RSS grew by ${grewMb.toFixed(0)} MB during the download`);
  });

  it("a 2.1 GB file is 200 with its whole length, not 500", async () => {
    const size = 2150 * 1024 * 1024;
    writeFileSync(join(sandbox, "huge"), "");
    truncateSync(join(sandbox, "huge"), size);
    const controller = new AbortController();
    const res = await fetch(
      `${url}/files/download?path=${encodeURIComponent(join(sandbox, "huge"))}`,
      { signal: controller.signal },
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), String(size));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    assert.ok((first.value?.length ?? 0) > 0);
    controller.abort();
    await reader.cancel().catch(() => {});
  });
});
