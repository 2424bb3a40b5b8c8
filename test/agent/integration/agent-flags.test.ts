// Agent flags that change how tasks run, with a real master and agent: --switch_user=false
// runs every task as the agent's user, --executor_environment_variables replaces the
// environment executors inherit, and --sandbox_directory moves the sandbox's mount point.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { detectNamespaces, findTools } from "../../../src/agent/containerizer/namespaces-detect.ts";
import { executorRuns, executorRunsDir } from "../../support/cluster.ts";
import { clusterForSuite } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

const filesystem = detectNamespaces(findTools()).filesystem;
const MOUNT_POINT = "/mnt/tessera-flags-test";
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
const SCRIPT = 'id -u; echo "foo=$FOO home=${HOME:-none}"; pwd; echo "$MESOS_SANDBOX"';

describe("agent flags that shape a task's process", () => {
  const cluster = clusterForSuite("flags", {
    switch_user: "false",
    executor_environment_variables: JSON.stringify({ PATH: "/usr/bin:/bin", FOO: "bar" }),
    sandbox_directory: MOUNT_POINT,
    ...(filesystem.ok ? { isolation: "posix/cpu,posix/mem,filesystem/linux" } : {}),
  });

  it("runs as the agent's user, with only the given environment (plus Mesos's), in the mount point", async () => {
    const { framework, workDir } = cluster;
    const offer = await framework.offer();
    await framework.launch(offer, [
      commandTask("flags", "", {
        command: { value: SCRIPT, user: "nobody" },
      }),
    ]);
    await framework.state("flags", "TASK_FINISHED");
    const runs = executorRunsDir(workDir, offer.agent_id.value, framework.id, "flags");
    const run = executorRuns(workDir, offer.agent_id.value, framework.id, "flags")[0] ?? "";
    const stdout = await readFile(join(runs, run, "stdout"), "utf8");
    const lines = stdout.trim().split("\n");
    assert.equal(lines[0], String(process.getuid?.()), "not switched to nobody");
    assert.equal(lines[1], "foo=bar home=none");
    if (filesystem.ok) {
      assert.equal(lines[2], MOUNT_POINT, "the task starts in the sandbox's mount point");
      assert.equal(lines[3], MOUNT_POINT, "MESOS_SANDBOX names it");
    }
  });
});
