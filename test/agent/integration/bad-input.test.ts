// Bad input end to end (issue 5's acceptance; reference §2.10, §3.5, §5.6): a real master and
// a real agent with cgroups. A TaskInfo with neither command nor executor is refused by the
// master (TASK_ERROR, REASON_TASK_INVALID); an impossible user and a URI that cannot be fetched
// end the task TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED and a message naming the user or
// the URI; an unknown isolator stops the agent from starting with one line naming it. After
// each: no stray process, no cgroup left under the agent's cgroups root, the sandbox kept (as
// Mesos keeps sandboxes until garbage collection).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { AgentStartError } from "../../../src/agent/server.ts";
import { cgroupsUnavailable } from "../containerizer/helpers.ts";
import { freePort, spawnAgent } from "./agent-process.ts";
import { type Cluster, processesWith, startCluster, terminal } from "./cluster.ts";
import { commandTask, startTestAgent, tempWorkDir } from "./helpers.ts";

const cgroups = cgroupsUnavailable(`tessera-it-badprobe-${process.pid}`) === null;

describe("bad input with a real master and agent", () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster("bad", {
      isolation: cgroups ? "cgroups/cpu,cgroups/mem" : "posix/cpu,posix/mem",
    });
  });

  after(async () => {
    await cluster.stop();
  });

  /** Nothing of the task is left running or in the cgroups; its sandbox (if made) is kept. */
  function assertNothingLeft(marker: string, taskId: string, sandboxExpected: boolean) {
    assert.deepEqual(processesWith(marker), [], "no stray process");
    assert.deepEqual(cluster.leftoverCgroups(), [], "no cgroup left under the agent's root");
    const sandbox = cluster.sandbox(taskId);
    if (sandboxExpected) {
      assert.ok(sandbox !== undefined && existsSync(sandbox), "the sandbox is kept");
    }
  }

  it("a TaskInfo with neither command nor executor is TASK_ERROR from the master with a clear message", async () => {
    await cluster.launch([{ task_id: { value: "no-command" } }]);
    const end = await terminal(cluster.framework, "no-command");
    assert.equal(end.state, "TASK_ERROR");
    assert.equal(end.status.source, "SOURCE_MASTER");
    assert.equal(end.status.reason, "REASON_TASK_INVALID");
    assert.match(end.status.message ?? "", /CommandInfo or ExecutorInfo/);
    // The agent never heard of it.
    assert.equal(cluster.sandbox("no-command"), undefined);
    assertNothingLeft("no-command", "no-command", false);
  });

  it("a task for an impossible user fails with a message naming the user, leaving nothing behind but its sandbox", async () => {
    const marker = `tessera-baduser-${process.pid}`;
    await cluster.launch([
      commandTask("bad-user", `sleep 1000 # ${marker}`, {
        command: { value: `sleep 1000 # ${marker}`, user: "no-such-user-xyz" },
      }),
    ]);
    const end = await terminal(cluster.framework, "bad-user");
    assert.ok(["TASK_FAILED", "TASK_ERROR"].includes(end.state), end.state);
    assert.match(end.status.message ?? "", /no-such-user-xyz/);
    assertNothingLeft(marker, "bad-user", true);
  });

  /** A task whose URI cannot be fetched fails with the launch-failed reason, naming the URI. */
  async function assertUriFailsTheLaunch(taskId: string, marker: string, uri: string) {
    await cluster.launch([
      commandTask(taskId, `sleep 1000 # ${marker}`, {
        command: { value: `sleep 1000 # ${marker}`, uris: [{ value: uri }] },
      }),
    ]);
    const end = await terminal(cluster.framework, taskId);
    assert.equal(end.state, "TASK_FAILED");
    assert.equal(end.status.reason, "REASON_CONTAINER_LAUNCH_FAILED");
    assert.ok((end.status.message ?? "").includes(uri), end.status.message);
    assertNothingLeft(marker, taskId, true);
  }

  it("a file URI that does not exist fails the launch with REASON_CONTAINER_LAUNCH_FAILED naming the URI", async () => {
    await assertUriFailsTheLaunch(
      "bad-file-uri",
      `tessera-badfile-${process.pid}`,
      `/nonexistent/tessera-${process.pid}/payload.tar.gz`,
    );
  });

  it("an http URI on a closed port fails the launch with REASON_CONTAINER_LAUNCH_FAILED naming the URI", async () => {
    await assertUriFailsTheLaunch(
      "bad-http-uri",
      `tessera-badhttp-${process.pid}`,
      `http://127.0.0.1:${await freePort()}/x`,
    );
  });
});

describe("an unknown isolator", () => {
  it("stops startAgent with an AgentStartError of one line naming the isolator", async () => {
    const work = await tempWorkDir();
    try {
      await assert.rejects(
        startTestAgent(undefined, work.dir, { isolation: "posix/cpu,bogus/thing" }),
        (error: unknown) => {
          assert.ok(error instanceof AgentStartError);
          assert.equal(error.flag, "isolation");
          assert.match(error.message, /'bogus\/thing'/);
          assert.doesNotMatch(error.message, /\n/);
          return true;
        },
      );
    } finally {
      await work.remove();
    }
  });

  it("makes `tessera agent` exit non-zero with one error line naming it", async () => {
    const work = await tempWorkDir();
    try {
      const started = spawnAgent(
        {
          work_dir: work.dir,
          ip: "127.0.0.1",
          port: String(await freePort()),
          isolation: "bogus/thing",
        },
        20_000,
      );
      const error = await started.then(
        () => assert.fail("the agent started"),
        (e: unknown) => e as Error,
      );
      const match = /^agent exited with (\d+):\n([\s\S]*)$/.exec(error.message);
      assert.ok(match !== null, error.message);
      assert.notEqual(match[1], "0");
      const lines = (match[2] ?? "").split("\n").filter((l) => l.trim() !== "");
      assert.equal(lines.length, 1, `expected one line, got:\n${match[2]}`);
      assert.match(lines[0] ?? "", /bogus\/thing/);
    } finally {
      await work.remove();
    }
  });
});
