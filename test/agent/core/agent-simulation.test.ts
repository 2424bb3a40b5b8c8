// A seeded simulation: the real AgentCore with a fake master and fake executors on a virtual
// clock, with agent restarts (replaying its own durable checkpoint writes; writes not yet
// durable are lost), master disconnects and duplicated acknowledgements. Every status update
// an executor was told ACKNOWLEDGED must reach the master, in the executor's order, and be
// acknowledged by the end. A failure prints the seed that reproduces it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TaskState, TaskStatus } from "../../../src/wire/status.ts";
import { commandTask, executorStatus, Harness, subscribedEvent } from "./harness.ts";
import { replayWrites } from "./replay.ts";

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

interface SimExecutor {
  taskId: string;
  containerId: string;
  alive: boolean;
  streamId: string | undefined;
  launched: boolean;
  plan: TaskState[];
  sent: TaskStatus[];
  /** uuids not yet ACKNOWLEDGED by the agent. */
  unacked: Set<string>;
}

let deliveredTotal = 0;

function runSimulation(seed: number, steps: number): void {
  const rand = prng(seed);
  const h = new Harness({ holdCheckpoints: true, seed });
  const executors = new Map<string, SimExecutor>();
  const seen = new Map<string, string[]>();
  const toAck: { task: string; uuid: string }[] = [];
  let registered = false;
  let uuidCounter = 0;
  let tasks = 0;
  const newUuid = () => {
    const b = Buffer.alloc(16);
    b.writeUInt32BE(seed, 0);
    b.writeUInt32BE(++uuidCounter, 12);
    return b.toString("base64");
  };

  const process = () => {
    const out = h.take();
    for (const o of out) {
      if (o.kind === "launch_container") {
        executors.set(o.launch.containerId, {
          taskId: o.launch.executorId,
          containerId: o.launch.containerId,
          alive: true,
          streamId: undefined,
          launched: false,
          plan: ["TASK_RUNNING", "TASK_FINISHED"],
          sent: [],
          unacked: new Set(),
        });
      } else if (o.kind === "destroy_container") {
        const ex = executors.get(o.containerId);
        if (ex !== undefined) ex.alive = false;
        h.handle({ kind: "container_exited", containerId: o.containerId });
      } else if (o.kind === "executor_event") {
        const ex = [...executors.values()].find((e) => e.streamId === o.streamId);
        if (ex === undefined) continue;
        if (o.event.type === "LAUNCH") ex.launched = true;
        if (o.event.type === "ACKNOWLEDGED" && o.event.acknowledged !== undefined) {
          ex.unacked.delete(o.event.acknowledged.uuid);
        }
      } else if (o.kind === "close_executor_stream") {
        for (const ex of executors.values())
          if (ex.streamId === o.streamId) ex.streamId = undefined;
      } else if (o.kind === "master_subscribe") {
        // The master answers every SUBSCRIBE at once.
        h.masterEvent(subscribedEvent());
        registered = true;
      } else if (
        o.kind === "master_call" &&
        o.call.type === "UPDATE" &&
        o.call.update !== undefined
      ) {
        const status = o.call.update.status as TaskStatus;
        const list = seen.get(status.task_id.value) ?? [];
        if (status.uuid !== undefined && !list.includes(status.uuid)) list.push(status.uuid);
        seen.set(status.task_id.value, list);
        if (status.uuid !== undefined)
          toAck.push({ task: status.task_id.value, uuid: status.uuid });
      }
    }
    if (h.outputs.length > 0) process();
  };

  const ack = (a: { task: string; uuid: string }) => h.masterAck("F1", a.task, a.uuid);

  const subscribe = (ex: SimExecutor) => {
    const unackedUpdates = ex.sent.filter((s) => s.uuid !== undefined && ex.unacked.has(s.uuid));
    const { streamId } = h.subscribeExecutor("F1", ex.taskId, {
      unacknowledged_tasks:
        ex.launched && unackedUpdates.length > 0
          ? [commandTask(ex.taskId)]
          : ex.launched && ex.sent.length === 0
            ? [commandTask(ex.taskId)]
            : [],
      unacknowledged_updates: unackedUpdates.map((status) => ({ status })),
    });
    ex.streamId = streamId;
  };

  const pendingCount = () => {
    let n = 0;
    for (let t = 1; t <= tasks; t++) n += h.core.statusUpdates.pendingUpdates("F1", `t${t}`).length;
    return n;
  };

  h.handle({ kind: "recover", state: undefined });
  h.handle({ kind: "master_connected" });
  process();
  for (let step = 0; step < steps; step++) {
    const r = rand();
    if (r < 0.12 && registered && tasks < 6) {
      tasks++;
      h.runTask("F1", `t${tasks}`);
    } else if (r < 0.25) {
      const candidates = [...executors.values()].filter((e) => e.alive && e.streamId === undefined);
      const ex = candidates[Math.floor(rand() * candidates.length)];
      if (ex !== undefined && h.core.recovery !== "pending") subscribe(ex);
    } else if (r < 0.4) {
      const candidates = [...executors.values()].filter(
        (e) => e.alive && e.streamId !== undefined && e.launched && e.sent.length < e.plan.length,
      );
      const ex = candidates[Math.floor(rand() * candidates.length)];
      if (ex !== undefined) {
        const status = executorStatus(
          ex.taskId,
          ex.plan[ex.sent.length] ?? "TASK_FINISHED",
          newUuid(),
        );
        ex.sent.push(status);
        ex.unacked.add(status.uuid ?? "");
        h.executorUpdate("F1", ex.taskId, ex.taskId, status.state, status.uuid ?? "");
      }
    } else if (r < 0.6) {
      const n = Math.floor(rand() * 4);
      for (let i = 0; i < n && h.held.length > 0; i++) {
        const next = h.held.shift();
        if (next === undefined) break;
        h.disk.push(next.write);
        h.handle({ kind: "checkpoint_written", token: next.token });
      }
    } else if (r < 0.75) {
      const a = toAck.shift();
      if (a !== undefined && registered) {
        ack(a);
        if (rand() < 0.3) ack(a);
      }
    } else if (r < 0.8) {
      registered = false;
      toAck.length = 0;
      h.handle({ kind: "master_disconnected", masterKnown: true });
    } else if (r < 0.84) {
      // Agent crash and restart: held writes are lost, executors keep running.
      registered = false;
      toAck.length = 0;
      h.take();
      for (const ex of executors.values()) ex.streamId = undefined;
      h.restart(replayWrites(h.disk));
      h.handle({ kind: "master_connected" });
      const known = new Set(h.core.frameworks.get("F1")?.executors.keys() ?? []);
      for (const ex of executors.values()) {
        // Containers the agent has no record of are orphans: the containerizer kills them.
        if (ex.alive && !known.has(ex.taskId)) ex.alive = false;
      }
    } else {
      const next = [...h.timers.entries()].sort((a, b) => a[1] - b[1])[0];
      if (next !== undefined) h.fire(next[0]);
    }
    process();
  }

  // Quiesce: connected, every write durable, the master acknowledges whatever it gets.
  if (!registered) h.handle({ kind: "master_connected" });
  for (let round = 0; round < 500; round++) {
    process();
    h.flush();
    process();
    for (const ex of executors.values()) {
      if (ex.alive && ex.streamId === undefined && h.core.recovery !== "pending") subscribe(ex);
    }
    process();
    while (toAck.length > 0) {
      const a = toAck.shift();
      if (a !== undefined) ack(a);
      process();
    }
    const pending = [...h.timers.entries()].sort((a, b) => a[1] - b[1])[0];
    if (
      h.core.statusUpdates.streamCount === 0 &&
      h.held.length === 0 &&
      toAck.length === 0 &&
      h.core.recovery === "done"
    )
      break;
    if (pending !== undefined) h.fire(pending[0]);
  }

  for (const ex of executors.values()) {
    const master = seen.get(ex.taskId) ?? [];
    const order = ex.sent.map((s) => s.uuid ?? "");
    const fromExecutor = master.filter((u) => order.includes(u));
    const positions = fromExecutor.map((u) => order.indexOf(u));
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
      `seed ${seed}: ${ex.taskId} delivered out of order`,
    );
    for (const status of ex.sent) {
      if (status.uuid !== undefined && !ex.unacked.has(status.uuid)) {
        // The agent took responsibility for it: it must have reached the master (unless a
        // terminal update before it was delivered first, after which updates are refused).
        const terminalFirst = ex.sent
          .slice(0, ex.sent.indexOf(status))
          .some((s) => s.state === "TASK_FINISHED");
        if (!terminalFirst)
          assert.ok(
            master.includes(status.uuid),
            `seed ${seed}: ${ex.taskId} lost ${status.state}`,
          );
      }
    }
  }
  assert.equal(pendingCount(), 0, `seed ${seed}: updates left unacknowledged`);
  for (const list of seen.values()) deliveredTotal += list.length;
}

describe("agent core simulation", () => {
  it("delivers every acknowledged executor update to the master in order across restarts, disconnects and duplicate acks", () => {
    for (let seed = 1; seed <= 150; seed++) {
      try {
        runSimulation(seed, 300);
      } catch (error) {
        console.error(`agent simulation failed with seed ${seed}`);
        throw error;
      }
    }
    // The runs did exercise delivery (not vacuously true).
    assert.ok(deliveredTotal > 300, `only ${deliveredTotal} updates delivered`);
  });
});
