import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ackCall } from "../scheduler-calls.ts";
import { agentUpdate, uuidOf, withTasks } from "./harness.ts";

function running() {
  const { h, agent, fw } = withTasks(["t1"]);
  return { h, agent, fw };
}

describe("status updates", () => {
  it("an agent's update is forwarded to the framework with its uuid and the task state follows", () => {
    const { h, agent, fw } = running();
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1));
    const status = h.updates(fw.streamId).at(-1);
    assert.equal(status?.state, "TASK_RUNNING");
    assert.equal(status?.uuid, uuidOf(1));
    assert.equal(status?.agent_id?.value, agent.agentId);
    const task = h.master.snapshot(h.nowMs).tasks[0];
    assert.equal(task?.state, "TASK_RUNNING");
    assert.equal(task?.statusUpdateState, "TASK_RUNNING");
  });

  it("the framework's ACKNOWLEDGE is relayed to the agent, duplicates too (the agent's status update manager drops them)", () => {
    const { h, agent, fw } = running();
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1));
    const ack = ackCall(agent.agentId, "t1", uuidOf(1));
    h.call(fw.streamId, fw.frameworkId, ack);
    h.call(fw.streamId, fw.frameworkId, ack);
    const acks = h.agentEventsOn(agent.streamId).filter((e) => e.type === "ACKNOWLEDGE");
    assert.equal(acks.length, 2);
    assert.deepEqual(acks[0]?.acknowledge, {
      framework_id: { value: fw.frameworkId },
      task_id: { value: "t1" },
      uuid: uuidOf(1),
    });
    assert.equal(h.master.metrics(h.nowMs)["master/valid_status_update_acknowledgements"], 2);
  });

  it("an acknowledgement for a task with no update sent, or for an agent that is not registered, is dropped and counted", () => {
    const { h, agent, fw } = running();
    const ack = (agentId: string) => ackCall(agentId, "t1", uuidOf(1));
    h.call(fw.streamId, fw.frameworkId, ack(agent.agentId));
    h.call(fw.streamId, fw.frameworkId, ack("M-S42"));
    assert.equal(h.agentEventsOn(agent.streamId).filter((e) => e.type === "ACKNOWLEDGE").length, 0);
    assert.equal(h.master.metrics(h.nowMs)["master/invalid_status_update_acknowledgements"], 2);
  });

  it("a terminal latest_state releases the task's resources before the terminal update is acknowledged", () => {
    const { h, agent, fw } = running();
    const before = h.allocator.calls.length;
    // The agent is still delivering RUNNING, but the task already finished.
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1), "TASK_FINISHED");
    const task = h.master.snapshot(h.nowMs).tasks[0];
    assert.equal(task?.state, "TASK_FINISHED");
    assert.equal(task?.statusUpdateState, "TASK_RUNNING");
    assert.equal(h.allocator.calls.length, before + 1);
    assert.match(h.allocator.calls.at(-1) ?? "", /^recover M-0000 M-S0 cpus.*:1; mem.*:128 0$/);
    // The task stays active until its terminal update is acknowledged.
    h.call(fw.streamId, fw.frameworkId, ackCall(agent.agentId, "t1", uuidOf(1)));
    assert.equal(h.master.snapshot(h.nowMs).tasks.length, 1);
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_FINISHED", uuidOf(2));
    h.call(fw.streamId, fw.frameworkId, ackCall(agent.agentId, "t1", uuidOf(2)));
    const snap = h.master.snapshot(h.nowMs);
    assert.equal(snap.tasks.length, 0);
    assert.equal(snap.completedTasks[0]?.state, "TASK_FINISHED");
    assert.equal(h.allocator.calls.length, before + 1, "resources released once");
  });

  it("a retried update the master already forwarded is forwarded again and becomes the one awaiting acknowledgement", () => {
    const { h, agent, fw } = running();
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_STARTING", uuidOf(1), "TASK_RUNNING");
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(2));
    // The agent's retry of the first update crossed the second one (reordered channel).
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_STARTING", uuidOf(1), "TASK_RUNNING");
    assert.deepEqual(
      h.updates(fw.streamId).map((s) => [s.state, s.uuid]),
      [
        ["TASK_STARTING", uuidOf(1)],
        ["TASK_RUNNING", uuidOf(2)],
        ["TASK_STARTING", uuidOf(1)],
      ],
    );
    const task = h.master.getTasks().tasks?.[0];
    assert.equal(task?.status_update_uuid, uuidOf(1));
    assert.equal(task?.status_update_state, "TASK_STARTING");
    assert.equal(task?.state, "TASK_RUNNING");
    assert.equal(task?.statuses?.length, 2, "the retry is not recorded twice");
  });

  it("a retry carrying a newer latest_state moves the task to it; a terminal one releases its resources once", () => {
    const { h, agent, fw } = running();
    // RUNNING is sent and not acknowledged (say the framework is away); the task then
    // finishes, and the agent's retry of RUNNING says so in latest_state.
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1));
    const before = h.allocator.calls.length;
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1), "TASK_FINISHED");
    const task = h.master.getTasks().tasks?.[0];
    assert.equal(task?.state, "TASK_FINISHED");
    assert.equal(task?.status_update_state, "TASK_RUNNING");
    assert.equal(task?.statuses?.length, 1, "the retry is not recorded twice");
    assert.equal(h.allocator.calls.length, before + 1);
    assert.match(h.allocator.calls.at(-1) ?? "", /^recover /);
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1), "TASK_FINISHED");
    assert.equal(h.allocator.calls.length, before + 1, "resources released once");
  });

  it("a retried non-terminal update after a terminal latest state changes nothing but is forwarded", () => {
    const { h, agent, fw } = running();
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1));
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_FINISHED", uuidOf(2));
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1));
    const task = h.master.getTasks().tasks?.[0];
    assert.equal(task?.status_update_uuid, uuidOf(2));
    assert.equal(task?.state, "TASK_FINISHED");
    assert.equal(h.updates(fw.streamId).length, 3);
  });

  it("a duplicated terminal update is forwarded again without changing the task", () => {
    const { h, agent, fw } = running();
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_FAILED", uuidOf(1));
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_FAILED", uuidOf(1));
    assert.equal(h.updates(fw.streamId).filter((s) => s.state === "TASK_FAILED").length, 2);
    const task = h.master.snapshot(h.nowMs).tasks[0];
    assert.equal(task?.statuses.length, 1);
    assert.equal(task?.state, "TASK_FAILED");
  });

  it("an update for a disconnected framework is dropped (the agent retries)", () => {
    const { h, agent, fw } = withTasks(["t1"], { failover_timeout: 100 });
    h.step({ kind: "scheduler_stream_closed", streamId: fw.streamId });
    h.clear();
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1));
    assert.equal(h.outputs.filter((o) => o.kind === "framework_event").length, 0);
    assert.equal(h.master.metrics(h.nowMs)["master/dropped_status_updates"], 1);
    // A failed-over scheduler receives the retried update.
    const back = h.subscribe({ id: { value: fw.frameworkId }, failover_timeout: 100 });
    agentUpdate(h, agent.agentId, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1));
    assert.equal(h.updates(back.streamId).at(-1)?.uuid, uuidOf(1));
  });

  it("KILL of a known task sends KILL_TASK to its agent; an agent_id mismatch is ignored", () => {
    const { h, agent, fw } = running();
    h.call(fw.streamId, fw.frameworkId, {
      type: "KILL",
      kill: { task_id: { value: "t1" }, agent_id: { value: "other" } },
    });
    assert.equal(h.agentEventsOn(agent.streamId).filter((e) => e.type === "KILL_TASK").length, 0);
    h.call(fw.streamId, fw.frameworkId, {
      type: "KILL",
      kill: { task_id: { value: "t1" }, kill_policy: { grace_period: { nanoseconds: 5e9 } } },
    });
    const kill = h.agentEventsOn(agent.streamId).find((e) => e.type === "KILL_TASK");
    assert.deepEqual(kill?.kill_task, {
      framework_id: { value: fw.frameworkId },
      task_id: { value: "t1" },
      kill_policy: { grace_period: { nanoseconds: 5e9 } },
    });
  });

  it("framework and executor messages are relayed both ways", () => {
    const { h, agent, fw } = running();
    h.call(fw.streamId, fw.frameworkId, {
      type: "MESSAGE",
      message: { agent_id: { value: agent.agentId }, executor_id: { value: "e" }, data: "aGk=" },
    });
    assert.equal(h.agentEventsOn(agent.streamId).at(-1)?.framework_message?.data, "aGk=");
    h.agentCall(agent.agentId, {
      type: "FRAMEWORK_MESSAGE",
      framework_message: {
        framework_id: { value: fw.frameworkId },
        executor_id: { value: "e" },
        data: "eW8=",
      },
    });
    assert.deepEqual(h.frameworkEvents(fw.streamId).at(-1), {
      type: "MESSAGE",
      message: { agent_id: { value: agent.agentId }, executor_id: { value: "e" }, data: "eW8=" },
    });
  });
});
