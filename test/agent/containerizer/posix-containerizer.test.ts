// The containerizer with posix/cpu,posix/mem only: real processes in their own session and
// process group, usage from /proc, the memory limit enforced by polling.

import assert from "node:assert/strict";
import { after, test } from "node:test";
import { readProcStat } from "../../../src/agent/containerizer/posix-isolator.ts";
import { eventually } from "../../support/eventually.ts";
import {
  groupAlive,
  make,
  makeSandboxParent,
  memoryHog,
  PATH_ENV,
  readSandbox,
  SMALL,
  shell,
} from "./helpers.ts";

const sandboxes = makeSandboxParent();
const containerizer = make({ isolation: "posix/cpu,posix/mem", pollIntervalMs: 20 });
after(() => {
  containerizer.close();
  sandboxes.remove();
});

test("`true` exits 0 and its termination says so", async () => {
  const launched = await containerizer.launch("p-true", shell(sandboxes.sandbox("p-true"), "true"));
  assert.ok(launched.ok);
  const waited = await containerizer.wait("p-true");
  assert.ok(waited.ok);
  assert.equal(waited.value.exitCode, 0);
  assert.equal(waited.value.waitStatus, 0);
  assert.equal(waited.value.limitation, undefined);
  assert.deepEqual(containerizer.containers(), []);
});

test("`exit 3` ends with status 3 (wait status 3 << 8)", async () => {
  await containerizer.launch("p-exit3", shell(sandboxes.sandbox("p-exit3"), "exit 3"));
  const waited = await containerizer.wait("p-exit3");
  assert.ok(waited.ok);
  assert.equal(waited.value.exitCode, 3);
  assert.equal(waited.value.waitStatus, 3 << 8);
});

test("stdout and stderr land in the sandbox files and the given env is the whole env", async () => {
  const sandbox = sandboxes.sandbox("p-io");
  await containerizer.launch("p-io", {
    sandboxDir: sandbox,
    command: { shell: true, value: 'echo "out $GREETING"; echo "err $HOME-unset" >&2' },
    env: { ...PATH_ENV, GREETING: "hello" },
    resources: SMALL,
  });
  await containerizer.wait("p-io");
  assert.equal(readSandbox(sandbox, "stdout"), "out hello\n");
  assert.equal(readSandbox(sandbox, "stderr"), "err -unset\n");
});

test("a command without a shell runs the program with the given arguments", async () => {
  const sandbox = sandboxes.sandbox("p-argv");
  await containerizer.launch("p-argv", {
    sandboxDir: sandbox,
    command: { shell: false, value: "/bin/echo", arguments: ["echo", "a b", "c"] },
    env: PATH_ENV,
    resources: SMALL,
  });
  await containerizer.wait("p-argv");
  assert.equal(readSandbox(sandbox, "stdout"), "a b c\n");
});

test("destroy kills a process that traps TERM, and its children, after the grace period", async () => {
  const sandbox = sandboxes.sandbox("p-trap");
  const launched = await containerizer.launch(
    "p-trap",
    shell(sandbox, "trap '' TERM; sleep 1000 & sleep 1000 & echo ready; wait"),
  );
  assert.ok(launched.ok);
  await eventually("the trap to be set", () => readSandbox(sandbox, "stdout") === "ready\n");
  const destroyed = await containerizer.destroy("p-trap", { gracePeriodMs: 200 });
  assert.ok(destroyed.ok);
  // Killed by SIGKILL: SIGTERM was ignored, so only the escalation after the grace ended it.
  assert.equal(destroyed.value.signal, "SIGKILL");
  assert.equal(destroyed.value.destroyed, true);
  assert.equal(groupAlive(launched.value.pid), false, "no process of the group is left");
});

test("destroy ends a process that obeys SIGTERM with SIGTERM", async () => {
  const launched = await containerizer.launch("p-term", {
    sandboxDir: sandboxes.sandbox("p-term"),
    command: { shell: false, value: "/bin/sleep", arguments: ["sleep", "1000"] },
    env: PATH_ENV,
    resources: SMALL,
  });
  assert.ok(launched.ok);
  const destroyed = await containerizer.destroy("p-term", { gracePeriodMs: 30_000 });
  assert.ok(destroyed.ok);
  assert.equal(destroyed.value.signal, "SIGTERM");
  assert.equal(groupAlive(launched.value.pid), false);
});

