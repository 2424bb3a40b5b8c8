// The core's Mesos metric keys beyond the totals (reference §4.6): per-framework counters and
// gauges, task ends by state/source/reason, agents marked unreachable, the allocator's gauges.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Harness, launchTasks, uuidOf, withTasks } from "./harness.ts";

function lostTask(h: Harness, agentId: string, frameworkId: string, taskId: string): void {
  h.agentCall(agentId, {
    type: "UPDATE",
    agent_id: { value: agentId },
    update: {
      framework_id: { value: frameworkId },
      status: {
        task_id: { value: taskId },
        state: "TASK_LOST",
        source: "SOURCE_AGENT",
        reason: "REASON_AGENT_RESTARTED",
        uuid: uuidOf(9),
      },
    },
  });
}

describe("master metrics", () => {
  it("a framework's calls, events, offers, operations and tasks are counted under its url-encoded name and id", () => {
    const { h, agent, fw } = withTasks(["t1", "t2"], { name: "web team/api" });
    lostTask(h, agent.agentId, fw.frameworkId, "t1");
    const m = h.master.metrics(h.nowMs);
    const p = `master/frameworks/web%20team%2Fapi/${fw.frameworkId}/`;
    assert.equal(m[`${p}subscribed`], 1);
    assert.equal(m[`${p}calls/accept`], 1);
    assert.equal(m[`${p}calls/decline`], 0);
    assert.equal(m[`${p}offers/sent`], 1);
    assert.equal(m[`${p}offers/accepted`], 1);
    assert.equal(m[`${p}operations/launch`], 1);
    assert.equal(m[`${p}operations`], 1);
    assert.ok((m[`${p}events/offers`] ?? 0) >= 1);
    assert.equal(m[`${p}events/subscribed`], 1);
    assert.equal(m[`${p}tasks/active/task_staging`], 1);
    assert.equal(m[`${p}tasks/terminal/task_lost`], 1);
    assert.equal(m[`${p}tasks/terminal/task_finished`], 0);
    assert.equal(m[`${p}roles/*/suppressed`], 0);
    // The master-wide counter of that end, in Mesos's v0 names.
    assert.equal(m["master/task_lost/source_slave/reason_slave_restarted"], 1);
  });

  it("per-framework keys are left out with --publish_per_framework_metrics=false and go with the framework", () => {
    const off = new Harness({ flags: { publishPerFrameworkMetrics: false } });
    off.subscribe({ name: "quiet" });
    assert.deepEqual(
      Object.keys(off.master.metrics(off.nowMs)).filter((k) => k.startsWith("master/frameworks/")),
      [],
    );
    const on = new Harness();
    const fw = on.subscribe({ name: "brief" });
    const keys = () =>
      Object.keys(on.master.metrics(on.nowMs)).filter((k) => k.includes(fw.frameworkId));
    assert.ok(keys().length > 20, String(keys().length));
    on.call(fw.streamId, fw.frameworkId, { type: "TEARDOWN" });
    assert.deepEqual(keys(), []);
  });

  it("an agent whose pings time out counts as unreachable scheduled, then completed once the registry has it", () => {
    const h = new Harness();
    const agent = h.addAgent("a1");
    const fw = h.subscribe();
    launchTasks(h, fw, agent.agentId, ["t1"]);
    h.holdRegistry = true;
    h.advance(15_000 * 5);
    const held = h.master.metrics(h.nowMs);
    assert.equal(held["master/slave_unreachable_scheduled"], 1);
    assert.equal(held["master/slave_unreachable_completed"], 0);
    h.releaseRegistry();
    const done = h.master.metrics(h.nowMs);
    assert.equal(done["master/slave_unreachable_completed"], 1);
    assert.equal(done["master/recovery_slave_removals"], 0);
  });

  it("the allocator's gauges give each scalar's total and what is offered or allocated", () => {
    const { h } = withTasks(["t1"]);
    const m = h.master.metrics(h.nowMs);
    assert.equal(m["allocator/mesos/resources/cpus/total"], 4);
    assert.equal(m["allocator/mesos/resources/mem/total"], 1024);
    assert.ok((m["allocator/mesos/resources/cpus/offered_or_allocated"] ?? 0) > 0);
    assert.equal(m["allocator/mesos/roles/*/shares/dominant"], 0);
    // Counters Mesos lists from the start are there at 0.
    assert.equal(m["master/operations/reserve/finished"], 0);
    assert.equal(m["master/messages_unregister_slave"], 0);
  });
});
