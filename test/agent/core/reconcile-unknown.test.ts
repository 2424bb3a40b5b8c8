// The master reconciles tasks the agent does not know (reference §5.5, §9.3 "tasks missing on
// agent -> TASK_LOST (non-PA) / TASK_DROPPED (PA)"): the agent answers from the FrameworkInfo
// it learned from RUN_TASK or its checkpoint, even when the task itself was never recorded.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TaskReconciliation } from "../../../src/wire/agent-channel.ts";
import { AGENT_ID, commandTask, framework, Harness } from "./harness.ts";
import { replayWrites } from "./replay.ts";

const PA = framework("PA", { capabilities: [{ type: "PARTITION_AWARE" }] });

function runTask(h: Harness, task = commandTask("t1")) {
  h.masterEvent({
    type: "RUN_TASK",
    run_task: { framework_info: PA, framework_id: { value: "PA" }, task },
  });
}

function subscribed(h: Harness, reconciliations: TaskReconciliation[]) {
  h.handle({ kind: "master_connected" });
  h.fire("registration");
  h.take();
  h.masterEvent({
    type: "SUBSCRIBED",
    subscribed: {
      agent_id: { value: AGENT_ID },
      ping_interval_seconds: 15,
      total_ping_timeout_seconds: 75,
      reconciliations,
    },
  });
}

const unknownT1: TaskReconciliation = {
  framework_id: { value: "PA" },
  task_id: { value: "t1" },
  state: "TASK_STAGING",
};

describe("agent core: reconciling tasks the agent does not know", () => {
  it("answers TASK_DROPPED for a partition-aware framework whose task was lost in a crash but whose FrameworkInfo was checkpointed", () => {
    const h = new Harness({ holdCheckpoints: true });
    h.register();
    h.flush();
    runTask(h);
    // kill -9 right after RUN_TASK: only the framework's record reached the disk.
    const frameworkWrite = h.held.find((w) => w.write.type === "framework");
    assert.ok(frameworkWrite !== undefined, "RUN_TASK checkpoints the FrameworkInfo");
    h.restart(replayWrites([...h.disk, frameworkWrite.write]));
    h.holdCheckpoints = false;
    subscribed(h, [unknownT1]);
    const states = h.updatesToMaster().map((s) => `${s.task_id.value}:${s.state}:${s.reason}`);
    assert.deepEqual(states, ["t1:TASK_DROPPED:REASON_RECONCILIATION"]);
  });

  it("answers TASK_DROPPED after a crash that kept the framework and executor but not the task, once the never-started executor is gone", () => {
    const h = new Harness({ holdCheckpoints: true });
    h.register();
    h.flush();
    runTask(h);
    // kill -9 after RUN_TASK: the framework's and executor's records are durable, the task's
    // is not, and the container never started.
    const kept = h.held.filter((w) => w.write.type === "framework" || w.write.type === "executor");
    assert.equal(kept.length, 2);
    h.restart(replayWrites([...h.disk, ...kept.map((w) => w.write)]));
    h.holdCheckpoints = false;
    for (const ex of h.core.frameworks.get("PA")?.executors.values() ?? []) {
      h.handle({ kind: "container_exited", containerId: ex.containerId });
    }
    assert.equal(h.core.frameworks.has("PA"), false, "the framework completed here");
    subscribed(h, [unknownT1]);
    const states = h.updatesToMaster().map((s) => `${s.task_id.value}:${s.state}:${s.reason}`);
    assert.deepEqual(states, ["t1:TASK_DROPPED:REASON_RECONCILIATION"]);
  });

  it("answers TASK_DROPPED for a partition-aware framework that already completed on this agent", () => {
    const h = new Harness();
    h.register();
    runTask(h);
    h.masterEvent({
      type: "SHUTDOWN_FRAMEWORK",
      shutdown_framework: { framework_id: { value: "PA" } },
    });
    for (const l of h.of("launch_container")) {
      h.handle({ kind: "container_exited", containerId: l.launch.containerId, status: 9 });
    }
    h.take();
    h.masterEvent({
      type: "RECONCILE_TASKS",
      reconcile_tasks: { tasks: [{ ...unknownT1, task_id: { value: "other" } }] },
    });
    const states = h.updatesToMaster().map((s) => `${s.task_id.value}:${s.state}`);
    assert.deepEqual(states, ["other:TASK_DROPPED"]);
  });
});
