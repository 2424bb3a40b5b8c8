// A container whose cgroup cannot be removed (here: a child cgroup made inside it, as a task
// that makes its own cgroups would) still ends: wait() resolves with the failure in the
// termination, the containerizer counts it, and nothing is left as an unhandled rejection.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  cgroupRootDirs,
  cgroupsUnavailable,
  leftoverCgroups,
  make,
  makeSandboxParent,
  PATH_ENV,
} from "./helpers.ts";

const root = `tessera-test-cleanup-${process.pid}`;
const unavailable = cgroupsUnavailable(root);
const sandboxes = makeSandboxParent();
const containerizer =
  unavailable === null
    ? make({ isolation: "cgroups/cpu,cgroups/mem", cgroupsRoot: root, pollIntervalMs: 20 })
    : null;

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
process.on("unhandledRejection", onRejection);

after(() => {
  process.off("unhandledRejection", onRejection);
  // What the test pinned, then the container cgroups it kept, deepest first.
  for (const dir of leftoverCgroups(root)) {
    const pinned = join(dir, "pinned");
    if (existsSync(pinned)) rmdirSync(pinned);
    rmdirSync(dir);
  }
  containerizer?.close();
  sandboxes.remove();
  assert.deepEqual(cgroupRootDirs(root), [], "the cgroups root is removed at close");
});

test("a cgroup that cannot be removed ends the container all the same, with the reason", async (t) => {
  if (containerizer === null) return t.skip(unavailable ?? "");
  const launched = await containerizer.launch("pinned", {
    sandboxDir: sandboxes.sandbox("pinned"),
    command: { shell: true, value: "exec sleep 1000" },
    env: PATH_ENV,
    resources: { cpus: 0.1, memMb: 32 },
  });
  assert.ok(launched.ok, launched.ok ? "" : launched.message);
  const dirs = cgroupRootDirs(root).map((dir) => join(dir, "pinned"));
  assert.ok(dirs.length > 0, "the container has cgroups");
  // A child cgroup makes the kernel refuse the container's rmdir (EBUSY) for as long as it is
  // there; the containerizer gives up after its bound (CGROUP_EMPTY_TIMEOUT_MS).
  for (const dir of dirs) mkdirSync(join(dir, "pinned"));
  // The process ends on its own (not destroy()): its end is reported through the spawn helper.
  process.kill(launched.value.pid, "SIGKILL");
  const waited = await containerizer.wait("pinned");
  assert.ok(waited.ok);
  assert.equal(waited.value.signal, "SIGKILL");
  assert.match(waited.value.cleanupError ?? "", /cgroups could not be removed/);
  assert.equal(containerizer.errors().destroy, 1);
  assert.deepEqual(containerizer.containers(), [], "the container is no longer live");
  await containerizer.settle();
  assert.deepEqual(rejections, []);
});
