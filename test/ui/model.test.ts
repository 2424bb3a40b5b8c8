// The browser UI's pure pieces, run under Node: the RecordIO reader over arbitrary chunking,
// and the cluster model applying operator events incrementally (totals, allocation of live
// tasks, task counts by state, state history).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClusterModel, COMPLETED_TASKS_MAX, TASK_STATUSES_MAX } from "../../src/ui/model.ts";
import { RecordIoReader } from "../../src/ui/recordio.ts";

const enc = new TextEncoder();
const frame = (json: unknown) => {
  const body = JSON.stringify(json);
  return `${enc.encode(body).length}\n${body}`;
};

describe("RecordIoReader", () => {
  it("yields whole records however the bytes are split", () => {
    const text = frame({ a: "é" }) + frame({ b: 2 });
    const bytes = enc.encode(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const reader = new RecordIoReader();
      const out = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
      assert.deepEqual(
        out.map((r) => JSON.parse(r)),
        [{ a: "é" }, { b: 2 }],
        `cut at ${cut}`,
      );
    }
  });
  it("yields a record split over many small chunks, with the next record's start after it", () => {
    const big = { data: "x".repeat(100_000) };
    const bytes = enc.encode(frame(big) + frame({ next: 1 }));
    const reader = new RecordIoReader();
    const out: string[] = [];
    for (let at = 0; at < bytes.length; at += 1000) {
      out.push(...reader.push(bytes.subarray(at, at + 1000)));
    }
    assert.deepEqual(
      out.map((r) => JSON.parse(r)),
      [big, { next: 1 }],
    );
  });
  it("fails on a length prefix that is not a number", () => {
    assert.throws(() => new RecordIoReader().push(enc.encode("abc\n{}")));
  });
});

const scalar = (name: string, value: number) => ({ name, type: "SCALAR", scalar: { value } });
const agent = (id: string, cpus: number) => ({
  agent_info: { id: { value: id }, hostname: `h-${id}` },
  active: true,
  total_resources: [scalar("cpus", cpus), scalar("mem", 1024)],
});
const task = (id: string, state: string) => ({
  name: id,
  task_id: { value: id },
  framework_id: { value: "f" },
  agent_id: { value: "a1" },
  state,
  resources: [scalar("cpus", 0.5)],
  statuses: [{ state }],
});

