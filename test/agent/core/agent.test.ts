import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MESOS_COMPATIBLE_VERSION } from "../../../src/base/mesos-version.ts";
import { AGENT_ID, commandTask, framework, Harness, subscribedEvent, uuid } from "./harness.ts";
import { replayWrites } from "./replay.ts";

function launch(h: Harness, fw = framework("F1"), task = commandTask("t1")) {
  return h.masterEvent({
    type: "RUN_TASK",
    run_task: { framework_info: fw, framework_id: { value: fw.id?.value ?? "" }, task },
  });
}

describe("agent core: registration", () => {
  it("registers after a random delay within the backoff factor, retrying with a doubling bound up to 1 min", () => {
    const h = new Harness();
    h.handle({ kind: "recover", state: undefined });
    h.handle({ kind: "master_connected" });
    const first = h.timers.get("registration");
    assert.ok(first !== undefined && first >= h.nowMs && first <= h.nowMs + 1000);
    const bounds: number[] = [];
    for (let i = 0; i < 9; i++) {
      const out = h.fire("registration");
      const before = h.nowMs;
      assert.equal(h.of("master_subscribe", out).length, 1);
      bounds.push((h.timers.get("registration") ?? 0) - before);
    }
    const limits = [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000];
    for (const [i, b] of bounds.entries()) {
      assert.ok(b >= 0 && b <= (limits[i] ?? 0), `retry ${i}: ${b}`);
    }
    const call = h.of("master_subscribe")[0]?.call;
    assert.equal(call?.subscribe?.agent_id, undefined);
    // The version it reports is the Mesos release it speaks, as a Mesos agent reports its own.
    assert.equal(call?.subscribe?.version, MESOS_COMPATIBLE_VERSION);
  });

  it("answers pings with PONG and re-registers when the master falls silent", () => {
    const h = new Harness();
    h.register();
    h.take();
    h.masterEvent({ type: "PING", ping: { connected: true } });
    assert.deepEqual(
      h.masterCalls().map((c) => c.type),
      ["PONG"],
    );
    h.fire("master_ping");
    assert.equal(h.core.connection, "registering");
    h.take();
    h.fire("registration");
    const resubscribe = h.of("master_subscribe")[0]?.call;
    assert.equal(resubscribe?.subscribe?.agent_id?.value, AGENT_ID);
  });
});

