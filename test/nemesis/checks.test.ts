import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TaskState } from "../../src/wire/status.ts";
import {
  checkCheckpointed,
  checkOperatorWrites,
  checkOutcomes,
  checkProcesses,
  checkUpdateStreams,
  type Observed,
  type SeenUpdate,
  type TaskHistory,
} from "./checks.ts";
import { planFaults } from "./nemesis.ts";

function up(state: TaskState, uuid?: string, reason?: string): SeenUpdate {
  return { state, uuid, source: "SOURCE_EXECUTOR", reason };
}

function task(updates: SeenUpdate[], extra: Partial<TaskHistory> = {}): TaskHistory {
  return {
    id: "t1",
    framework: "f",
    kind: "short",
    launches: 1,
    acceptedByMaster: true,
    killRequested: false,
    updates,
    ...extra,
  };
}

const nothing: Observed = { processes: new Map(), done: new Set(), checkpointed: new Map() };
const properties = (vs: { property: string }[]) => vs.map((v) => v.property);

describe("nemesis checkers", () => {
  it("a clean stream with a retried duplicate (same uuid) passes", () => {
    const t = task([
      up("TASK_STARTING", "a"),
      up("TASK_RUNNING", "b"),
      up("TASK_RUNNING", "b"),
      up("TASK_FINISHED", "c"),
    ]);
    assert.deepEqual(checkUpdateStreams([t]), []);
    assert.deepEqual(checkOutcomes([t], { ...nothing, done: new Set(["t1"]) }), []);
  });

  it("a second terminal state, a state going back and a uuid reused for another state are caught", () => {
    const twoEnds = task([
      up("TASK_RUNNING", "a"),
      up("TASK_FINISHED", "b"),
      up("TASK_FAILED", "c"),
    ]);
    const back = task([up("TASK_RUNNING", "a"), up("TASK_STARTING", "b")]);
    const reused = task([up("TASK_RUNNING", "a"), up("TASK_FINISHED", "a")]);
    assert.deepEqual(properties(checkUpdateStreams([twoEnds])), ["exactly one terminal state"]);
    assert.deepEqual(properties(checkUpdateStreams([back])), ["updates in order"]);
    assert.deepEqual(properties(checkUpdateStreams([reused])), [
      "duplicates only with the same uuid",
    ]);
    assert.deepEqual(properties(checkUpdateStreams([task([], { launches: 2 })])), [
      "launched once",
    ]);
  });

  it("the master's own updates are not ordered against the agent's stream", () => {
    const master = (state: TaskState, uuid: string): SeenUpdate => ({
      state,
      uuid,
      source: "SOURCE_MASTER",
      reason: "REASON_AGENT_REREGISTERED",
    });
    const t = task([
      master("TASK_UNREACHABLE", "m1"),
      master("TASK_RUNNING", "m2"),
      up("TASK_STARTING", "a"),
      up("TASK_RUNNING", "b"),
    ]);
    assert.deepEqual(checkUpdateStreams([t]), []);
  });

  it("an unreachable task may come back running", () => {
    const t = task([up("TASK_RUNNING", "a"), up("TASK_UNREACHABLE", "b"), up("TASK_RUNNING", "c")]);
    assert.deepEqual(checkUpdateStreams([t]), []);
  });

  it("a task with no terminal update must reconcile running with a process, or be lost in flight", () => {
    const running = task([
      up("TASK_RUNNING", "a"),
      up("TASK_RUNNING", undefined, "REASON_RECONCILIATION"),
    ]);
    const alive: Observed = { ...nothing, processes: new Map([["t1", ["a1"]]]) };
    assert.deepEqual(checkOutcomes([running], alive), []);
    // Reconciled running, but nothing of it runs: its end was lost.
    assert.equal(checkOutcomes([running], nothing).length, 1);
    // Never seen running, reconciliation says unknown, nothing runs: lost before it started.
    const inFlight = task([up("TASK_UNKNOWN", undefined, "REASON_RECONCILIATION")]);
    assert.deepEqual(checkOutcomes([inFlight], nothing), []);
    // Its command ran to its end: that end must have been reported.
    assert.equal(checkOutcomes([inFlight], { ...nothing, done: new Set(["t1"]) }).length, 1);
  });

  it("a task whose command exited 0 must end TASK_FINISHED", () => {
    const t = task([up("TASK_RUNNING", "a"), up("TASK_FAILED", "b")]);
    assert.deepEqual(properties(checkOutcomes([t], { ...nothing, done: new Set(["t1"]) })), [
      "a task ends with its real status",
    ]);
  });

  it("a process alive for a terminal task, or a task on two agents, is caught", () => {
    const killed = task([up("TASK_RUNNING", "a"), up("TASK_KILLED", "b")]);
    assert.deepEqual(
      properties(checkProcesses([killed], { ...nothing, processes: new Map([["t1", ["a2"]]]) })),
      ["no process alive whose task is terminal"],
    );
    const twice = task([up("TASK_RUNNING", "a")]);
    assert.deepEqual(
      properties(
        checkProcesses([twice], { ...nothing, processes: new Map([["t1", ["a1", "a2"]]]) }),
      ),
      ["no task id launched twice"],
    );
  });

  it("an update sent that its agent did not checkpoint is caught", () => {
    const t = task([up("TASK_RUNNING", "a"), up("TASK_KILLING", "b")]);
    assert.deepEqual(
      checkCheckpointed([t], { ...nothing, checkpointed: new Map([["t1", new Set(["a", "b"])]]) }),
      [],
    );
    assert.equal(
      checkCheckpointed([t], { ...nothing, checkpointed: new Map([["t1", new Set(["a"])]]) })
        .length,
      1,
    );
  });

  it("an operator write answered 200 must be read back, or one sent after it", () => {
    const writes = [
      { key: "weight:r", value: "2", acknowledged: true },
      { key: "weight:r", value: "3", acknowledged: false },
    ];
    assert.deepEqual(checkOperatorWrites(writes, new Map([["weight:r", "2"]])), []);
    assert.deepEqual(checkOperatorWrites(writes, new Map([["weight:r", "3"]])), []);
    assert.equal(checkOperatorWrites(writes, new Map([["weight:r", "1"]])).length, 1);
    assert.equal(checkOperatorWrites(writes, new Map()).length, 1);
  });

  it("the faults of a seed are the same on every run, and differ between seeds", () => {
    assert.deepEqual(planFaults(42, 4_000), planFaults(42, 4_000));
    assert.notDeepEqual(planFaults(42, 4_000), planFaults(43, 4_000));
    for (const f of planFaults(7, 4_000, ["kill"])) assert.equal(f.kind, "kill");
  });
});
