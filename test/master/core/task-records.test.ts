import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { retainedTaskInfo, sharedResources } from "../../../src/master/core/tasks.ts";
import type { TaskInfo } from "../../../src/master/core/wire-types.ts";
import { parseResourcesText } from "../../../src/resources/index.ts";
import { agentUpdate, commandTask, uuidOf, withTasks } from "./harness.ts";

function resources(text: string) {
  const parsed = parseResourcesText(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

describe("task records (memory of a launched task)", () => {
  it("a launched task keeps the TaskInfo fields its views render and drops resources, command and data", () => {
    const info: TaskInfo = {
      ...commandTask("t1", "a1"),
      labels: { labels: [{ key: "tier", value: "web" }] },
      kill_policy: { grace_period: { nanoseconds: 1_000_000_000 } },
      data: "aGVsbG8=",
    };
    const kept = retainedTaskInfo(info);
    assert.deepEqual(Object.keys(kept).sort(), [
      "agent_id",
      "kill_policy",
      "labels",
      "name",
      "task_id",
    ]);
    assert.equal(kept.labels, info.labels);
    assert.equal(kept.kill_policy, info.kill_policy);
  });

  it("a task's command is kept only when it names a user (the views report it)", () => {
    const plain = retainedTaskInfo(commandTask("t1", "a1"));
    assert.equal(plain.command, undefined);
    const withUser = commandTask("t2", "a1");
    withUser.command = { shell: true, value: "id", user: "nobody" };
    assert.equal(retainedTaskInfo(withUser).command?.user, "nobody");
  });

  it("equal scalar resources are shared; other resources are kept as they are", () => {
    const a = resources("cpus(web):1;mem(web):128");
    const b = resources("cpus(web):1;mem(web):128");
    const c = resources("cpus(web):1;mem(web):256");
    const first = sharedResources(a);
    assert.equal(sharedResources(b), first);
    assert.notEqual(sharedResources(c), first);
    assert.equal(sharedResources(c).toString(), c.toString());
    const ports = resources("cpus:1;ports:[31000-31001]");
    assert.equal(sharedResources(ports), ports);
  });

  it("tasks launched with equal resources share one collection, and one finishing leaves what the other reports unchanged", () => {
    const { h, agent, fw } = withTasks(["t1", "t2"]);
    const [t1, t2] = h.master.snapshot(h.nowMs).tasks;
    assert.ok(t1 !== undefined && t2 !== undefined);
    assert.equal(t1.resources, t2.resources);
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_FINISHED", uuidOf(1));
    const views = h.master.getTasks().tasks ?? [];
    const t2View = views.find((t) => t.task_id.value === "t2");
    assert.deepEqual(
      (t2View?.resources ?? []).map((r) => [r.name, r.scalar?.value]),
      [
        ["cpus", 1],
        ["mem", 128],
      ],
    );
    assert.equal(t2.resources.toString(), t1.resources.toString());
    assert.deepEqual(h.master.invariantViolations(), []);
  });

  it("a status update gives the task a new statuses list and leaves the one a view was given unchanged", () => {
    const { h, agent, fw } = withTasks(["t1"]);
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_STARTING", uuidOf(1));
    const before = h.master.getTasks().tasks?.[0]?.statuses ?? [];
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(2));
    const after = h.master.getTasks().tasks?.[0]?.statuses ?? [];
    assert.deepEqual(
      before.map((s) => s.state),
      ["TASK_STARTING"],
    );
    assert.deepEqual(
      after.map((s) => s.state),
      ["TASK_STARTING", "TASK_RUNNING"],
    );
    assert.equal(h.master.metrics(h.nowMs)["master/tasks_running"], 1);
  });
});
