// namespaces/pid and filesystem/linux on real namespaces, a user switch, recovery of
// containers launched by another containerizer instance, and `--isolation` errors that leave
// nothing behind. Namespace tests are skipped, with the reason, where they cannot work.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { createContainerizer } from "../../../src/agent/containerizer/containerizer.ts";
import { detectNamespaces, findTools } from "../../../src/agent/containerizer/namespaces-detect.ts";
import { eventually } from "../../support/eventually.ts";
import {
  cgroupRootDirs,
  cgroupsUnavailable,
  groupAlive,
  leftoverCgroups,
  make,
  makeSandboxParent,
  readSandbox,
  SMALL,
  shell,
  testLauncher,
  uniqueRoot,
} from "./helpers.ts";

const sandboxes = makeSandboxParent();
const namespaces = detectNamespaces(findTools());
after(() => sandboxes.remove());

test("in a pid namespace the container sees only its own few processes", async (t) => {
  if (!namespaces.pid.ok) return t.skip(namespaces.pid.detail);
  const c = make({ isolation: "posix/cpu,posix/mem,namespaces/pid" });
  const sandbox = sandboxes.sandbox("ns-pid");
  await c.launch("ns-pid", shell(sandbox, "echo $$; ls /proc | grep -c '^[0-9]'"));
  const waited = await c.wait("ns-pid");
  c.close();
  assert.ok(waited.ok);
  assert.equal(waited.value.exitCode, 0);
  const [self, count] = readSandbox(sandbox, "stdout").trim().split("\n");
  assert.equal(self, "1", "the shell is pid 1 of its namespace");
  assert.ok(Number(count) <= 3, `only the container's processes are visible (${count})`);
});

test("destroy of a pid-namespaced container leaves no process behind", async (t) => {
  if (!namespaces.pid.ok) return t.skip(namespaces.pid.detail);
  const c = make({ isolation: "posix/cpu,posix/mem,namespaces/pid" });
  const sandbox = sandboxes.sandbox("ns-kill");
  const launched = await c.launch("ns-kill", shell(sandbox, "sleep 1000 & echo ready; wait"));
  assert.ok(launched.ok);
  await eventually("the child", () => readSandbox(sandbox, "stdout") === "ready\n");
  const destroyed = await c.destroy("ns-kill", { gracePeriodMs: 100 });
  c.close();
  assert.ok(destroyed.ok);
  assert.equal(groupAlive(launched.value.pid), false);
});

test("filesystem/linux gives a private /tmp and shows the sandbox at /mnt/mesos/sandbox", async (t) => {
  if (!namespaces.filesystem.ok) return t.skip(namespaces.filesystem.detail);
  const c = make({ isolation: "posix/cpu,posix/mem,filesystem/linux" });
  const sandbox = sandboxes.sandbox("fs");
  const marker = `tessera-fs-${process.pid}`;
  await c.launch("fs", shell(sandbox, `echo inside > /tmp/${marker}; ls /mnt/mesos/sandbox`));
  const waited = await c.wait("fs");
  c.close();
  assert.ok(waited.ok);
  assert.equal(waited.value.exitCode, 0, readSandbox(sandbox, "stderr"));
  assert.equal(existsSync(`/tmp/${marker}`), false, "the host's /tmp is untouched");
  assert.equal(readFileSync(join(sandbox, "tmp", marker), "utf8"), "inside\n");
  assert.match(readSandbox(sandbox, "stdout"), /stdout/);
});

test("a container runs as the given user when the agent is root", async (t) => {
  if (process.getuid?.() !== 0) return t.skip("needs root to switch users");
  if (findTools().setpriv === null) return t.skip("setpriv not found");
  const c = make({ isolation: "posix/cpu,posix/mem" });
  const sandbox = sandboxes.sandbox("user");
  await c.launch("user", shell(sandbox, "id -u", { user: "nobody" }));
  const waited = await c.wait("user");
  c.close();
  assert.ok(waited.ok);
  assert.equal(waited.value.exitCode, 0, readSandbox(sandbox, "stderr"));
  assert.notEqual(readSandbox(sandbox, "stdout").trim(), "0");
});

test("as another user under filesystem/linux, the task can write to its sandbox and its private /tmp", async (t) => {
  if (process.getuid?.() !== 0) return t.skip("needs root to switch users");
  if (!namespaces.filesystem.ok) return t.skip(namespaces.filesystem.detail);
  if (testLauncher() === "node" && findTools().setpriv === null) return t.skip("no setpriv");
  const c = make({ isolation: "posix/cpu,posix/mem,filesystem/linux" });
  const sandbox = sandboxes.sandbox("user-fs");
  await c.launch(
    "user-fs",
    shell(sandbox, "echo a > ./in-sandbox && echo b > /tmp/in-tmp && id -u", { user: "nobody" }),
  );
  const waited = await c.wait("user-fs");
  c.close();
  assert.ok(waited.ok);
  assert.equal(waited.value.exitCode, 0, readSandbox(sandbox, "stderr"));
  assert.equal(readFileSync(join(sandbox, "in-sandbox"), "utf8"), "a\n");
  assert.equal(readFileSync(join(sandbox, "tmp", "in-tmp"), "utf8"), "b\n");
});

