import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  StatusUpdateManager,
  statusUpdateTimerId,
} from "../../../src/agent/core/status-update-manager.ts";
import type {
  StatusUpdate,
  StatusUpdateOutput,
  StatusUpdateRecord,
  StreamLocation,
} from "../../../src/agent/core/status-update-types.ts";
import type { TaskState } from "../../../src/wire/status.ts";

const FW = "fw-1";

function at(taskId: string): StreamLocation {
  return { frameworkId: FW, executorId: "ex", containerId: "c1", taskId };
}

function uuidOf(n: number): string {
  // 16 bytes, base64: distinct per n.
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(n, 12);
  return bytes.toString("base64");
}

function upd(taskId: string, state: TaskState, n: number): StatusUpdate {
  return {
    frameworkId: FW,
    executorId: "ex",
    status: { task_id: { value: taskId }, state, uuid: uuidOf(n), source: "SOURCE_EXECUTOR" },
  };
}

function newManager(): StatusUpdateManager {
  let token = 0;
  return new StatusUpdateManager({ nextToken: () => ++token });
}

function kinds(outputs: StatusUpdateOutput[]): string[] {
  return outputs.map((o) => o.kind);
}

function recordOf(outputs: StatusUpdateOutput[]): Extract<StatusUpdateOutput, { kind: "record" }> {
  const record = outputs.find((o) => o.kind === "record");
  assert.ok(record !== undefined && record.kind === "record");
  return record;
}

