// The default executor (ExecutorInfo type DEFAULT) with a real master and agent: a v1
// scheduler sends LAUNCH_GROUP, the agent starts its own executor, and each task of the group
// runs in the executor's sandbox and network namespace with its own status updates; a failing
// task takes its group down with it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { executorRuns, executorRunsDir } from "../../support/cluster.ts";
import { type Cluster, startCluster } from "./cluster.ts";
import type { Loose } from "./helpers.ts";

const scalar = (name: string, value: number) => ({ name, type: "SCALAR", scalar: { value } });

let cluster: Cluster;
before(async () => {
  cluster = await startCluster("defexec", { isolation: "posix/cpu,posix/mem" });
});
after(async () => {
  await cluster?.stop();
});

/** Launches `tasks` as one group on the default executor `executorId`; returns the agent id. */
async function launchGroup(
  executorId: string,
  tasks: { id: string; cmd: string; health?: Record<string, unknown> }[],
) {
  const offer = await cluster.framework.offerWithRoom(0.3, 192);
  const res = await cluster.framework.scheduler.call({
    type: "ACCEPT",
    accept: {
      offer_ids: [offer.id],
      operations: [
        {
          type: "LAUNCH_GROUP",
          launch_group: {
            executor: {
              type: "DEFAULT",
              executor_id: { value: executorId },
              framework_id: { value: cluster.framework.id },
              // The executor is a Node.js process.
              resources: [scalar("cpus", 0.1), scalar("mem", 128)],
            },
            task_group: {
              tasks: tasks.map((t) => ({
                name: t.id,
                task_id: { value: t.id },
                agent_id: offer.agent_id,
                resources: [scalar("cpus", 0.1), scalar("mem", 32)],
                command: { value: t.cmd },
                kill_policy: { grace_period: { nanoseconds: 500_000_000 } },
                ...(t.health === undefined ? {} : { health_check: t.health }),
              })),
            },
          },
        },
      ],
      filters: { refuse_seconds: 0 },
    },
  });
  assert.equal(res.status, 202, res.body);
  return offer.agent_id as Loose;
}

function states(taskId: string): string[] {
  return cluster.framework.updates.filter((u) => u.taskId === taskId).map((u) => u.state);
}

describe("the default executor (LAUNCH_GROUP) on a real agent", () => {
  it("two tasks of a group share the sandbox and the network; each reports its own states", async () => {
    const port = 30_000 + (process.pid % 1000);
    const server = `node -e "require('http').createServer((q,r)=>r.end('pong')).listen(${port})" & echo written > shared.txt; until [ -f sandbox.txt ]; do sleep 0.1; done; kill $!`;
    const client = `until [ -f shared.txt ]; do sleep 0.1; done; cp shared.txt seen.txt; until node -e "fetch('http://127.0.0.1:${port}').then(r=>r.text()).then(t=>{require('fs').writeFileSync('reply.txt',t)})" 2>/dev/null; do sleep 0.2; done; echo $MESOS_SANDBOX > sandbox.txt`;
    await launchGroup("group-ex", [
      { id: "server", cmd: server },
      { id: "client", cmd: client },
    ]);
    await cluster.framework.state("client", "TASK_FINISHED", 60_000);
    await cluster.framework.state("server", "TASK_FINISHED", 60_000);
    assert.deepEqual(states("client"), ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
    assert.deepEqual(states("server"), ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
    const running = cluster.framework.updates.find(
      (u) => u.taskId === "client" && u.state === "TASK_RUNNING",
    );
    assert.equal(running?.status.source, "SOURCE_EXECUTOR");
    assert.equal(running?.status.executor_id?.value, "group-ex");
    const agentId = cluster.agent.agentId() as string;
    const run = executorRuns(cluster.workDir, agentId, cluster.framework.id, "group-ex")[0];
    assert.ok(run !== undefined, "one executor run for the group");
    const sandbox = join(
      executorRunsDir(cluster.workDir, agentId, cluster.framework.id, "group-ex"),
      run,
    );
    assert.equal(readFileSync(join(sandbox, "seen.txt"), "utf8"), "written\n");
    assert.equal(readFileSync(join(sandbox, "reply.txt"), "utf8"), "pong");
    assert.equal(readFileSync(join(sandbox, "sandbox.txt"), "utf8").trim(), sandbox);
  });

  it("a task that fails kills the rest of its group; both tasks finish on their own otherwise", async () => {
    await launchGroup("failing-ex", [
      { id: "fails", cmd: "sleep 0.3; exit 3" },
      { id: "sleeps", cmd: "sleep 1000" },
    ]);
    const failed = await cluster.framework.state("fails", "TASK_FAILED", 60_000);
    assert.equal(failed.status.message, "Command exited with status 3");
    const killed = await cluster.framework.state("sleeps", "TASK_KILLED", 60_000);
    assert.equal(killed.status.message, "Killed since task fails of its group ended");
    await launchGroup("fine-ex", [
      { id: "one", cmd: "true" },
      { id: "two", cmd: "sleep 0.2" },
    ]);
    await cluster.framework.state("one", "TASK_FINISHED", 60_000);
    await cluster.framework.state("two", "TASK_FINISHED", 60_000);
  });

  it("a task failing its health check is killed with its group; a KILL takes a whole group down", async () => {
    await launchGroup("sick-ex", [
      {
        id: "sick",
        cmd: "sleep 1000",
        health: {
          type: "COMMAND",
          command: { value: "exit 1" },
          delay_seconds: 0,
          interval_seconds: 0.2,
          grace_period_seconds: 0,
          consecutive_failures: 2,
        },
      },
      { id: "mate", cmd: "sleep 1000" },
    ]);
    const sick = await cluster.framework.state("sick", "TASK_KILLED", 60_000);
    assert.equal(sick.status.healthy, false);
    assert.match(String(sick.status.message), /health check failed 2 times consecutively/);
    const unhealthy = cluster.framework.updates.find(
      (u) => u.taskId === "sick" && u.state === "TASK_RUNNING" && u.status.healthy === false,
    );
    assert.equal(unhealthy?.status.reason, "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED");
    await cluster.framework.state("mate", "TASK_KILLED", 60_000);
    const agentId = await launchGroup("killed-ex", [
      { id: "k1", cmd: "sleep 1000" },
      { id: "k2", cmd: "sleep 1000" },
    ]);
    await cluster.framework.state("k2", "TASK_RUNNING", 60_000);
    await cluster.framework.kill(agentId, "k1");
    await cluster.framework.state("k1", "TASK_KILLED", 60_000);
    await cluster.framework.state("k2", "TASK_KILLED", 60_000);
  });
});
