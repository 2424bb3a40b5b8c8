// Namespace isolation end to end (reference §8.4): a real master and an agent with
// `--isolation=namespaces/pid,filesystem/linux`. In its own pid namespace (with its own /proc)
// a task sees only its own processes; with filesystem/linux it gets a private /tmp (the
// sandbox's tmp/) and the sandbox bind-mounted at the fixed path /mnt/mesos/sandbox.
// MESOS_SANDBOX is the host path, as in Mesos for a container without its own rootfs (§3.4).
// Skipped, with the reason printed, where the machine cannot make these namespaces (not root,
// no unshare).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { detectNamespaces, findTools } from "../../../src/agent/containerizer/namespaces-detect.ts";
import { type Cluster, processesWith, sandboxFile, startCluster, terminal } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

const namespaces = detectNamespaces(findTools());
const unavailable = !namespaces.pid.ok
  ? `namespaces/pid unavailable: ${namespaces.pid.detail}`
  : !namespaces.filesystem.ok
    ? `filesystem/linux unavailable: ${namespaces.filesystem.detail}`
    : null;

describe("namespaces/pid and filesystem/linux with a real master and agent", () => {
  let cluster: Cluster | undefined;

  before(async () => {
    if (unavailable !== null) return;
    cluster = await startCluster("ns", {
      isolation: "posix/cpu,posix/mem,namespaces/pid,filesystem/linux",
    });
  });

  after(async () => {
    await cluster?.stop();
  });

  it("in a pid namespace the task sees only its own processes: a small pid, no host pids in ps or /proc", async (t) => {
    if (cluster === undefined) return t.skip(unavailable ?? "");
    const marker = `tessera-pidns-${process.pid}`;
    await cluster.launch([
      commandTask(
        "pidns",
        `echo "self $$"; echo "proc $(ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' ')"; echo "ps $(ps -e -o pid= | tr -s ' \\n' ' ')" # ${marker}`,
      ),
    ]);
    const end = await terminal(cluster.framework, "pidns");
    assert.equal(end.state, "TASK_FINISHED", sandboxFile(cluster.sandbox("pidns"), "stderr"));
    const out = sandboxFile(cluster.sandbox("pidns"), "stdout");
    const line = (name: string) =>
      (new RegExp(`^${name} (.*)$`, "m").exec(out)?.[1] ?? "")
        .trim()
        .split(/\s+/)
        .filter((s) => s !== "")
        .map(Number);
    const [self] = line("self");
    assert.ok(self !== undefined && self <= 3, `the task's shell has pid ${self}; output:\n${out}`);
    const procPids = line("proc");
    const psPids = line("ps");
    assert.ok(procPids.length > 0 && procPids.length <= 5, `/proc lists ${procPids.join(",")}`);
    assert.ok(psPids.length > 0 && psPids.length <= 5, `ps lists ${psPids.join(",")}`);
    // The test process (and so the agent in it) is a host pid the task must not see.
    assert.ok(!procPids.includes(process.pid) || process.pid <= 5);
    for (const pid of [...procPids, ...psPids]) assert.ok(pid <= 10, `host pid ${pid} visible`);
    assert.deepEqual(processesWith(marker), []);
  });

  it("with filesystem/linux the task gets a private /tmp and its sandbox at /mnt/mesos/sandbox", async (t) => {
    if (cluster === undefined) return t.skip(unavailable ?? "");
    const name = `tessera-private-tmp-${process.pid}`;
    await cluster.launch([
      commandTask(
        "fsns",
        [
          `echo private > /tmp/${name}`,
          "echo via-mount > /mnt/mesos/sandbox/written-at-fixed-path",
          "cat ./written-at-fixed-path",
        ].join(" && "),
      ),
    ]);
    const end = await terminal(cluster.framework, "fsns");
    const sandbox = cluster.sandbox("fsns");
    assert.ok(sandbox !== undefined);
    assert.equal(end.state, "TASK_FINISHED", sandboxFile(sandbox, "stderr"));
    // /tmp inside was the sandbox's tmp/: the file is there, not in the host's /tmp.
    assert.equal(existsSync(join("/tmp", name)), false, "the host's /tmp is untouched");
    assert.equal(sandboxFile(sandbox, join("tmp", name)), "private\n");
    // What the task wrote at the fixed path landed in its sandbox on the host.
    assert.equal(sandboxFile(sandbox, "written-at-fixed-path"), "via-mount\n");
    assert.match(sandboxFile(sandbox, "stdout"), /^via-mount$/m);
    // The bind mounts lived in the task's mount namespace only.
    assert.equal(existsSync("/mnt/mesos/sandbox/written-at-fixed-path"), false);
  });

  it("with filesystem/linux MESOS_SANDBOX names a path the task can reach, also when the work dir is under /tmp", async (t) => {
    if (cluster === undefined) return t.skip(unavailable ?? "");
    // The cluster's work dir is under the host's /tmp (os.tmpdir()).
    await cluster.launch([
      commandTask("fsenv", 'echo reachable > "$MESOS_SANDBOX/via-env" && echo "$MESOS_SANDBOX"'),
    ]);
    const end = await terminal(cluster.framework, "fsenv");
    const sandbox = cluster.sandbox("fsenv");
    assert.equal(end.state, "TASK_FINISHED", sandboxFile(sandbox, "stderr"));
    assert.equal(sandboxFile(sandbox, "via-env"), "reachable\n");
  });

  it("with filesystem/linux the task starts in the sandbox's mount point, so relative paths reach its files", async (t) => {
    if (cluster === undefined) return t.skip(unavailable ?? "");
    await cluster.launch([commandTask("fscwd", "pwd > where && echo relative > ./rel")]);
    const end = await terminal(cluster.framework, "fscwd");
    const sandbox = cluster.sandbox("fscwd");
    assert.equal(end.state, "TASK_FINISHED", sandboxFile(sandbox, "stderr"));
    assert.equal(sandboxFile(sandbox, "where"), "/mnt/mesos/sandbox\n");
    assert.equal(sandboxFile(sandbox, "rel"), "relative\n");
  });
});