describe("status update manager", () => {
  it("checkpoints an update before it is acknowledged to the executor or sent to the master", () => {
    const sum = newManager();
    sum.resume(0);
    const first = sum.update(upd("t1", "TASK_RUNNING", 1), at("t1"), 0);
    assert.equal(first.result, "accepted");
    assert.deepEqual(kinds(first.outputs), ["record"]);
    const written = sum.written(recordOf(first.outputs).token, 5);
    assert.deepEqual(kinds(written), ["durable", "forward", "set_timer"]);
    const timer = written[2];
    assert.ok(timer?.kind === "set_timer");
    assert.equal(timer.atMs, 5 + 10_000);
  });

  it("sends only the head of a stream until the framework acknowledges it", () => {
    const sum = newManager();
    sum.resume(0);
    sum.update(upd("t1", "TASK_RUNNING", 1), undefined, 0);
    const second = sum.update(upd("t1", "TASK_FINISHED", 2), undefined, 0);
    assert.deepEqual(kinds(second.outputs), ["durable"]);
    const ack = sum.acknowledge(FW, "t1", uuidOf(1), 1);
    assert.deepEqual(ack.result, { ok: true, terminal: false });
    const forward = ack.outputs.find((o) => o.kind === "forward");
    assert.ok(forward?.kind === "forward");
    assert.equal(forward.update.status.uuid, uuidOf(2));
    assert.equal(forward.latestState, "TASK_FINISHED");
  });

  it("attaches the newest known state as latest_state to the head being sent", () => {
    const sum = newManager();
    sum.update(upd("t1", "TASK_RUNNING", 1), undefined, 0);
    sum.update(upd("t1", "TASK_FAILED", 2), undefined, 0);
    const forward = sum.resume(0).find((o) => o.kind === "forward");
    assert.ok(forward?.kind === "forward");
    assert.equal(forward.update.status.state, "TASK_RUNNING");
    assert.equal(forward.latestState, "TASK_FAILED");
  });

  it("retries the head with a backoff doubling from 10 s up to 10 min", () => {
    const sum = newManager();
    sum.resume(0);
    sum.update(upd("t1", "TASK_RUNNING", 1), undefined, 0);
    const timerId = statusUpdateTimerId(FW, "t1");
    let now = 10_000;
    const intervals: number[] = [];
    for (let i = 0; i < 8; i++) {
      const out = sum.timerFired(timerId, now);
      assert.equal(out[0]?.kind, "forward");
      const timer = out[1];
      assert.ok(timer?.kind === "set_timer");
      intervals.push(timer.atMs - now);
      now = timer.atMs;
    }
    assert.deepEqual(
      intervals,
      [20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000, 600_000],
    );
  });

  it("ignores duplicates and refuses updates after a terminal update", () => {
    const sum = newManager();
    sum.update(upd("t1", "TASK_FINISHED", 1), undefined, 0);
    assert.equal(sum.update(upd("t1", "TASK_FINISHED", 1), undefined, 0).result, "duplicate");
    assert.equal(sum.update(upd("t1", "TASK_RUNNING", 2), undefined, 0).result, "after_terminal");
    assert.equal(sum.pendingUpdates(FW, "t1").length, 1);
  });

  it("ignores acknowledgements of unknown streams and of updates that are not the head", () => {
    const sum = newManager();
    sum.resume(0);
    assert.equal(sum.acknowledge(FW, "nope", uuidOf(1), 0).result.ok, false);
    sum.update(upd("t1", "TASK_RUNNING", 1), undefined, 0);
    sum.update(upd("t1", "TASK_RUNNING", 2), undefined, 0);
    const result = sum.acknowledge(FW, "t1", uuidOf(2), 0).result;
    assert.equal(result.ok, false);
    assert.equal(result.ok === false && result.code, "unexpected_uuid");
    assert.equal(sum.pendingUpdates(FW, "t1").length, 2);
  });

  it("pauses while disconnected and resends every head at once on re-registration", () => {
    const sum = newManager();
    sum.resume(0);
    sum.update(upd("t1", "TASK_RUNNING", 1), undefined, 0);
    sum.update(upd("t2", "TASK_RUNNING", 2), undefined, 0);
    const paused = sum.pause();
    assert.deepEqual(kinds(paused), ["cancel_timer", "cancel_timer"]);
    assert.deepEqual(sum.timerFired(statusUpdateTimerId(FW, "t1"), 10_000), []);
    assert.deepEqual(sum.update(upd("t3", "TASK_RUNNING", 3), undefined, 0).outputs.length, 1);
    const resumed = sum.resume(20_000).filter((o) => o.kind === "forward");
    assert.equal(resumed.length, 3);
  });

  it("holds the next update until the ACK record of the previous one is durable", () => {
    const sum = newManager();
    sum.resume(0);
    const a = sum.update(upd("t1", "TASK_RUNNING", 1), at("t1"), 0);
    sum.written(recordOf(a.outputs).token, 0);
    const b = sum.update(upd("t1", "TASK_FINISHED", 2), at("t1"), 0);
    sum.written(recordOf(b.outputs).token, 0);
    const ack = sum.acknowledge(FW, "t1", uuidOf(1), 0);
    assert.deepEqual(kinds(ack.outputs), ["cancel_timer", "record"]);
    const next = sum.written(recordOf(ack.outputs).token, 0);
    assert.deepEqual(kinds(next), ["forward", "set_timer"]);
  });

  it("rebuilds the streams exactly from replayed records", () => {
    const records: StatusUpdateRecord[] = [
      { type: "UPDATE", update: upd("t1", "TASK_RUNNING", 1) },
      { type: "ACK", uuid: uuidOf(1) },
      { type: "UPDATE", update: upd("t1", "TASK_RUNNING", 2) },
      { type: "UPDATE", update: upd("t1", "TASK_FINISHED", 3) },
      { type: "UPDATE", update: upd("t1", "TASK_FINISHED", 3) },
    ];
    const done: StatusUpdateRecord[] = [
      { type: "UPDATE", update: upd("t2", "TASK_KILLED", 4) },
      { type: "ACK", uuid: uuidOf(4) },
    ];
    const sum = newManager();
    sum.recover([
      { at: at("t1"), records },
      { at: at("t2"), records: done },
    ]);
    assert.deepEqual(
      sum.pendingUpdates(FW, "t1").map((u) => u.status.uuid),
      [uuidOf(2), uuidOf(3)],
    );
    assert.equal(sum.latestState(FW, "t1"), "TASK_FINISHED");
    assert.equal(sum.hasStream(FW, "t2"), false);
    assert.equal(sum.isCompleted(FW, "t2"), true);
    const forwards = sum.resume(0).filter((o) => o.kind === "forward");
    assert.equal(forwards.length, 1);
    assert.equal(sum.update(upd("t1", "TASK_RUNNING", 1), at("t1"), 0).result, "duplicate");
  });

  it("drops every stream of a framework that is shut down", () => {
    const sum = newManager();
    sum.resume(0);
    sum.update(upd("t1", "TASK_RUNNING", 1), undefined, 0);
    assert.deepEqual(kinds(sum.cleanup(FW)), ["cancel_timer"]);
    assert.equal(sum.streamCount, 0);
  });
});

// --- property: random interleavings with restarts ---------------------------------------------

type Action =
  | { t: "send"; task: number }
  | { t: "resend"; task: number; pick: number }
  | { t: "write"; n: number }
  | { t: "ack"; task: number }
  | { t: "ack_old"; task: number; pick: number }
  | { t: "ack_unknown"; task: number }
  | { t: "disconnect" }
  | { t: "connect" }
  | { t: "timer" }
  | { t: "restart" };

const TASKS = 3;