describe("ClusterModel", () => {
  it("starts from SUBSCRIBED and applies task and agent events incrementally", () => {
    const m = new ClusterModel();
    m.apply({
      type: "SUBSCRIBED",
      subscribed: {
        get_state: {
          get_agents: { agents: [agent("a1", 4)] },
          get_tasks: { tasks: [task("t1", "TASK_RUNNING")] },
        },
      },
    });
    assert.equal(m.total.cpus, 4);
    assert.equal(m.allocated.cpus, 0.5);
    m.apply({ type: "AGENT_ADDED", agent_added: { agent: agent("a2", 2) } });
    m.apply({ type: "TASK_ADDED", task_added: { task: task("t2", "TASK_STAGING") } });
    assert.equal(m.total.cpus, 6);
    assert.equal(m.allocated.cpus, 1);
    m.apply({
      type: "TASK_UPDATED",
      task_updated: {
        framework_id: { value: "f" },
        state: "TASK_FINISHED",
        status: {
          task_id: { value: "t1" },
          state: "TASK_FINISHED",
          reason: "REASON_COMMAND_EXECUTOR_FAILED",
        },
      },
    });
    assert.equal(m.allocated.cpus, 0.5);
    assert.equal(m.taskStates.get("TASK_FINISHED"), 1);
    assert.equal(m.taskStates.get("TASK_RUNNING"), 0);
    assert.deepEqual(
      m.tasks.get("t1")?.statuses?.map((s) => s.state),
      ["TASK_RUNNING", "TASK_FINISHED"],
    );
    m.apply({ type: "AGENT_REMOVED", agent_removed: { agent_id: { value: "a2" } } });
    assert.equal(m.total.cpus, 4);
    assert.equal(m.agents.size, 1);
  });
  it("is synced once a SUBSCRIBED is applied, not before (the overview's polls wait for it)", () => {
    const m = new ClusterModel();
    assert.equal(m.synced, false);
    m.apply({ type: "HEARTBEAT" });
    assert.equal(m.synced, false, "a heartbeat is not the master's state");
    m.apply({ type: "SUBSCRIBED", subscribed: { get_state: {} } });
    assert.equal(m.synced, true);
  });
  it("a second SUBSCRIBED (a new leader) replaces everything", () => {
    const m = new ClusterModel();
    m.apply({
      type: "SUBSCRIBED",
      subscribed: { get_state: { get_agents: { agents: [agent("a1", 4)] } } },
    });
    m.apply({
      type: "SUBSCRIBED",
      subscribed: { get_state: { get_agents: { agents: [agent("b1", 1)] } } },
    });
    assert.deepEqual([...m.agents.keys()], ["b1"]);
    assert.equal(m.total.cpus, 1);
  });
  it("keeps at most COMPLETED_TASKS_MAX finished tasks, dropping the longest finished, and bounds each task's history", () => {
    const m = new ClusterModel();
    m.apply({ type: "SUBSCRIBED", subscribed: { get_state: {} } });
    m.apply({ type: "TASK_ADDED", task_added: { task: task("live", "TASK_RUNNING") } });
    for (let i = 0; i < TASK_STATUSES_MAX + 5; i++) {
      m.apply({
        type: "TASK_UPDATED",
        task_updated: {
          status: { task_id: { value: "live" }, state: "TASK_RUNNING" },
          state: "TASK_RUNNING",
        },
      });
    }
    assert.equal(m.tasks.get("live")?.statuses?.length, TASK_STATUSES_MAX);
    for (let i = 0; i < COMPLETED_TASKS_MAX + 10; i++) {
      m.apply({ type: "TASK_ADDED", task_added: { task: task(`t${i}`, "TASK_RUNNING") } });
      m.apply({
        type: "TASK_UPDATED",
        task_updated: {
          status: { task_id: { value: `t${i}` }, state: "TASK_FINISHED" },
          state: "TASK_FINISHED",
        },
      });
    }
    assert.equal(m.tasks.size, COMPLETED_TASKS_MAX + 1);
    assert.equal(m.taskStates.get("TASK_FINISHED"), COMPLETED_TASKS_MAX);
    assert.equal(m.tasks.has("t0"), false);
    assert.equal(m.tasks.has(`t${COMPLETED_TASKS_MAX + 9}`), true);
    assert.equal(m.tasks.has("live"), true);
    assert.equal(m.allocated.cpus, 0.5);
  });
  it("samples the launch and finish rates a minute since the sample before", () => {
    const m = new ClusterModel();
    m.apply({ type: "SUBSCRIBED", subscribed: { get_state: {} } });
    m.sample(0);
    for (const id of ["t1", "t2", "t3"])
      m.apply({ type: "TASK_ADDED", task_added: { task: task(id, "TASK_STAGING") } });
    const finish = (id: string, state: string) =>
      m.apply({
        type: "TASK_UPDATED",
        task_updated: { status: { task_id: { value: id }, state }, state },
      });
    finish("t1", "TASK_FINISHED");
    // A terminal task's later update is no second finish.
    finish("t1", "TASK_FINISHED");
    m.sample(30_000);
    assert.equal(m.samples[0]?.launchedPerMin, 0, "no rate without an earlier sample");
    assert.equal(m.samples[1]?.launchedPerMin, 6);
    assert.equal(m.samples[1]?.finishedPerMin, 2);
    finish("t2", "TASK_FAILED");
    m.sample(90_000);
    assert.equal(m.samples[2]?.launchedPerMin, 0);
    assert.equal(m.samples[2]?.finishedPerMin, 1);
  });
});
