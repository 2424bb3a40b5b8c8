// The containerizer with cgroups/cpu,cgroups/mem on the machine's real cgroups (v1 or v2,
// whichever detection picks). Skipped, with the reason printed, where cgroups cannot work.

import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { LinuxContainerizer } from "../../../src/agent/containerizer/linux-containerizer.ts";
import { eventually } from "../../support/eventually.ts";
import {
  cgroupRootDirs,
  cgroupsUnavailable,
  groupAlive,
  leftoverCgroups,
  make,
  makeSandboxParent,
  memoryHog,
  PATH_ENV,
  readSandbox,
  SMALL,
  shell,
  uniqueRoot,
} from "./helpers.ts";

const root = uniqueRoot("cg");
const unavailable = cgroupsUnavailable(root);
const sandboxes = makeSandboxParent();
const containerizer =
  unavailable === null
    ? make({ isolation: "cgroups/cpu,cgroups/mem", cgroupsRoot: root, pollIntervalMs: 20 })
    : null;

after(() => {
  containerizer?.close();
  sandboxes.remove();
  assert.deepEqual(cgroupRootDirs(root), [], "the cgroups root is removed at close");
});

test("`true` in cgroups exits 0 and its cgroups are gone when wait resolves", async (t) => {
  if (containerizer === null) return t.skip(unavailable ?? "");
  const launched = await containerizer.launch(
    "cg-true",
    shell(sandboxes.sandbox("cg-true"), "true"),
  );
  assert.ok(launched.ok);
  const waited = await containerizer.wait("cg-true");
  assert.ok(waited.ok);
  assert.equal(waited.value.exitCode, 0);
  assert.deepEqual(leftoverCgroups(root), []);
});

test("the container's process is in its cgroups before its code runs, with the limits set", async (t) => {
  if (containerizer === null) return t.skip(unavailable ?? "");
  const sandbox = sandboxes.sandbox("cg-self");
  await containerizer.launch("cg-self", shell(sandbox, "cat /proc/self/cgroup"));
  const waited = await containerizer.wait("cg-self");
  assert.ok(waited.ok);
  assert.equal(waited.value.exitCode, 0);
  assert.match(readSandbox(sandbox, "stdout"), new RegExp(`/${root}/cg-self`));
});

test("usage comes from the cgroup: processes, memory, cpu limit and quota", async (t) => {
  if (containerizer === null) return t.skip(unavailable ?? "");
  const sandbox = sandboxes.sandbox("cg-usage");
  await containerizer.launch(
    "cg-usage",
    shell(sandbox, "sleep 1000 & echo ready; wait", { resources: { cpus: 0.5, memMb: 96 } }),
  );
  await eventually("the child", () => readSandbox(sandbox, "stdout") === "ready\n");
  const usage = containerizer.usage("cg-usage");
  assert.ok(usage.ok);
  assert.equal(usage.value.processes, 2);
  assert.equal(usage.value.cpus_limit, 0.5);
  assert.equal(usage.value.mem_limit_bytes, 96 * 1024 * 1024);
  assert.ok((usage.value.mem_total_bytes ?? 0) > 0);
  // update raises the memory limit and changes the cpu quota.
  const updated = containerizer.update("cg-usage", { cpus: 1, memMb: 128 });
  assert.ok(updated.ok);
  const after2 = containerizer.usage("cg-usage");
  assert.ok(after2.ok);
  assert.equal(after2.value.cpus_limit, 1);
  assert.equal(after2.value.mem_limit_bytes, 128 * 1024 * 1024);
  // Lowering memory keeps the hard limit (Mesos never lowers it, to avoid an OOM kill).
  assert.ok(containerizer.update("cg-usage", { cpus: 1, memMb: 64 }).ok);
  const after3 = containerizer.usage("cg-usage");
  assert.ok(after3.ok);
  assert.equal(after3.value.mem_limit_bytes, 128 * 1024 * 1024);
  await containerizer.destroy("cg-usage", { gracePeriodMs: 0 });
  assert.deepEqual(leftoverCgroups(root), []);
});