test("usage sums the container's processes from /proc", async () => {
  const sandbox = sandboxes.sandbox("p-usage");
  const launched = await containerizer.launch(
    "p-usage",
    shell(sandbox, "sleep 1000 & echo ready; wait", { resources: { cpus: 1.5, memMb: 128 } }),
  );
  assert.ok(launched.ok);
  await eventually("the child", () => readSandbox(sandbox, "stdout") === "ready\n");
  const usage = containerizer.usage("p-usage");
  assert.ok(usage.ok);
  assert.equal(usage.value.processes, 2);
  assert.ok((usage.value.mem_rss_bytes ?? 0) > 0);
  assert.equal(usage.value.cpus_limit, 1.5);
  assert.equal(usage.value.mem_limit_bytes, 128 * 1024 * 1024);
  await containerizer.destroy("p-usage", { gracePeriodMs: 0 });
});

test("a memory hog over its limit is killed by polling with the memory-limitation reason", async () => {
  const launched = await containerizer.launch(
    "p-hog",
    memoryHog(sandboxes.sandbox("p-hog"), 400, { cpus: 1, memMb: 64 }),
  );
  assert.ok(launched.ok);
  const waited = await containerizer.wait("p-hog");
  assert.ok(waited.ok);
  assert.equal(waited.value.limitation?.reason, "REASON_CONTAINER_LIMITATION_MEMORY");
  assert.match(waited.value.limitation?.message ?? "", /Memory limit exceeded: Requested: 64MB/);
  assert.equal(waited.value.signal, "SIGKILL");
  assert.equal(groupAlive(launched.value.pid), false);
});

test("a program that cannot be started is a launch error, not a container", async () => {
  const launched = await containerizer.launch("p-missing", {
    sandboxDir: sandboxes.sandbox("p-missing"),
    command: { shell: false, value: "/nonexistent/program" },
    env: PATH_ENV,
    resources: SMALL,
  });
  assert.equal(launched.ok, false);
  assert.ok(!launched.ok && launched.code === "LAUNCH_FAILED");
  assert.equal(containerizer.containers().includes("p-missing"), false);
});

test("an unknown user is a clear error and nothing is started", async () => {
  const launched = await containerizer.launch(
    "p-user",
    shell(sandboxes.sandbox("p-user"), "true", { user: "no-such-user-tessera" }),
  );
  assert.ok(!launched.ok);
  assert.equal(launched.code, "UNKNOWN_USER");
  assert.match(launched.message, /no-such-user-tessera/);
  assert.deepEqual(containerizer.containers(), []);
});

test("the same container id cannot be launched twice while it runs", async () => {
  const first = await containerizer.launch(
    "p-dup",
    shell(sandboxes.sandbox("p-dup"), "sleep 1000"),
  );
  assert.ok(first.ok);
  const second = await containerizer.launch("p-dup", shell(sandboxes.sandbox("p-dup2"), "true"));
  assert.ok(!second.ok && second.code === "CONTAINER_EXISTS");
  await containerizer.destroy("p-dup", { gracePeriodMs: 0 });
});

test("wait, usage and destroy of an unknown container report UNKNOWN_CONTAINER", async () => {
  const waited = await containerizer.wait("nope");
  assert.ok(!waited.ok && waited.code === "UNKNOWN_CONTAINER");
  const usage = containerizer.usage("nope");
  assert.ok(!usage.ok && usage.code === "UNKNOWN_CONTAINER");
  const destroyed = await containerizer.destroy("nope", { gracePeriodMs: 0 });
  assert.ok(!destroyed.ok && destroyed.code === "UNKNOWN_CONTAINER");
});

test("after the launcher is killed, a running container is still seen to end, and the next launch starts a new launcher", async () => {
  const c = make({ isolation: "posix/cpu,posix/mem", pollIntervalMs: 20 });
  const launched = await c.launch("p-orphan", shell(sandboxes.sandbox("p-orphan"), "sleep 30"));
  assert.ok(launched.ok);
  const launcher = readProcStat(launched.value.pid)?.ppid;
  assert.ok(launcher !== undefined && launcher !== process.pid, "started by a launcher process");
  // The pid poller does not keep a process alive (an agent's server does): this test's must.
  const keepAlive = setInterval(() => {}, 1000);
  let waited: Awaited<ReturnType<typeof c.wait>>;
  try {
    process.kill(launcher, "SIGKILL");
    await eventually("the launcher to be gone", () => readProcStat(launcher)?.state !== "S");
    process.kill(-launched.value.pid, "SIGKILL");
    waited = await c.wait("p-orphan");
  } finally {
    clearInterval(keepAlive);
  }
  assert.ok(waited.ok, "its end is found by watching its pid");
  assert.equal(groupAlive(launched.value.pid), false);

  await c.launch("p-after", shell(sandboxes.sandbox("p-after"), "exit 4"));
  const after = await c.wait("p-after");
  c.close();
  assert.ok(after.ok);
  assert.equal(after.value.exitCode, 4);
});