describe("agent core: launching tasks", () => {
  it("launches a command task in a synthesised command executor with the Mesos environment", () => {
    const h = new Harness();
    h.register();
    const out = launch(h);
    const [launched] = h.of("launch_container", out);
    assert.ok(launched !== undefined);
    const l = launched.launch;
    assert.equal(l.executorId, "t1");
    assert.equal(l.commandExecutor, true);
    assert.equal(l.executorInfo.name, "Command Executor (Task: t1) (Command: sh -c 'sleep 1000')");
    const resources = l.resources.map(
      (r) => `${r.name}:${r.scalar?.value}:${r.allocation_info?.role}`,
    );
    assert.deepEqual(resources, ["cpus:0.1:web", "mem:32:web", "cpus:1:web"]);
    assert.equal(l.directory, "/var/lib/tessera/slaves/M-S0/frameworks/F1/executors/t1/runs/c1");
    assert.equal(l.env.MESOS_FRAMEWORK_ID, "F1");
    assert.equal(l.env.MESOS_EXECUTOR_ID, "t1");
    assert.equal(l.env.MESOS_AGENT_ENDPOINT, "10.0.0.1:5051");
    assert.equal(l.env.MESOS_SLAVE_PID, "slave(1)@10.0.0.1:5051");
    assert.equal(l.env.MESOS_SANDBOX, l.directory);
    assert.equal(l.env.MESOS_CHECKPOINT, "1");
    assert.equal(l.env.MESOS_RECOVERY_TIMEOUT, "15mins");
    assert.equal(l.env.MESOS_SUBSCRIPTION_BACKOFF_MAX, "2secs");
    assert.equal(l.env.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD, "5secs");
    assert.equal(l.env.MESOS_ALLOCATION_ROLE, "web");
    assert.equal(l.user, "alice");
    const writes = h.disk.map((w) => w.type);
    assert.deepEqual(writes, ["agent", "framework", "executor", "task"]);
  });

  it("sends SUBSCRIBED and then the queued task once the executor subscribes", () => {
    const h = new Harness();
    h.register();
    launch(h);
    const { requestId, streamId, out } = h.subscribeExecutor("F1", "t1");
    assert.deepEqual(h.of("executor_reply", out)[0], {
      kind: "executor_reply",
      requestId,
      reply: { ok: true, status: 200 },
    });
    const events = h.executorEvents(streamId, out);
    assert.deepEqual(
      events.map((e) => e.type),
      ["SUBSCRIBED", "LAUNCH"],
    );
    assert.deepEqual(events[0]?.subscribed?.container_id, { value: "c1" });
    assert.equal(events[0]?.subscribed?.agent_info.id?.value, AGENT_ID);
  });

  it("does not send a task to its executor before its task.info is durable", () => {
    const h = new Harness({ holdCheckpoints: true });
    h.register();
    h.flush();
    launch(h);
    const { streamId, out } = h.subscribeExecutor("F1", "t1");
    assert.deepEqual(
      h.executorEvents(streamId, out).map((e) => e.type),
      ["SUBSCRIBED"],
    );
    h.take();
    h.flush();
    assert.deepEqual(
      h.executorEvents(streamId).map((e) => e.type),
      ["LAUNCH"],
    );
  });

  it("checkpoints an executor's update, acknowledges it, and forwards it with latest_state", () => {
    const h = new Harness({ holdCheckpoints: true });
    h.register();
    h.flush();
    launch(h);
    h.flush();
    const { streamId } = h.subscribeExecutor("F1", "t1");
    h.take();
    const { out } = h.executorUpdate("F1", "t1", "t1", "TASK_RUNNING", uuid(1));
    assert.deepEqual(h.of("executor_reply", out)[0]?.reply, { ok: true, status: 202 });
    assert.equal(
      h.executorEvents(streamId).length,
      0,
      "no ACKNOWLEDGED before the record is durable",
    );
    assert.equal(h.updatesToMaster().length, 0, "nothing forwarded before the record is durable");
    h.flush();
    assert.deepEqual(
      h.executorEvents(streamId).map((e) => e.type),
      ["ACKNOWLEDGED"],
    );
    const calls = h.masterCalls().filter((c) => c.type === "UPDATE");
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.update?.latest_state, "TASK_RUNNING");
    assert.equal(calls[0]?.update?.executor_id?.value, "t1");
  });

  it("forgets a command executor once it exited and its terminal update is acknowledged", () => {
    const h = new Harness();
    h.register();
    launch(h);
    h.subscribeExecutor("F1", "t1");
    h.executorUpdate("F1", "t1", "t1", "TASK_FINISHED", uuid(1));
    h.handle({ kind: "container_exited", containerId: "c1", status: 0 });
    assert.equal(
      h.masterCalls().some((c) => c.type === "EXECUTOR_EXITED"),
      false,
      "command executors are not reported",
    );
    assert.equal(h.core.frameworks.get("F1")?.executors.size, 1);
    h.masterAck("F1", "t1", uuid(1));
    assert.equal(h.core.frameworks.has("F1"), false);
    assert.deepEqual(
      h.disk.slice(-2).map((w) => w.type),
      ["remove_executor", "remove_framework"],
    );
  });
});

