// Task isolation through a real master and agent (issue 18): with --allow_root_tasks=false a
// task whose user is root fails to launch with a message naming the flag, while one running
// as nobody runs, and the files API serves nothing through the symlinks it plants; with --container_pids_limit a fork bomb in a task is held at its limit and
// the agent keeps answering /state; killing it leaves no process or cgroup behind.
import assert from "node:assert/strict";
import { chmodSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { detectCgroups } from "../../../src/agent/containerizer/cgroups-detect.ts";
import { eventually } from "../../support/eventually.ts";
import { clusterForSuite, terminal } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

const isRoot = process.getuid?.() === 0;

describe("an agent with --allow_root_tasks=false", {
  skip: isRoot ? undefined : "needs root",
}, () => {
  const cluster = clusterForSuite("noroot", {
    isolation: "posix/cpu,posix/mem",
    allow_root_tasks: "false",
  });

  it("fails a task that would run as root and runs one as nobody", async () => {
    // Tasks of another user must reach their sandboxes below the test's work dir.
    chmodSync(cluster.workDir, 0o755);
    await cluster.launch([
      commandTask("as-root", "true", { command: { value: "true", user: "root" } }),
      commandTask("as-nobody", "id -u", { command: { value: "id -u", user: "nobody" } }),
    ]);
    const refused = await terminal(cluster.framework, "as-root");
    assert.equal(refused.state, "TASK_FAILED");
    assert.match(String(refused.status.message), /--allow_root_tasks=false/);
    const ran = await terminal(cluster.framework, "as-nobody");
    assert.equal(ran.state, "TASK_FINISHED");
  });

  it("serves no file through a symlink a task planted out of its sandbox", async () => {
    const script =
      "ln -s /etc/shadow shadow; ln -s ../../../../../.. up; echo mine > own; ln -s own in";
    await cluster.launch([
      commandTask("planter", script, { command: { value: script, user: "nobody" } }),
    ]);
    assert.equal((await terminal(cluster.framework, "planter")).state, "TASK_FINISHED");
    const sandbox = cluster.sandbox("planter");
    assert.ok(sandbox !== undefined);
    const read = (path: string) =>
      fetch(`${cluster.agent.url}/files/read?path=${encodeURIComponent(path)}&offset=0`);
    assert.equal((await read(join(sandbox, "shadow"))).status, 404);
    assert.equal((await read(join(sandbox, "up", "etc", "shadow"))).status, 404);
    const own = await read(join(sandbox, "in"));
    assert.deepEqual(await own.json(), { data: "mine\n", offset: 0 });
  });
});

const pids = detectCgroups(`tessera-probe-${process.pid}`).pids;
const LIMIT = 48;

describe("a fork bomb under --container_pids_limit", {
  skip: pids.ok ? undefined : `no pids controller: ${pids.detail}`,
}, () => {
  const cluster = clusterForSuite("bomb", {
    isolation: "cgroups/cpu,cgroups/mem,cgroups/pids",
    container_pids_limit: String(LIMIT),
  });

  it("is held at the limit while the agent answers /state, and ends without leftovers", async () => {
    const agentId = await cluster.launch([commandTask("bomb", "b() { b | b & }; b; sleep 100")]);
    await cluster.framework.state("bomb", "TASK_RUNNING");
    const cgroup = cluster.leftoverCgroups().find((dir) => dir.includes("/pids/"));
    assert.ok(cgroup !== undefined, "the container has a pids cgroup");
    assert.equal(readFileSync(join(cgroup, "pids.max"), "utf8").trim(), String(LIMIT));
    await eventually(
      "the bomb to fork up to its limit",
      () => Number(readFileSync(join(cgroup, "pids.current"), "utf8")) >= LIMIT / 2,
    );
    // Responsive: every request is answered while the bomb sits at its limit (no wall-clock
    // threshold: these machines differ too much; a wedged agent fails by the test's timeout).
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${cluster.agent.url}/state`);
      assert.equal(res.status, 200);
      await res.json();
      assert.ok(Number(readFileSync(join(cgroup, "pids.current"), "utf8")) <= LIMIT);
    }
    await cluster.framework.kill(agentId, "bomb");
    const ended = await terminal(cluster.framework, "bomb");
    assert.equal(ended.state, "TASK_KILLED");
    await eventually("the bomb's cgroups to be gone", () => cluster.leftoverCgroups().length === 0);
  });
});