test("filesystem/linux keeps the agent's install below /tmp visible through the private /tmp, read-only", async (t) => {
  if (!namespaces.filesystem.ok) return t.skip(namespaces.filesystem.detail);
  // An install cloned under /tmp, as CI does: its executors are started from there.
  const install = mkdtempSync("/tmp/tessera-install-");
  t.after(() => rmSync(install, { recursive: true, force: true }));
  mkdirSync(join(install, "bin"));
  writeFileSync(join(install, "bin", "executor.sh"), "echo from the install\n");
  const script = `sh ${install}/bin/executor.sh && { touch ${install}/w 2>/dev/null && echo writable || echo read-only; }`;
  const kept = make({ isolation: "posix/cpu,posix/mem,filesystem/linux", launcherDirs: [install] });
  const sandbox = sandboxes.sandbox("kept");
  await kept.launch("kept", shell(sandbox, script));
  const waited = await kept.wait("kept");
  kept.close();
  assert.ok(waited.ok);
  assert.equal(waited.value.exitCode, 0, readSandbox(sandbox, "stderr"));
  assert.equal(readSandbox(sandbox, "stdout"), "from the install\nread-only\n");
  assert.equal(existsSync(join(install, "w")), false);
  // Without it, the private /tmp hides the install (what failed every executor from there).
  const hidden = make({ isolation: "posix/cpu,posix/mem,filesystem/linux", launcherDirs: [] });
  const other = sandboxes.sandbox("hidden");
  await hidden.launch("hidden", shell(other, script));
  const ended = await hidden.wait("hidden");
  hidden.close();
  assert.ok(ended.ok);
  assert.notEqual(ended.value.exitCode, 0);
});

test("recover re-attaches to a container launched by another instance, then waits and destroys it", async () => {
  const root = uniqueRoot("rec");
  const cgroups = cgroupsUnavailable(root) === null;
  const isolation = cgroups ? "cgroups/cpu,cgroups/mem" : "posix/cpu,posix/mem";
  const first = make({ isolation, cgroupsRoot: root });
  const sandbox = sandboxes.sandbox("rec");
  const launched = await first.launch("rec", shell(sandbox, "sleep 1000 & echo ready; wait"));
  assert.ok(launched.ok);
  // A container the restarted agent does not know about: its cgroup is an orphan.
  await first.launch("orphan", shell(sandboxes.sandbox("orphan"), "sleep 1000"));
  await eventually("the child", () => readSandbox(sandbox, "stdout") === "ready\n");

  const second = make({ isolation, cgroupsRoot: root, pollIntervalMs: 20 });
  const result = await second.recover([
    { containerId: "rec", pid: launched.value.pid, resources: SMALL },
    { containerId: "gone", pid: 999_999_999 },
  ]);
  assert.deepEqual(result.recovered, ["rec"]);
  assert.deepEqual(result.gone, ["gone"]);
  if (cgroups) assert.deepEqual(result.orphansRemoved, ["orphan"]);
  else await first.destroy("orphan", { gracePeriodMs: 0 });

  const usage = second.usage("rec");
  assert.ok(usage.ok);
  assert.ok((usage.value.processes ?? 0) >= 2);
  const waiting = second.wait("rec");
  const destroyed = await second.destroy("rec", { gracePeriodMs: 1000 });
  assert.ok(destroyed.ok);
  assert.equal(destroyed.value.destroyed, true);
  // Not our child: the exit status cannot be collected.
  assert.equal(destroyed.value.waitStatus, null);
  const waited = await waiting;
  assert.ok(waited.ok);
  assert.equal(groupAlive(launched.value.pid), false);
  // The first instance sees its child end too.
  assert.ok((await first.wait("rec")).ok);
  const goneWait = await second.wait("gone");
  assert.ok(goneWait.ok && goneWait.value.exitCode === null);
  first.close();
  second.close();
  assert.deepEqual(leftoverCgroups(root), []);
  assert.deepEqual(cgroupRootDirs(root), []);
});

test("an unknown isolator is an error naming it, and creates no cgroups", () => {
  const root = uniqueRoot("bad");
  const made = createContainerizer({ isolation: "cgroups/cpu,bogus/thing", cgroupsRoot: root });
  assert.ok(!made.ok);
  assert.equal(made.code, "UNKNOWN_ISOLATOR");
  assert.match(made.message, /'bogus\/thing'/);
  assert.deepEqual(cgroupRootDirs(root), []);
});

test("the default isolation explains every isolator, on or off, and which launcher starts containers", () => {
  const root = uniqueRoot("default");
  const made = createContainerizer({ cgroupsRoot: root });
  assert.ok(made.ok);
  made.value.containerizer.close();
  const isolators = made.value.explanation.slice(0, -1);
  assert.equal(isolators.length, 8);
  for (const line of isolators) assert.match(line, /^[a-z/]+: (on|off) \(.+\)$/);
  assert.ok(
    isolators.includes(
      "disk/du: off (only when named in --isolation: it walks every sandbox periodically)",
    ),
  );
  assert.match(made.value.explanation.at(-1) ?? "", /^launcher: (native|Node helper)/);
  assert.deepEqual(cgroupRootDirs(root), []);
});