const arbAction: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("send" as const), task: fc.nat(TASKS - 1) }), weight: 5 },
  {
    arbitrary: fc.record({
      t: fc.constant("resend" as const),
      task: fc.nat(TASKS - 1),
      pick: fc.nat(10),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ t: fc.constant("write" as const), n: fc.nat(4) }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant("ack" as const), task: fc.nat(TASKS - 1) }), weight: 4 },
  {
    arbitrary: fc.record({
      t: fc.constant("ack_old" as const),
      task: fc.nat(TASKS - 1),
      pick: fc.nat(10),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ t: fc.constant("ack_unknown" as const), task: fc.nat(TASKS - 1) }),
    weight: 1,
  },
  { arbitrary: fc.constant({ t: "disconnect" as const }), weight: 1 },
  { arbitrary: fc.constant({ t: "connect" as const }), weight: 2 },
  { arbitrary: fc.constant({ t: "timer" as const }), weight: 1 },
  { arbitrary: fc.constant({ t: "restart" as const }), weight: 1 },
);

const arbScript = fc.record({
  // Per task: the states the executor will send, in order (some after a terminal one).
  plans: fc.array(
    fc.array(fc.constantFrom<TaskState>("TASK_RUNNING", "TASK_RUNNING", "TASK_FINISHED"), {
      minLength: 1,
      maxLength: 5,
    }),
    { minLength: TASKS, maxLength: TASKS },
  ),
  actions: fc.array(arbAction, { maxLength: 120 }),
});

interface World {
  sum: StatusUpdateManager;
  token: number;
  connected: boolean;
  nowMs: number;
  /** Records made durable, per task, in write order (the disk). */
  disk: Map<string, StatusUpdateRecord[]>;
  /** Writes issued but not durable yet, FIFO (lost on restart). */
  writes: Extract<StatusUpdateOutput, { kind: "record" }>[];
  timers: Map<string, number>;
  /** Per task: uuids in the order the master first saw them, and the last one it saw. */
  seen: Map<string, string[]>;
  lastForwarded: Map<string, string>;
  /** Per task: uuids whose acknowledgement the manager accepted, in order. */
  acked: Map<string, string[]>;
  /** Executor side: next index to send; indices the agent has not acknowledged yet. */
  nextIndex: number[];
  unacked: Set<number>[];
}

