// The CLI's failures as a user meets them: one line on stderr saying what to do next, no stack
// trace, exit code 1 for a failure and 2 for a usage error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort, lines, tessera } from "./helpers.ts";

test("with no master listening, a command prints one line naming the address and `tessera dev`, and exits 1", async () => {
  const port = await freePort();
  const r = await tessera(["tasks", "--master", `127.0.0.1:${port}`]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.deepEqual(lines(r.stderr), [
    `error: no master at 127.0.0.1:${port} — start one with \`tessera dev\``,
  ]);
});

test("TESSERA_MASTER is used when --master is not given", async () => {
  const port = await freePort();
  const r = await tessera(["agents"], { TESSERA_MASTER: `http://127.0.0.1:${port}` });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`no master at 127\\.0\\.0\\.1:${port}`));
});

test("an unknown flag gets one line naming it and exit code 2", async () => {
  const r = await tessera(["tasks", "--bogus"]);
  assert.equal(r.code, 2);
  assert.deepEqual(lines(r.stderr), ["error: unknown option '--bogus'"]);
  assert.equal(r.stdout, "");
});

test("a misspelt flag or command gets a did-you-mean on the same line", async () => {
  const flag = await tessera(["tasks", "--jsn"]);
  assert.equal(flag.code, 2);
  assert.deepEqual(lines(flag.stderr), ["error: unknown option '--jsn'; did you mean --json?"]);
  const command = await tessera(["taks"]);
  assert.equal(command.code, 2);
  assert.deepEqual(lines(command.stderr), ["error: unknown command 'taks'; did you mean tasks?"]);
});

test("an unknown command gets one line naming it and exit code 2", async () => {
  const r = await tessera(["tasksx"]);
  assert.equal(r.code, 2);
  assert.equal(lines(r.stderr).length, 1);
  assert.match(r.stderr, /unknown command 'tasksx'/);
});

test("a master address that does not parse is a usage error naming it", async () => {
  const r = await tessera(["tasks", "--master", "ftp://x"]);
  assert.equal(r.code, 2);
  assert.deepEqual(lines(r.stderr), [
    "error: cannot read master address 'ftp://x': use http://HOST:PORT, HOST:PORT or zk://HOST:PORT/PATH",
  ]);
});

test("`run --image` with a bad image reference is a usage error naming it, launching nothing", async () => {
  const port = await freePort();
  const r = await tessera([
    "run",
    "--master",
    `127.0.0.1:${port}`,
    "--image",
    "Not/An Image",
    "--",
    "true",
  ]);
  assert.equal(r.code, 2);
  assert.deepEqual(lines(r.stderr).length, 1);
  assert.match(r.stderr, /--image 'Not\/An Image' is not an image reference/);
});

test("`run` without a command is a usage error", async () => {
  const r = await tessera(["run"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing required argument 'command'/);
});
