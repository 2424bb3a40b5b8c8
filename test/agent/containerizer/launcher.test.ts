import assert from "node:assert/strict";
import { test } from "node:test";
import {
  buildLaunchPlan,
  type LaunchPlanInput,
} from "../../../src/agent/containerizer/launcher.ts";

const base: LaunchPlanInput = {
  command: { shell: true, value: "echo hi" },
  cgroupProcsFiles: [],
  pidNamespace: false,
  filesystem: null,
  user: null,
  tools: { sh: "/bin/sh", unshare: "/usr/bin/unshare", setpriv: "/usr/bin/setpriv" },
};

test("without isolation wrappers a shell command is one exec of /bin/sh -c", () => {
  assert.deepEqual(buildLaunchPlan(base), {
    file: "/bin/sh",
    args: ["-c", "echo hi"],
    argv0: undefined,
  });
});

test("a command without a shell takes arguments[0] as argv[0] and the rest as arguments", () => {
  const plan = buildLaunchPlan({
    ...base,
    command: { shell: false, value: "/bin/echo", arguments: ["my-echo", "a", "b"] },
  });
  assert.deepEqual(plan, { file: "/bin/echo", args: ["a", "b"], argv0: "my-echo" });
});

test("cgroups: a shell joins every cgroup.procs (as positional args) before exec'ing the command", () => {
  const plan = buildLaunchPlan({
    ...base,
    cgroupProcsFiles: ["/cg/a/cgroup.procs", "/cg/b/cgroup.procs"],
  });
  assert.equal(plan.file, "/bin/sh");
  assert.equal(plan.args[0], "-c");
  assert.match(plan.args[1] ?? "", /echo \$\$ >"\$1" && echo \$\$ >"\$2".*shift 2; exec "\$@"/);
  assert.deepEqual(plan.args.slice(2), [
    "tessera-launch",
    "/cg/a/cgroup.procs",
    "/cg/b/cgroup.procs",
    "/bin/sh",
    "-c",
    "echo hi",
  ]);
});

test("the wrappers nest outermost-first: cgroups, unshare, mounts, user switch, command", () => {
  const plan = buildLaunchPlan({
    ...base,
    cgroupProcsFiles: ["/cg/cgroup.procs"],
    pidNamespace: true,
    filesystem: { sandboxDir: "/sb", mountPoint: "/mnt/mesos/sandbox" },
    user: { uid: 65534, gid: 65534 },
  });
  const argv = [plan.file, ...plan.args];
  const at = (s: string) => argv.indexOf(s);
  assert.ok(at("/usr/bin/unshare") > at("/cg/cgroup.procs"));
  assert.ok(at("--pid") > at("/usr/bin/unshare"));
  assert.ok(at("tessera-mount") > at("/usr/bin/unshare"));
  assert.ok(at("/usr/bin/setpriv") > at("tessera-mount"));
  assert.ok(at("--reuid=65534") > at("/usr/bin/setpriv"));
  assert.deepEqual(argv.slice(-3), ["/bin/sh", "-c", "echo hi"]);
  assert.equal(plan.argv0, undefined);
});

test("filesystem/linux alone asks unshare for a mount namespace only", () => {
  const plan = buildLaunchPlan({ ...base, filesystem: { sandboxDir: "/sb", mountPoint: "/m" } });
  assert.equal(plan.file, "/usr/bin/unshare");
  assert.ok(plan.args.includes("--mount"));
  assert.ok(!plan.args.includes("--pid"));
});

test("filesystem/linux passes the directories kept visible through the private /tmp to the mount script", () => {
  const plan = buildLaunchPlan({
    ...base,
    filesystem: { sandboxDir: "/sb", mountPoint: "/m", launcherDirs: ["/tmp/a", "/tmp/b"] },
  });
  const at = plan.args.indexOf("tessera-mount");
  assert.deepEqual(plan.args.slice(at + 1, at + 8), [
    "/sb",
    "/m",
    "2",
    "/tmp/a",
    "/sb/tmp/a",
    "/tmp/b",
    "/sb/tmp/b",
  ]);
  const none = buildLaunchPlan({ ...base, filesystem: { sandboxDir: "/sb", mountPoint: "/m" } });
  const at0 = none.args.indexOf("tessera-mount");
  assert.deepEqual(none.args.slice(at0 + 1, at0 + 5), ["/sb", "/m", "0", "/bin/sh"]);
});
