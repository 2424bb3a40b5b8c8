// Oversubscription in the agent core: the estimator's revocable resources reach the master once
// per change and again on a new connection; a QoS correction ends the container, and its live
// tasks end TASK_LOST (TASK_GONE_BY_OPERATOR when the framework is partition-aware) with
// REASON_CONTAINER_PREEMPTED.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { QOS_CORRECTION_MESSAGE } from "../../../src/agent/core/oversubscription.ts";
import type { Resource } from "../../../src/wire/resource.ts";
import { commandTask, framework, Harness } from "../core/harness.ts";

const cpus = (value: number): Resource => ({ name: "cpus", type: "SCALAR", scalar: { value } });

function oversubscriptionCalls(h: Harness) {
  return h.masterCalls().filter((c) => c.type === "UPDATE_RESOURCES");
}

describe("the agent core's oversubscription", () => {
  it("reports revocable resources once per change and again after reconnecting", () => {
    const h = new Harness();
    // Nothing before registration, and an empty estimate is not news to a new connection.
    h.handle({ kind: "oversubscribed_resources", resources: [] });
    h.register();
    h.flush();
    assert.equal(oversubscriptionCalls(h).length, 0);
    h.handle({ kind: "oversubscribed_resources", resources: [cpus(1.5)] });
    h.handle({ kind: "oversubscribed_resources", resources: [cpus(1.5)] });
    const sent = oversubscriptionCalls(h);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.update_resources?.update_oversubscribed, true);
    assert.deepEqual(sent[0]?.update_resources?.oversubscribed_resources, [
      { ...cpus(1.5), revocable: {} },
    ]);
    h.handle({ kind: "master_disconnected", masterKnown: true });
    h.handle({ kind: "master_connected" });
    h.register();
    assert.equal(oversubscriptionCalls(h).length, 2, "told again on the new connection");
    h.handle({ kind: "oversubscribed_resources", resources: [] });
    assert.deepEqual(
      oversubscriptionCalls(h).at(-1)?.update_resources?.oversubscribed_resources,
      [],
    );
  });

  for (const [name, capabilities, state] of [
    ["a framework", [], "TASK_LOST"],
    ["a partition-aware framework", [{ type: "PARTITION_AWARE" }], "TASK_GONE_BY_OPERATOR"],
  ] as const) {
    it(`a QoS correction ends the container; ${name}'s task ends ${state} REASON_CONTAINER_PREEMPTED`, () => {
      const h = new Harness();
      h.register();
      h.masterEvent({
        type: "RUN_TASK",
        run_task: {
          framework_info: framework("F1", { capabilities: [...capabilities] }),
          framework_id: { value: "F1" },
          task: commandTask("t1"),
        },
      });
      h.subscribeExecutor("F1", "t1");
      h.take();
      h.handle({ kind: "qos_correction", containerId: "c1" });
      assert.deepEqual(
        h.of("destroy_container").map((o) => o.containerId),
        ["c1"],
      );
      h.handle({ kind: "container_exited", containerId: "c1", status: 9 });
      h.flush();
      const update = h.updatesToMaster().find((s) => s.task_id.value === "t1");
      assert.equal(update?.state, state);
      assert.equal(update?.reason, "REASON_CONTAINER_PREEMPTED");
      assert.equal(update?.message, QOS_CORRECTION_MESSAGE);
    });
  }
});
