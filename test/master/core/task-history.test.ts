import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TaskHistory } from "../../../src/master/core/task-history.ts";
import { ackCall } from "../scheduler-calls.ts";
import { agentUpdate, Harness, launchTasks, uuidOf, withTasks } from "./harness.ts";

/** A master whose framework finished t1 (t2 still runs) and a second framework torn down. */
function stoppedMaster(): { history: TaskHistory; live: string; removed: string } {
  const { h, agent, fw } = withTasks(["t1", "t2"], { name: "services" });
  agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_FINISHED", uuidOf(1));
  h.call(fw.streamId, fw.frameworkId, ackCall(agent.agentId, "t1", uuidOf(1)));
  const other = h.subscribe({ name: "run" });
  launchTasks(h, other, agent.agentId, ["r1"]);
  h.call(other.streamId, other.frameworkId, { type: "TEARDOWN" });
  // Through JSON, as the shell's file keeps it.
  const history = JSON.parse(JSON.stringify(h.master.taskHistory())) as TaskHistory;
  return { history, live: fw.frameworkId, removed: other.frameworkId };
}

const completed = (h: Harness) =>
  (h.master.getTasks().completed_tasks ?? []).map((t) => `${t.task_id.value} ${t.state}`);

describe("finished tasks kept across a master restart (task history)", () => {
  it("a torn-down framework comes back as a completed framework with its tasks, and stays removed", () => {
    const { history, removed } = stoppedMaster();
    const h = new Harness({ masterId: "M2", taskHistory: history });
    assert.deepEqual(completed(h), ["r1 TASK_KILLED"]);
    const frameworks = h.master.getFrameworks();
    assert.deepEqual(
      frameworks.completed_frameworks?.map((f) => f.framework_info.name),
      ["run"],
    );
    assert.equal(frameworks.frameworks?.length ?? 0, 0);
    const again = h.subscribe({ id: { value: removed }, name: "run" });
    assert.equal(again.frameworkId, "", "a removed framework cannot subscribe again");
  });

  it("a registered framework's finished tasks rejoin it when it subscribes again, and are saved again until then", () => {
    const { history, live } = stoppedMaster();
    const h = new Harness({ masterId: "M2", taskHistory: history });
    const waiting = h.master.taskHistory().frameworks.find((f) => f.info.id?.value === live);
    assert.deepEqual(
      waiting?.tasks.map((t) => t.info.task_id.value),
      ["t1"],
      "not back yet: still in the next save",
    );
    const back = h.subscribe({ id: { value: live }, name: "services" });
    assert.equal(back.frameworkId, live);
    assert.deepEqual(completed(h).sort(), ["r1 TASK_KILLED", "t1 TASK_FINISHED"]);
    const task = h.master.getTasks().completed_tasks?.find((t) => t.task_id.value === "t1");
    assert.equal(task?.framework_id.value, live);
    assert.equal(task?.statuses?.at(-1)?.state, "TASK_FINISHED");
    assert.ok(task?.resources?.some((r) => r.name === "cpus"));
  });

  it("a history of another shape is ignored", () => {
    const h = new Harness({ taskHistory: { version: 99, frameworks: [] } });
    assert.deepEqual(completed(h), []);
  });
});