test("a memory hog over 64 MB is OOM-killed and reported with the memory-limitation reason", async (t) => {
  if (containerizer === null) return t.skip(unavailable ?? "");
  const launched = await containerizer.launch(
    "cg-hog",
    memoryHog(sandboxes.sandbox("cg-hog"), 500, { cpus: 1, memMb: 64 }),
  );
  assert.ok(launched.ok);
  const waited = await containerizer.wait("cg-hog");
  assert.ok(waited.ok);
  assert.equal(waited.value.signal, "SIGKILL");
  assert.equal(waited.value.limitation?.reason, "REASON_CONTAINER_LIMITATION_MEMORY");
  assert.match(waited.value.limitation?.message ?? "", /Memory limit exceeded: Requested: 64MB/);
  assert.deepEqual(leftoverCgroups(root), []);
});

test("the cpu quota limits a busy loop: cgroup cpu time stays well below wall time", async (t) => {
  if (containerizer === null) return t.skip(unavailable ?? "");
  const sandbox = sandboxes.sandbox("cg-busy");
  await containerizer.launch(
    "cg-busy",
    shell(sandbox, "echo ready; while :; do :; done", { resources: { cpus: 0.2, memMb: 32 } }),
  );
  await eventually("the loop", () => readSandbox(sandbox, "stdout") === "ready\n");
  const c = containerizer as LinuxContainerizer;
  const cpu0 = c.cpuUsageSecs("cg-busy") ?? Number.NaN;
  const wall0 = performance.now();
  // A measurement window, not a wait for an event: the loop must run for a while.
  await new Promise((r) => setTimeout(r, 1500));
  const cpu1 = c.cpuUsageSecs("cg-busy") ?? Number.NaN;
  const wallSecs = (performance.now() - wall0) / 1000;
  const ratio = (cpu1 - cpu0) / wallSecs;
  await containerizer.destroy("cg-busy", { gracePeriodMs: 0 });
  assert.ok(ratio > 0.05, `the loop ran (cpu/wall = ${ratio})`);
  assert.ok(ratio < 0.5, `the quota of 0.2 cpus held it down (cpu/wall = ${ratio})`);
  const stats = c.usage("cg-busy");
  assert.ok(!stats.ok, "the container is gone after destroy");
});

test("destroy with a grace period kills a TERM-trapping tree and removes its cgroups", async (t) => {
  if (containerizer === null) return t.skip(unavailable ?? "");
  const sandbox = sandboxes.sandbox("cg-trap");
  const launched = await containerizer.launch("cg-trap", {
    sandboxDir: sandbox,
    // The child starts its own session: it leaves the process group but not the cgroup.
    command: {
      shell: true,
      value: "trap '' TERM; setsid sleep 1000 & sleep 1000 & echo ready; wait",
    },
    env: PATH_ENV,
    resources: SMALL,
  });
  assert.ok(launched.ok);
  await eventually("the trap", () => readSandbox(sandbox, "stdout") === "ready\n");
  const destroyed = await containerizer.destroy("cg-trap", { gracePeriodMs: 200 });
  assert.ok(destroyed.ok);
  assert.equal(destroyed.value.signal, "SIGKILL");
  assert.equal(groupAlive(launched.value.pid), false);
  assert.deepEqual(leftoverCgroups(root), []);
});

test("an impossible user leaves no cgroup and no process behind", async (t) => {
  if (containerizer === null) return t.skip(unavailable ?? "");
  const launched = await containerizer.launch(
    "cg-user",
    shell(sandboxes.sandbox("cg-user"), "sleep 1000", { user: "no-such-user-tessera" }),
  );
  assert.ok(!launched.ok && launched.code === "UNKNOWN_USER");
  assert.deepEqual(containerizer.containers(), []);
  assert.deepEqual(leftoverCgroups(root), []);
});
