// What a task may carry (issue 22, fault 2): two running tasks with 2.2 MB labels, each
// launched by an ACCEPT under the 4 MiB body limit, made the agent's re-registration larger than
// any body the master took, and the agent got 413 forever. A TaskInfo is bounded, and so is
// what the tasks on one agent carry together, so that a re-registration always fits.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AGENT_TASK_INFOS_MAX_BYTES,
  TASK_INFO_MAX_BYTES,
} from "../../../src/master/core/task-validation.ts";
import { wireByteLength } from "../../../src/wire/json.ts";
import type { TaskInfo } from "../../../src/wire/task.ts";
import { agentUpdate, commandTask, Harness, uuidOf } from "./harness.ts";

function labelled(id: string, agentId: string, labelBytes: number): TaskInfo {
  return {
    ...commandTask(id, agentId, "cpus:0.1;mem:1"),
    labels: { labels: [{ key: "blob", value: "x".repeat(labelBytes) }] },
  };
}

function acceptAll(h: Harness, fw: { frameworkId: string; streamId: string }, tasks: TaskInfo[]) {
  h.allocate();
  const offer = h.offers(fw.streamId).at(-1);
  assert.ok(offer);
  h.call(fw.streamId, fw.frameworkId, {
    type: "ACCEPT",
    accept: {
      offer_ids: [offer.id],
      operations: [{ type: "LAUNCH", launch: { task_infos: tasks } }],
      filters: { refuse_seconds: 0 },
    },
  });
}

describe("task size bounds", () => {
  it("a task with 2.2 MB of labels gets TASK_ERROR naming the bound, and nothing launches", () => {
    const h = new Harness();
    const agent = h.addAgent("a1", "cpus:8;mem:1024");
    const fw = h.subscribe();
    acceptAll(h, fw, [labelled("big", agent.agentId, 2_200_000)]);
    const status = h.updates(fw.streamId)[0];
    assert.equal(status?.state, "TASK_ERROR");
    assert.equal(status?.reason, "REASON_TASK_INVALID");
    assert.match(
      status?.message ?? "",
      new RegExp(`^Task 'big' is \\d+ bytes as JSON, more than the ${TASK_INFO_MAX_BYTES} bytes`),
    );
    assert.equal(h.master.snapshot(h.nowMs).tasks.length, 0);
  });

  it("the tasks on one agent carry at most AGENT_TASK_INFOS_MAX_BYTES together; finished tasks free their share", () => {
    const h = new Harness();
    const agent = h.addAgent("a1", "cpus:100;mem:100000");
    const fw = h.subscribe();
    const size = wireByteLength(labelled("t-00", agent.agentId, 250_000));
    const fits = Math.floor(AGENT_TASK_INFOS_MAX_BYTES / size);
    const ids = Array.from({ length: fits + 1 }, (_, i) => `t-${String(i).padStart(2, "0")}`);
    acceptAll(
      h,
      fw,
      ids.map((id) => labelled(id, agent.agentId, 250_000)),
    );
    assert.equal(h.master.snapshot(h.nowMs).tasks.length, fits);
    const refused = h.updates(fw.streamId).at(-1);
    assert.equal(refused?.task_id.value, ids[fits]);
    assert.match(refused?.message ?? "", /has room for \d+ more: the tasks on one agent may carry/);
    // One task finishes and is acknowledged: its share is free again.
    agentUpdate(h, agent.agentId, fw.frameworkId, "t-00", "TASK_FINISHED", uuidOf(1));
    h.call(fw.streamId, fw.frameworkId, {
      type: "ACKNOWLEDGE",
      acknowledge: {
        agent_id: { value: agent.agentId },
        task_id: { value: "t-00" },
        uuid: uuidOf(1),
      },
    });
    h.clear();
    acceptAll(h, fw, [labelled("again", agent.agentId, 250_000)]);
    assert.equal(h.updates(fw.streamId).length, 0, "launched without an error");
    assert.ok(h.master.snapshot(h.nowMs).tasks.some((t) => t.taskId === "again"));
  });
});
