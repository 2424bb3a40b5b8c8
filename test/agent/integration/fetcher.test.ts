// The fetcher end to end (reference §8, Mesos's fetcher): a real master and agent, URIs served
// by a real local HTTP server and real files. File paths and http URLs land in the sandbox
// before the task starts; .tar.gz and .zip archives are extracted; `executable` makes a fetched
// script runnable; `cache: true` fetches a URI once for two tasks.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Cluster, sandboxFile, startCluster, terminal } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

describe("the fetcher with a real master and agent", () => {
  let cluster: Cluster;
  let server: Server;
  let base: string;
  let files: string;
  /** Requests the server saw, by path. */
  const requests = new Map<string, number>();

  before(async () => {
    files = mkdtempSync(join(tmpdir(), "tessera-fetch-src-"));
    writeFileSync(join(files, "plain.txt"), "plain file\n");
    writeFileSync(join(files, "served.txt"), "served over http\n");
    writeFileSync(join(files, "cached.txt"), "cached once\n");
    writeFileSync(join(files, "tool.sh"), "#!/bin/sh\necho tool ran\n");
    mkdirSync(join(files, "pkg"));
    writeFileSync(join(files, "pkg", "inside.txt"), "from the tarball\n");
    execFileSync("tar", ["-czf", join(files, "pkg.tar.gz"), "-C", files, "pkg"]);
    mkdirSync(join(files, "zipped"));
    writeFileSync(join(files, "zipped", "inside.txt"), "from the zip\n");
    execFileSync("zip", ["-q", "-r", join(files, "zipped.zip"), "zipped"], { cwd: files });
    server = createServer((req, res) => {
      const path = req.url ?? "/";
      requests.set(path, (requests.get(path) ?? 0) + 1);
      try {
        const body = readFileSync(join(files, path.slice(1)));
        res.writeHead(200, { "content-type": "application/octet-stream" }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    assert.ok(typeof address === "object" && address !== null);
    base = `http://127.0.0.1:${address.port}`;
    cluster = await startCluster("fetch", { isolation: "posix/cpu,posix/mem" });
  });

  after(async () => {
    await cluster.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(files, { recursive: true, force: true });
  });

  async function runToEnd(taskId: string, command: string, uris: unknown[]) {
    await cluster.launch([commandTask(taskId, command, { command: { value: command, uris } })]);
    const end = await terminal(cluster.framework, taskId);
    const sandbox = cluster.sandbox(taskId);
    assert.equal(
      end.state,
      "TASK_FINISHED",
      `${end.status.message ?? ""}\n${sandboxFile(sandbox, "stderr")}`,
    );
    return sandbox;
  }

  it("a file path and an http URL are in the sandbox before the task starts", async () => {
    const sandbox = await runToEnd("fetch-plain", "cat plain.txt served.txt", [
      { value: join(files, "plain.txt") },
      { value: `${base}/served.txt` },
    ]);
    assert.equal(sandboxFile(sandbox, "stdout"), "plain file\nserved over http\n");
    assert.equal(requests.get("/served.txt"), 1);
  });

  it("file:// URLs and output_file are honoured", async () => {
    const sandbox = await runToEnd("fetch-named", "cat renamed.txt", [
      { value: `file://${join(files, "plain.txt")}`, output_file: "renamed.txt" },
    ]);
    assert.equal(sandboxFile(sandbox, "stdout"), "plain file\n");
  });

  it("a .tar.gz (over http) and a .zip (from a path) are extracted into the sandbox", async () => {
    const sandbox = await runToEnd("fetch-archives", "cat pkg/inside.txt zipped/inside.txt", [
      { value: `${base}/pkg.tar.gz` },
      { value: join(files, "zipped.zip") },
    ]);
    assert.equal(sandboxFile(sandbox, "stdout"), "from the tarball\nfrom the zip\n");
  });

  it("an archive with extract false is left as it is", async () => {
    const sandbox = await runToEnd("fetch-no-extract", "test -f pkg.tar.gz && test ! -e pkg", [
      { value: join(files, "pkg.tar.gz"), extract: false },
    ]);
    assert.ok(sandbox !== undefined);
  });

  it("`executable` makes a fetched script runnable", async () => {
    const sandbox = await runToEnd("fetch-exec", "./tool.sh", [
      { value: `${base}/tool.sh`, executable: true },
    ]);
    assert.equal(sandboxFile(sandbox, "stdout"), "tool ran\n");
  });

  it("a URI with cache true is fetched once for two tasks", async () => {
    const uri = { value: `${base}/cached.txt`, cache: true };
    // Both tasks on one offer: they launch at the same time and share the download.
    const agentId = await cluster.launch([
      commandTask("cached-1", "cat cached.txt", {
        command: { value: "cat cached.txt", uris: [uri] },
      }),
      commandTask("cached-2", "cat cached.txt", {
        command: { value: "cat cached.txt", uris: [uri] },
      }),
    ]);
    assert.ok(agentId !== undefined);
    for (const id of ["cached-1", "cached-2"]) {
      const end = await terminal(cluster.framework, id);
      assert.equal(end.state, "TASK_FINISHED", end.status.message);
      assert.equal(sandboxFile(cluster.sandbox(id), "stdout"), "cached once\n");
    }
    // A third task later is served from the cache as well.
    await runToEnd("cached-3", "cat cached.txt", [uri]);
    assert.equal(requests.get("/cached.txt"), 1, "the server saw one request");
  });
});
