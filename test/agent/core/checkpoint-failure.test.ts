import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHECKPOINT_FAILED_MESSAGE } from "../../../src/agent/core/tasks.ts";
import { commandTask, framework, Harness, uuid } from "./harness.ts";

const FAILURE = "ENOSPC: no space left on device, write";

function runTask(h: Harness, id: string) {
  return h.masterEvent({
    type: "RUN_TASK",
    run_task: {
      framework_info: framework("F1"),
      framework_id: { value: "F1" },
      task: commandTask(id),
    },
  });
}

/** Fails every held checkpoint write, as the shell does after the first failure. */
function failHeld(h: Harness): void {
  for (const held of h.held.splice(0)) {
    h.handle({ kind: "checkpoint_failed", token: held.token, message: FAILURE });
  }
}

/** An agent running t1 (RUNNING forwarded), its checkpoint writes held from now on. */
function running(): Harness {
  const h = new Harness();
  h.register();
  runTask(h, "t1");
  h.subscribeExecutor("F1", "t1");
  h.executorUpdate("F1", "t1", "t1", "TASK_RUNNING", uuid(1));
  assert.deepEqual(
    h.updatesToMaster().map((s) => s.uuid),
    [uuid(1)],
  );
  h.holdCheckpoints = true;
  h.take();
  return h;
}

describe("agent core: a checkpoint write that fails", () => {
  it("leaves the update it held unsent and unacknowledged, and says why", () => {
    const h = running();
    h.executorUpdate("F1", "t1", "t1", "TASK_FINISHED", uuid(2));
    h.masterEvent({
      type: "ACKNOWLEDGE",
      acknowledge: { framework_id: { value: "F1" }, task_id: { value: "t1" }, uuid: uuid(1) },
    });
    assert.ok(h.held.length >= 2, "the update and the acknowledgement wait for the disk");
    failHeld(h);
    // Neither forwarded to the master nor acknowledged to the executor.
    assert.deepEqual(h.updatesToMaster(), []);
    const streamId = h.core.frameworks.get("F1")?.executors.get("t1")?.streamId;
    assert.deepEqual(
      h.executorEvents(streamId).filter((e) => e.type === "ACKNOWLEDGED"),
      [],
    );
    assert.equal(h.core.checkpointFailure, FAILURE);
    assert.ok(h.core.counts.checkpointWriteErrors >= 2);
    // The retry timer does not send it either.
    for (const timerId of [...h.timers.keys()].filter((t) => t.startsWith("status_update:"))) {
      h.fire(timerId);
    }
    assert.deepEqual(
      h.updatesToMaster().filter((s) => s.uuid === uuid(2)),
      [],
    );
  });

  it("a later acknowledgement whose record fails sends nothing after it", () => {
    const h = running();
    h.executorUpdate("F1", "t1", "t1", "TASK_FINISHED", uuid(2));
    // The FINISHED record is durable; the ACK record for RUNNING is not.
    const finished = h.held.shift();
    assert.ok(finished !== undefined);
    h.handle({ kind: "checkpoint_written", token: finished.token });
    h.masterEvent({
      type: "ACKNOWLEDGE",
      acknowledge: { framework_id: { value: "F1" }, task_id: { value: "t1" }, uuid: uuid(1) },
    });
    failHeld(h);
    assert.deepEqual(
      h.updatesToMaster().filter((s) => s.uuid === uuid(2)),
      [],
      "FINISHED waits behind the acknowledgement that is not on disk",
    );
  });

  it("refuses every later task with TASK_FAILED naming the failure, launching nothing", () => {
    const h = running();
    h.executorUpdate("F1", "t1", "t1", "TASK_FINISHED", uuid(2));
    failHeld(h);
    h.take();
    runTask(h, "t2");
    const out = h.take();
    assert.deepEqual(h.of("launch_container", out), []);
    assert.deepEqual(h.of("checkpoint", out), [], "a refused task is not recorded");
    const updates = h.updatesToMaster(out);
    assert.equal(updates.length, 1);
    assert.equal(updates[0]?.task_id.value, "t2");
    assert.equal(updates[0]?.state, "TASK_FAILED");
    assert.equal(updates[0]?.reason, "REASON_CONTAINER_LAUNCH_FAILED");
    assert.equal(updates[0]?.message, `${CHECKPOINT_FAILED_MESSAGE}: ${FAILURE}`);
    // A task group is refused the same way, every task of it.
    h.masterEvent({
      type: "RUN_TASK_GROUP",
      run_task_group: {
        framework_info: framework("F1"),
        framework_id: { value: "F1" },
        executor: {
          executor_id: { value: "g" },
          type: "DEFAULT",
          resources: [],
        },
        task_group: { tasks: [commandTask("g1"), commandTask("g2")] },
      },
    });
    assert.deepEqual(
      h.updatesToMaster().map((s) => [s.task_id.value, s.state]),
      [
        ["g1", "TASK_FAILED"],
        ["g2", "TASK_FAILED"],
      ],
    );
    assert.deepEqual(h.of("launch_container"), []);
  });
});