describe("agent core: task states the agent generates (reference §5.6)", () => {
  it("a task killed before it reached its executor is TASK_KILLED during launch, and the idle executor is destroyed", () => {
    const h = new Harness();
    h.register();
    launch(h);
    h.take();
    h.masterEvent({
      type: "KILL_TASK",
      kill_task: { framework_id: { value: "F1" }, task_id: { value: "t1" } },
    });
    const [status] = h.updatesToMaster();
    assert.equal(status?.state, "TASK_KILLED");
    assert.equal(status?.reason, "REASON_TASK_KILLED_DURING_LAUNCH");
    assert.equal(status?.source, "SOURCE_AGENT");
    assert.deepEqual(
      h.of("destroy_container").map((o) => o.containerId),
      ["c1"],
    );
  });

  it("a launched task is killed by a KILL event to its executor", () => {
    const h = new Harness();
    h.register();
    launch(h);
    const { streamId } = h.subscribeExecutor("F1", "t1");
    h.take();
    h.masterEvent({
      type: "KILL_TASK",
      kill_task: { framework_id: { value: "F1" }, task_id: { value: "t1" } },
    });
    assert.deepEqual(
      h.executorEvents(streamId).map((e) => e.type),
      ["KILL"],
    );
  });

  it("an executor that never subscribes fails its tasks with REASON_EXECUTOR_REGISTRATION_TIMEOUT", () => {
    const h = new Harness();
    h.register();
    launch(h);
    h.take();
    h.fire("executor_registration:F1/t1/c1");
    assert.deepEqual(
      h.of("destroy_container").map((o) => o.containerId),
      ["c1"],
    );
    h.handle({ kind: "container_exited", containerId: "c1", status: 9 });
    const [status] = h.updatesToMaster();
    assert.equal(status?.state, "TASK_FAILED");
    assert.equal(status?.reason, "REASON_EXECUTOR_REGISTRATION_TIMEOUT");
    assert.equal(status?.message, "Executor did not register within 1mins");
  });

  it("an executor that dies with live tasks fails them with the container's limitation reason", () => {
    const h = new Harness();
    h.register();
    launch(h);
    h.subscribeExecutor("F1", "t1");
    h.take();
    h.handle({
      kind: "container_exited",
      containerId: "c1",
      status: 9,
      reason: "REASON_CONTAINER_LIMITATION_MEMORY",
      message: "Memory limit exceeded",
    });
    const [status] = h.updatesToMaster();
    assert.equal(status?.state, "TASK_FAILED");
    assert.equal(status?.reason, "REASON_CONTAINER_LIMITATION_MEMORY");
    assert.equal(h.of("close_executor_stream").length, 1);
  });

  it("an executor that dies with live tasks and no limitation fails them with REASON_EXECUTOR_TERMINATED", () => {
    const h = new Harness();
    h.register();
    const executor = {
      executor_id: { value: "ex" },
      resources: [],
      command: { value: "run-me", shell: true, uris: [], arguments: [] },
    };
    const task = { ...commandTask("t1"), command: undefined, executor };
    launch(h, framework("F1"), task);
    h.subscribeExecutor("F1", "ex");
    h.take();
    h.handle({ kind: "container_exited", containerId: "c1", status: 256 });
    assert.equal(h.updatesToMaster()[0]?.reason, "REASON_EXECUTOR_TERMINATED");
    const exited = h.masterCalls().find((c) => c.type === "EXECUTOR_EXITED");
    assert.equal(exited?.executor_exited?.status, 256);
  });

  it("a container that cannot be launched fails its tasks with REASON_CONTAINER_LAUNCH_FAILED", () => {
    const h = new Harness();
    h.register();
    launch(h);
    h.take();
    h.handle({ kind: "container_launch_failed", containerId: "c1", message: "no such user" });
    const [status] = h.updatesToMaster();
    assert.equal(status?.state, "TASK_FAILED");
    assert.equal(status?.reason, "REASON_CONTAINER_LAUNCH_FAILED");
    assert.match(status?.message ?? "", /no such user/);
    assert.equal(h.core.counts.containerLaunchErrors, 1, "slave/container_launch_errors");
    assert.equal(h.core.counts.tasksEnded.get("TASK_FAILED"), 1, "slave/tasks_failed");
  });

  it("tasks the master reconciles that the agent does not know are TASK_LOST, or TASK_DROPPED for partition-aware frameworks", () => {
    const h = new Harness();
    h.register();
    launch(
      h,
      framework("PA", { capabilities: [{ type: "PARTITION_AWARE" }] }),
      commandTask("known"),
    );
    h.take();
    h.masterEvent({
      type: "RECONCILE_TASKS",
      reconcile_tasks: {
        tasks: [
          { framework_id: { value: "PA" }, task_id: { value: "known" } },
          { framework_id: { value: "PA" }, task_id: { value: "gone" } },
          { framework_id: { value: "OLD" }, task_id: { value: "x" } },
        ],
      },
    });
    const states = h.updatesToMaster().map((s) => `${s.task_id.value}:${s.state}:${s.reason}`);
    assert.deepEqual(states, [
      "gone:TASK_DROPPED:REASON_RECONCILIATION",
      "x:TASK_LOST:REASON_RECONCILIATION",
    ]);
  });
});

