// Master failover end to end (issue #7's acceptance): real ZooKeeper, three masters as child
// processes, two agents running real tasks, an SDK framework following the leader through
// ZooKeeper. The leading master is killed with SIGKILL; then a standby must lead, know every
// running task, hand the framework each update produced meanwhile exactly once, and keep
// launching. Done against a standalone ZooKeeper, and against a three-node ensemble whose own
// leader is killed too.
import assert from "node:assert/strict";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import { eventually } from "../support/eventually.ts";
import { zooKeeperSkip } from "../support/zookeeper.ts";
import { getJson, HA_WAIT, HaCluster, HaFramework, touch } from "./cluster.ts";

const skip = zooKeeperSkip();
const LONG_TASKS = ["long-1", "long-2", "long-3", "long-4"];
const SHORT_TASKS = ["short-1", "short-2", "short-3", "short-4"];

let cluster: HaCluster | undefined;
let framework: HaFramework | undefined;
afterEach(async () => {
  await framework?.stop().catch(() => undefined);
  await cluster?.stop();
  framework = undefined;
  cluster = undefined;
});

interface MasterTask {
  id: string;
  state: string;
  framework_id: string;
}

async function tasksKnownTo(url: string): Promise<MasterTask[]> {
  const { status, json } = await getJson(`${url}/master/tasks?limit=1000`);
  if (status !== 200) return [];
  return (json as { tasks: MasterTask[] }).tasks;
}

async function failover(zkServers: 1 | 3): Promise<void> {
  cluster = await HaCluster.start({
    zkServers,
    // Correctness, not speed, is tested here (the failover bench times the defaults): a longer
    // session keeps a loaded CI host's stalls from deposing the masters mid-test.
    masterFlags: { zk_session_timeout: "4secs" },
    agentFlags: { registration_backoff_factor: "100ms" },
  });
  const c = cluster;
  const fw = new HaFramework(c.zkUrl);
  framework = fw;
  const trigger = join(c.dir, "finish-short-tasks");
  for (const id of LONG_TASKS) fw.launch(id, c.taskCommand("exec sleep 600"));
  // Short tasks finish only once the trigger exists: we create it while no master leads.
  for (const id of SHORT_TASKS) {
    fw.launch(id, c.taskCommand(`while [ ! -e ${trigger} ]; do sleep 0.05; done`));
  }
  await eventually(
    "every task running",
    () => [...LONG_TASKS, ...SHORT_TASKS].every((id) => fw.latest(id) === "TASK_RUNNING"),
    HA_WAIT,
  );
  const frameworkId = fw.client.frameworkId;
  assert.ok(frameworkId !== undefined);
  const oldLeader = await c.leader();
  const agentIds = c.agents.map((a) => a.agentId());
  assert.deepEqual((await c.activeAgents(oldLeader.url)).sort(), [...agentIds].sort());

  if (zkServers === 3) {
    const zkLeader = await c.zk.leaderId();
    assert.ok(zkLeader !== undefined, "the ensemble has a leader");
    await c.zk.kill(zkLeader);
  }
  oldLeader.kill("SIGKILL");
  await oldLeader.exited;
  touch(trigger);

  const newLeader = await c.leader(oldLeader.port);
  assert.notEqual(newLeader.port, oldLeader.port);

  // Both agents re-register with the new leader, carrying their tasks.
  await eventually(
    "both agents re-registered with the new leader",
    async () => {
      const active = await c.activeAgents(newLeader.url);
      return agentIds.every((id) => id !== undefined && active.includes(id));
    },
    HA_WAIT,
  );
  await eventually(
    "the long tasks running and known to the new leader",
    async () => {
      const tasks = await tasksKnownTo(newLeader.url);
      return LONG_TASKS.every((id) =>
        tasks.some(
          (t) => t.id === id && t.state === "TASK_RUNNING" && t.framework_id === frameworkId,
        ),
      );
    },
    HA_WAIT,
  );

  // The framework re-subscribed with its id, and got each TASK_FINISHED exactly once.
  await eventually(
    "the framework re-subscribed",
    () => fw.subscriptions.some((s) => s.resubscribed && s.frameworkId === frameworkId),
    HA_WAIT,
  );
  await eventually(
    "every short task finished",
    () => SHORT_TASKS.every((id) => fw.latest(id) === "TASK_FINISHED"),
    HA_WAIT,
  );
  for (const id of SHORT_TASKS) {
    const finished = fw.updates.filter((u) => u.taskId === id && u.state === "TASK_FINISHED");
    assert.equal(finished.length, 1, `${id}: TASK_FINISHED delivered ${finished.length} times`);
  }
  // No update that needed an acknowledgement came twice.
  const uuids = fw.updates.flatMap((u) => (u.uuid === undefined ? [] : [u.uuid]));
  assert.equal(new Set(uuids).size, uuids.length, "an acknowledged update was delivered twice");
  for (const id of LONG_TASKS) assert.equal(fw.latest(id), "TASK_RUNNING");

  // The framework keeps launching through the new leader.
  fw.launch("after-failover", c.taskCommand("exec sleep 600"));
  await eventually(
    "a task launched after the failover runs",
    () => (fw.latest("after-failover") === "TASK_RUNNING" ? true : undefined),
    HA_WAIT,
  );
  assert.equal(fw.subscriptions.at(-1)?.frameworkId, frameworkId);
}

describe("master failover with ZooKeeper", { skip: skip.skip, timeout: 600_000 }, () => {
  test("killing the leading master with SIGKILL loses no task and no update, and the framework keeps launching", {
    timeout: 300_000,
  }, async () => {
    await failover(1);
  });

  test("the same holds when the ZooKeeper ensemble's leader is killed along with the leading master", {
    timeout: 300_000,
  }, async () => {
    await failover(3);
  });
});