function runScript(plans: TaskState[][], actions: Action[]): void {
  const updates = plans.map((plan, task) =>
    plan.map((state, i) => upd(`t${task}`, state, task * 100 + i)),
  );
  const expected = updates.map((list) => {
    const end = list.findIndex((u) => u.status.state === "TASK_FINISHED");
    return list.slice(0, end === -1 ? list.length : end + 1).map((u) => u.status.uuid ?? "");
  });
  const w: World = {
    sum: newManager(),
    token: 0,
    connected: false,
    nowMs: 0,
    disk: new Map(),
    writes: [],
    timers: new Map(),
    seen: new Map(),
    lastForwarded: new Map(),
    acked: new Map(),
    nextIndex: plans.map(() => 0),
    unacked: plans.map(() => new Set<number>()),
  };
  const makeManager = () => new StatusUpdateManager({ nextToken: () => ++w.token });
  w.sum = makeManager();

  const apply = (outputs: StatusUpdateOutput[]) => {
    for (const o of outputs) {
      switch (o.kind) {
        case "record":
          w.writes.push(o);
          break;
        case "durable": {
          const task = Number(o.update.status.task_id.value.slice(1));
          const index = updates[task]?.findIndex((u) => u.status.uuid === o.update.status.uuid);
          if (index !== undefined) w.unacked[task]?.delete(index);
          break;
        }
        case "forward": {
          assert.ok(w.connected, "nothing is sent while disconnected");
          const taskId = o.update.status.task_id.value;
          const uuid = o.update.status.uuid ?? "";
          const task = Number(taskId.slice(1));
          const seen = w.seen.get(taskId) ?? [];
          if (!seen.includes(uuid)) seen.push(uuid);
          w.seen.set(taskId, seen);
          // In order, one at a time: never ahead of what has been acknowledged.
          const position = expected[task]?.indexOf(uuid) ?? -1;
          assert.ok(position >= 0, "only accepted updates are sent");
          const ackedCount = new Set(w.acked.get(taskId) ?? []).size;
          assert.ok(position <= ackedCount, `update ${position} sent before ${ackedCount} acked`);
          w.lastForwarded.set(taskId, uuid);
          break;
        }
        case "set_timer":
          w.timers.set(o.timerId, o.atMs);
          break;
        case "cancel_timer":
          w.timers.delete(o.timerId);
          break;
      }
    }
  };

  const send = (task: number, index: number) => {
    const update = updates[task]?.[index];
    if (update === undefined) return;
    w.unacked[task]?.add(index);
    apply(w.sum.update(update, at(`t${task}`), w.nowMs).outputs);
  };

  const ack = (taskId: string, uuid: string) => {
    const { result, outputs } = w.sum.acknowledge(FW, taskId, uuid, w.nowMs);
    if (result.ok) {
      const list = w.acked.get(taskId) ?? [];
      list.push(uuid);
      w.acked.set(taskId, list);
    }
    apply(outputs);
  };

  const writeSome = (n: number) => {
    for (let i = 0; i < n; i++) {
      const next = w.writes.shift();
      if (next === undefined) return;
      const list = w.disk.get(next.at.taskId) ?? [];
      list.push(next.record);
      w.disk.set(next.at.taskId, list);
      apply(w.sum.written(next.token, w.nowMs));
    }
  };

  const step = (a: Action) => {
    switch (a.t) {
      case "send": {
        const index = w.nextIndex[a.task] ?? 0;
        w.nextIndex[a.task] = index + 1;
        send(a.task, index);
        break;
      }
      case "resend": {
        const list = [...(w.unacked[a.task] ?? [])];
        if (list.length > 0) send(a.task, list[a.pick % list.length] ?? 0);
        break;
      }
      case "write":
        writeSome(a.n);
        break;
      case "ack": {
        const uuid = w.lastForwarded.get(`t${a.task}`);
        if (uuid !== undefined && w.connected) ack(`t${a.task}`, uuid);
        break;
      }
      case "ack_old": {
        const seen = w.seen.get(`t${a.task}`) ?? [];
        const uuid = seen[a.pick % Math.max(seen.length, 1)];
        if (uuid !== undefined && w.connected) ack(`t${a.task}`, uuid);
        break;
      }
      case "ack_unknown":
        if (w.connected) ack(`t${a.task}`, uuidOf(99_999));
        break;
      case "disconnect":
        w.connected = false;
        apply(w.sum.pause());
        break;
      case "connect":
        w.connected = true;
        apply(w.sum.resume(w.nowMs));
        break;
      case "timer": {
        const next = [...w.timers.entries()].sort((x, y) => x[1] - y[1])[0];
        if (next === undefined) break;
        w.nowMs = Math.max(w.nowMs, next[1]);
        w.timers.delete(next[0]);
        apply(w.sum.timerFired(next[0], w.nowMs));
        break;
      }
      case "restart": {
        // Writes not yet durable are lost; the executor re-sends what the agent never acked.
        w.writes = [];
        w.timers.clear();
        w.connected = false;
        w.lastForwarded.clear();
        w.sum = makeManager();
        w.sum.recover(
          [...w.disk.entries()].map(([taskId, records]) => ({ at: at(taskId), records })),
        );
        for (let task = 0; task < TASKS; task++) {
          for (const index of [...(w.unacked[task] ?? [])].sort((x, y) => x - y)) {
            send(task, index);
          }
        }
        break;
      }
    }
  };

  for (const a of actions) step(a);
  // Quiesce: the executor sends the rest, the master stays connected and acks all it sees.
  if (!w.connected) step({ t: "connect" });
  for (let task = 0; task < TASKS; task++) {
    while ((w.nextIndex[task] ?? 0) < (updates[task]?.length ?? 0)) step({ t: "send", task });
  }
  for (let round = 0; round < 1000; round++) {
    writeSome(w.writes.length);
    let progressed = false;
    for (let task = 0; task < TASKS; task++) {
      const pending = w.sum.pendingUpdates(FW, `t${task}`);
      const uuid = w.lastForwarded.get(`t${task}`);
      if (uuid !== undefined && uuid === pending[0]?.status.uuid) {
        ack(`t${task}`, uuid);
        progressed = true;
      }
    }
    if (!progressed && w.writes.length === 0) break;
  }

  for (let task = 0; task < TASKS; task++) {
    const taskId = `t${task}`;
    const want = expected[task] ?? [];
    // Nothing lost: every accepted update was delivered and acknowledged, in order.
    assert.deepEqual(w.seen.get(taskId) ?? [], want, `delivery order of ${taskId}`);
    assert.deepEqual([...new Set(w.acked.get(taskId) ?? [])], want, `acks of ${taskId}`);
    // Exactly the acknowledged ones were removed: nothing is left pending.
    assert.equal(w.sum.pendingUpdates(FW, taskId).length, 0);
    assert.equal(w.unacked[task]?.size, 0, "the executor got every acknowledgement");
  }
}

describe("status update manager (property)", () => {
  it("delivers every update in order under random acks, disconnects and restarts, losing none", () => {
    fc.assert(
      fc.property(arbScript, ({ plans, actions }) => runScript(plans, actions)),
      { numRuns: 400 },
    );
  });
});