describe("agent core: executor API answers", () => {
  it("refuses calls before recovery, for unknown frameworks or executors, and from executors not subscribed", () => {
    const h = new Harness();
    const call = {
      type: "UPDATE" as const,
      framework_id: { value: "F1" },
      executor_id: { value: "t1" },
    };
    const reply = (out: ReturnType<Harness["executorCall"]>["out"]) =>
      h.of("executor_reply", out)[0]?.reply;
    assert.equal((reply(h.executorCall(call).out) as { status: number }).status, 503);
    assert.deepEqual(reply(h.executorCall({ ...call, type: "HEARTBEAT" }).out), {
      ok: true,
      status: 202,
    });
    h.register();
    assert.deepEqual(reply(h.executorCall(call).out), {
      ok: false,
      status: 400,
      message: "Framework cannot be found",
    });
    launch(h);
    assert.deepEqual(reply(h.executorCall({ ...call, executor_id: { value: "zz" } }).out), {
      ok: false,
      status: 400,
      message: "Executor cannot be found",
    });
    assert.deepEqual(reply(h.executorCall(call).out), {
      ok: false,
      status: 403,
      message: "Executor is not subscribed",
    });
  });
});

describe("agent core: recovery (reference §8.3)", () => {
  it("re-registers with recovered tasks, resends unacknowledged updates, and drops tasks the executor never got", () => {
    const h = new Harness();
    h.register();
    const fw = framework("F1", { capabilities: [{ type: "PARTITION_AWARE" }] });
    const executor = {
      executor_id: { value: "ex" },
      resources: [],
      command: { value: "run-me", shell: true, uris: [], arguments: [] },
    };
    launch(h, fw, { ...commandTask("t1"), command: undefined, executor });
    h.subscribeExecutor("F1", "ex");
    launch(h, fw, { ...commandTask("t2"), command: undefined, executor });
    h.executorUpdate("F1", "ex", "t1", "TASK_RUNNING", uuid(1));
    h.restart(replayWrites(h.disk));
    assert.equal(h.core.recovery, "reconnecting");
    h.take();
    // The executor got t1 (it has an update) but not t2.
    const { streamId, out } = h.subscribeExecutor("F1", "ex", {
      unacknowledged_updates: [
        {
          status: {
            task_id: { value: "t1" },
            state: "TASK_RUNNING",
            uuid: uuid(1),
            source: "SOURCE_EXECUTOR",
          },
        },
      ],
    });
    assert.equal(h.core.recovery, "done");
    assert.deepEqual(
      h.executorEvents(streamId, out).map((e) => e.type),
      ["ACKNOWLEDGED", "SUBSCRIBED"],
    );
    h.handle({ kind: "master_connected" });
    h.fire("registration");
    const sub = h.of("master_subscribe")[0]?.call.subscribe;
    assert.equal(sub?.agent_id?.value, AGENT_ID);
    assert.deepEqual(
      sub?.executors?.map((e) => e.executor_id.value),
      ["ex"],
    );
    assert.deepEqual(
      sub?.tasks?.map((t) => `${t.task_id.value}:${t.state}`),
      ["t1:TASK_RUNNING", "t2:TASK_DROPPED"],
    );
    h.take();
    h.masterEvent(subscribedEvent());
    const sent = h.updatesToMaster().map((s) => `${s.task_id.value}:${s.state}:${s.reason ?? ""}`);
    assert.deepEqual(sent.sort(), ["t1:TASK_RUNNING:", "t2:TASK_DROPPED:REASON_AGENT_RESTARTED"]);
  });

  it("destroys recovered executors that do not re-subscribe in time and fails their tasks", () => {
    const h = new Harness();
    h.register();
    launch(h);
    h.subscribeExecutor("F1", "t1");
    h.restart(replayWrites(h.disk));
    h.take();
    h.fire("executor_reregistration");
    assert.deepEqual(
      h.of("destroy_container").map((o) => o.containerId),
      ["c1"],
    );
    h.handle({ kind: "container_exited", containerId: "c1" });
    assert.equal(
      h.core.frameworks.get("F1")?.executors.get("t1")?.tasks.get("t1")?.task.state,
      "TASK_FAILED",
    );
  });

  it("reports the tasks of a rebooted host's executors as failed", () => {
    const h = new Harness();
    h.register();
    launch(h);
    h.restart(replayWrites(h.disk, true));
    assert.equal(h.core.recovery, "done");
    assert.equal(h.core.frameworks.get("F1")?.executors.get("t1")?.phase, "terminated");
  });

  it("checkpoints nothing for a framework that does not checkpoint, so nothing of it is recovered", () => {
    const h = new Harness();
    h.register();
    launch(h, framework("F1", { checkpoint: false }));
    h.subscribeExecutor("F1", "t1");
    h.executorUpdate("F1", "t1", "t1", "TASK_RUNNING", uuid(1));
    assert.deepEqual(
      h.disk.map((w) => w.type),
      ["agent"],
    );
    const launched = h.of("launch_container")[0]?.launch;
    assert.equal(launched?.env.MESOS_CHECKPOINT, "0");
    assert.equal(launched?.env.MESOS_RECOVERY_TIMEOUT, undefined);
    h.restart(replayWrites(h.disk));
    assert.equal(h.core.frameworks.size, 0);
  });
});

