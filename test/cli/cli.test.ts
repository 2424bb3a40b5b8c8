import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const bin = new URL("../../bin/tessera.mjs", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));

test("`tessera --version` prints the package version and the Mesos API it speaks", async () => {
  const { stdout } = await run(process.execPath, [bin, "--version"]);
  assert.equal(stdout.trim(), `tessera ${pkg.version} (Mesos API 1.11.0)`);
});

test("`tessera version --json` prints machine-readable JSON", async () => {
  const { stdout } = await run(process.execPath, [bin, "version", "--json"]);
  assert.deepEqual(JSON.parse(stdout), { version: pkg.version, mesos_api: "1.11.0" });
});

test("`tessera --help` lists the commands", async () => {
  const { stdout } = await run(process.execPath, [bin, "--help"]);
  assert.match(stdout, /Usage: tessera/);
  assert.match(stdout, /version/);
});

test("the package exposes `tessera` as its bin entry", () => {
  assert.equal(pkg.bin.tessera, "bin/tessera.mjs");
});
