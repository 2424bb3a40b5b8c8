// Task isolation hardening (issue 18, findings 2, 3 and 10) on real processes, as root: a
// fork bomb meets its cgroups/pids limit and the agent's event loop keeps running; a root
// task has no CAP_SYS_ADMIN, cannot write the cgroup hierarchy (nor leave its cgroups) nor
// the host's /etc; a sandbox belongs to its task's user, mode 0750, and another task's user
// cannot read it; with namespaces/pid a task sees and signals only its own container; under
// posix isolation an unprivileged task gets RLIMIT_NPROC. Skipped, with the reason, where the
// machine cannot do it (not root, no pids controller).
import assert from "node:assert/strict";
import { chmodSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { detectCgroups } from "../../../src/agent/containerizer/cgroups-detect.ts";
import type { Containerizer } from "../../../src/agent/containerizer/containerizer.ts";
import { scanProcesses } from "../../../src/agent/containerizer/posix-isolator.ts";
import { findPasswdEntry } from "../../../src/agent/containerizer/proc-parse.ts";
import { eventually } from "../../support/eventually.ts";
import {
  cgroupRootDirs,
  leftoverCgroups,
  make,
  makeSandboxParent,
  readSandbox,
  shell,
  uniqueRoot,
} from "./helpers.ts";

const root = uniqueRoot("harden");
const isRoot = process.getuid?.() === 0;
const support = detectCgroups(root);
const sandboxes = makeSandboxParent();
// Tasks running as other users must reach their sandboxes below the test's temporary dir.
chmodSync(sandboxes.dir, 0o755);
const BOMB_PIDS_LIMIT = 64;
const CAP_SYS_ADMIN = 21;

const opened: Containerizer[] = [];
function containerizer(isolation: string, pidsLimit = BOMB_PIDS_LIMIT): Containerizer {
  const c = make({ isolation, cgroupsRoot: root, pollIntervalMs: 20, pidsLimit });
  opened.push(c);
  return c;
}

after(async () => {
  for (const c of opened) {
    for (const id of c.containers()) await c.destroy(id, { gracePeriodMs: 0 });
    await c.settle();
    c.close();
  }
  sandboxes.remove();
  assert.deepEqual(cgroupRootDirs(root), [], "no cgroup is left behind");
});

const capabilities = (status: string) =>
  BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(status)?.[1] ?? "0"}`);

async function run(c: Containerizer, id: string, script: string, user?: string) {
  const sandbox = sandboxes.sandbox(id);
  const launched = await c.launch(id, shell(sandbox, script, user === undefined ? {} : { user }));
  assert.ok(launched.ok, launched.ok ? "" : launched.message);
  const ended = await c.wait(id);
  assert.ok(ended.ok);
  return { sandbox, stdout: readSandbox(sandbox, "stdout"), exit: ended.value.exitCode };
}

describe("cgroups/pids", () => {
  const skip = !support.pids.ok ? `no pids controller: ${support.pids.detail}` : undefined;

  test("a fork bomb stays within its container's pids limit, the agent's event loop keeps running, and destroy ends it all", {
    skip,
  }, async () => {
    const c = containerizer("cgroups/cpu,cgroups/mem,cgroups/pids");
    const before = scanProcesses().length;
    // The bomb in a subshell, and the first process becomes `sleep` with no fork of its own:
    // `b; sleep 100` had to fork sleep after the bomb filled the limit, and where that fork
    // failed the container ended (and its cgroup went) before the first check.
    const launched = await c.launch(
      "bomb",
      shell(sandboxes.sandbox("bomb"), "(b() { b | b & }; b) & exec sleep 100"),
    );
    assert.ok(launched.ok);
    const probe =
      support.pids.version === 1 ? support.detection.v1.pids : support.detection.v2.pids;
    const base = join(probe.ok ? probe.base : "", root, "bomb");
    assert.equal(readFileSync(join(base, "pids.max"), "utf8").trim(), String(BOMB_PIDS_LIMIT));
    // The bomb runs for a while: each check is a timer, so the loop ending shows the event loop
    // kept running (no wall-clock bound: machines differ too much for one).
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      peak = Math.max(peak, Number(readFileSync(join(base, "pids.current"), "utf8")));
    }
    assert.ok(peak > BOMB_PIDS_LIMIT / 2, `the bomb forked (peak ${peak})`);
    assert.ok(peak <= BOMB_PIDS_LIMIT, `pids.current peaked at ${peak}`);
    assert.ok(scanProcesses().length - before <= BOMB_PIDS_LIMIT + 8, "the machine did not fill");
    const destroyed = await c.destroy("bomb", { gracePeriodMs: 0 });
    assert.ok(destroyed.ok);
    assert.deepEqual(leftoverCgroups(root), []);
  });
});

describe("a root task", { skip: isRoot ? undefined : "needs root" }, () => {
  test("has no CAP_SYS_ADMIN and cannot write the cgroup hierarchy, leave its cgroups, mount, or write the host's /etc", async () => {
    const c = containerizer("cgroups/cpu,cgroups/mem,namespaces/pid");
    const marker = `tessera-hardening-${process.pid}`;
    const script = [
      "grep CapEff /proc/self/status",
      // Mesos's cgroups v1 memory hierarchy root, wherever it is mounted.
      "for f in /sys/fs/cgroup/memory/cgroup.procs /sys/fs/cgroup/cgroup.procs; do [ -e $f ] && { echo $$ > $f && echo moved-out; }; done",
      "mkdir /sys/fs/cgroup/memory/escape 2>/dev/null && echo made-cgroup",
      "mount -t tmpfs none /mnt 2>/dev/null && echo mounted",
      `touch /etc/${marker} 2>/dev/null && echo wrote-etc`,
      "echo 1 > /proc/sys/vm/drop_caches 2>/dev/null && echo wrote-sysctl",
      "cat /proc/self/cgroup | grep memory",
    ].join("\n");
    const { stdout, exit } = await run(c, "root-task", script);
    assert.equal(exit, 0);
    assert.equal(capabilities(stdout) & (1n << BigInt(CAP_SYS_ADMIN)), 0n, stdout);
    for (const escaped of ["moved-out", "made-cgroup", "mounted", "wrote-etc", "wrote-sysctl"]) {
      assert.ok(!stdout.includes(escaped), `${escaped}: ${stdout}`);
    }
    assert.match(stdout, new RegExp(`memory:.*${root}/root-task`), "still in its own cgroup");
    assert.throws(() => statSync(`/etc/${marker}`));
  });
});

const nobody = findPasswdEntry(readFileSync("/etc/passwd", "utf8"), "nobody");
const daemon = findPasswdEntry(readFileSync("/etc/passwd", "utf8"), "daemon");

describe("sandboxes of tasks running as other users", {
  skip: isRoot && nobody && daemon ? undefined : "needs root and the users nobody and daemon",
}, () => {
  test("a sandbox is owned by its task's user with mode 0750, and another task's user cannot read it", async () => {
    const c = containerizer("posix/cpu,posix/mem");
    const first = await run(c, "owner", "echo secret > mine; id -u", "nobody");
    assert.equal(first.stdout.trim(), String(nobody?.uid));
    const st = statSync(first.sandbox);
    assert.equal(st.uid, nobody?.uid);
    assert.equal(st.mode & 0o777, 0o750);
    const other = await run(
      c,
      "reader",
      `cat '${join(first.sandbox, "mine")}' || echo refused`,
      "daemon",
    );
    assert.match(other.stdout, /refused/);
    assert.ok(!other.stdout.includes("secret"));
  });

  test("under posix isolation an unprivileged task's processes are capped by RLIMIT_NPROC", async () => {
    const c = containerizer("posix/cpu,posix/mem", 500);
    const { stdout } = await run(c, "nproc", "grep 'Max processes' /proc/self/limits", "nobody");
    assert.match(stdout, /Max processes\s+500\s+500/);
  });
});

describe("namespaces/pid", { skip: isRoot ? undefined : "needs root" }, () => {
  test("a task sees only its own container's processes and cannot signal another container's", async () => {
    const c = containerizer("cgroups/cpu,cgroups/mem,namespaces/pid");
    const victim = await c.launch("victim", shell(sandboxes.sandbox("victim"), "sleep 100"));
    assert.ok(victim.ok);
    const pid = victim.value.pid;
    const script = `ls /proc | grep -c '^[0-9]'; kill -0 ${pid} 2>/dev/null && echo can-signal; kill -9 ${pid} 2>/dev/null && echo killed; true`;
    const { stdout } = await run(c, "attacker", script);
    const [count] = stdout.split("\n");
    assert.ok(Number(count) <= 4, `it sees ${count} processes`);
    assert.ok(!stdout.includes("can-signal") && !stdout.includes("killed"), stdout);
    await eventually("the victim to be still running", () => c.containers().includes("victim"));
    await c.destroy("victim", { gracePeriodMs: 0 });
  });
});