describe("agent core: the history /state shows (completed tasks, executors, frameworks)", () => {
  /** Runs task `id` of framework `fw` to TASK_FINISHED, acknowledged; `n` numbers its uuid
   *  and container (the harness names containers c1, c2, ... in launch order). */
  function runToEnd(h: Harness, fw: string, id: string, n: number) {
    launch(h, framework(fw), commandTask(id));
    h.subscribeExecutor(fw, id);
    h.executorUpdate(fw, id, id, "TASK_FINISHED", uuid(n));
    h.handle({ kind: "container_exited", containerId: `c${n}`, status: 0 });
    h.masterAck(fw, id, uuid(n));
  }

  it("a finished task stays in its executor's completed tasks, the executor in its framework's, the framework in the agent's", () => {
    const h = new Harness();
    h.register();
    runToEnd(h, "F1", "t1", 1);
    const done = h.core.completedFrameworks.get("F1");
    assert.equal(h.core.frameworks.has("F1"), false);
    assert.deepEqual(
      done?.completedExecutors.map((e) => [e.id, e.containerId]),
      [["t1", "c1"]],
    );
    const tasks = done?.completedExecutors[0]?.completedTasks ?? [];
    assert.deepEqual(
      tasks.map((t) => [t.task_id.value, t.state]),
      [["t1", "TASK_FINISHED"]],
    );
  });

  it("a framework that launches again takes its completed executors back", () => {
    const h = new Harness();
    h.register();
    runToEnd(h, "F1", "t1", 1);
    launch(h, framework("F1"), commandTask("t2"));
    assert.equal(h.core.completedFrameworks.has("F1"), false);
    assert.deepEqual(
      h.core.frameworks.get("F1")?.completedExecutors.map((e) => e.id),
      ["t1"],
    );
  });

  it("keeps at most 150 completed executors per framework and 50 completed frameworks, dropping the oldest", () => {
    const h = new Harness();
    h.register();
    for (let i = 1; i <= 152; i++) runToEnd(h, "F1", `t${i}`, i);
    const executors = h.core.completedFrameworks.get("F1")?.completedExecutors ?? [];
    assert.equal(executors.length, 150);
    assert.equal(executors[0]?.id, "t3");
    assert.equal(executors.at(-1)?.id, "t152");
    for (let f = 2; f <= 51; f++) runToEnd(h, `F${f}`, `u${f}`, 150 + f + 1);
    const completed = [...h.core.completedFrameworks.keys()];
    assert.equal(completed.length, 50);
    assert.equal(completed.includes("F1"), false, "the oldest framework is dropped");
    assert.equal(completed.at(-1), "F51");
  });
});
