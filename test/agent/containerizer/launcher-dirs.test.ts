import assert from "node:assert/strict";
import { test } from "node:test";
import {
  launcherDirsUnderTmp,
  privateTmpTarget,
} from "../../../src/agent/containerizer/launcher-dirs.ts";

test("only install directories below /tmp are kept visible, and none inside another", () => {
  assert.deepEqual(
    launcherDirsUnderTmp([
      "/usr/bin",
      "/tmp/ci-clone",
      "/tmp/ci-clone/node_modules",
      "/tmp",
      "/tmpfoo/x",
      "/tmp/node/bin",
      "/tmp/ci-clone",
    ]),
    ["/tmp/ci-clone", "/tmp/node/bin"],
  );
  assert.deepEqual(launcherDirsUnderTmp(["/work/main", "/usr/local/bin"]), []);
});

test("a kept directory is bound at its own path below the sandbox's tmp", () => {
  assert.equal(privateTmpTarget("/w/sb/tmp", "/tmp/a/b"), "/w/sb/tmp/a/b");
});
