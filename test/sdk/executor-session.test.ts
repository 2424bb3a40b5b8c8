import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseStoutDurationMs, readExecutorEnv } from "../../src/sdk/executor-env.ts";
import { ExecutorSession } from "../../src/sdk/executor-session.ts";

const ENV = {
  MESOS_AGENT_ENDPOINT: "127.0.0.1:5051",
  MESOS_FRAMEWORK_ID: "fw-1",
  MESOS_EXECUTOR_ID: "ex-1",
  MESOS_CHECKPOINT: "1",
  MESOS_RECOVERY_TIMEOUT: "15mins",
  MESOS_SUBSCRIPTION_BACKOFF_MAX: "2secs",
  MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: "5secs",
};

describe("the executor environment", () => {
  test("stout durations read in milliseconds", () => {
    assert.equal(parseStoutDurationMs("15mins"), 900_000);
    assert.equal(parseStoutDurationMs("2secs"), 2_000);
    assert.equal(parseStoutDurationMs("100ms"), 100);
    assert.equal(parseStoutDurationMs("1.5hrs"), 5_400_000);
    assert.equal(parseStoutDurationMs("5 minutes"), undefined);
  });

  test("the agent's variables give the endpoint, ids, checkpointing and timeouts", () => {
    const read = readExecutorEnv(ENV);
    assert.ok(read.ok);
    assert.equal(read.value.agentUrl, "http://127.0.0.1:5051/api/v1/executor");
    assert.equal(read.value.checkpoint, true);
    assert.equal(read.value.recoveryTimeoutMs, 900_000);
    assert.equal(read.value.subscriptionBackoffMaxMs, 2_000);
    assert.equal(read.value.shutdownGracePeriodMs, 5_000);
  });

  test("a missing or malformed variable is named in the error", () => {
    const missing = readExecutorEnv({ ...ENV, MESOS_EXECUTOR_ID: undefined });
    assert.ok(!missing.ok && missing.message.includes("MESOS_EXECUTOR_ID"));
    const bad = readExecutorEnv({ ...ENV, MESOS_RECOVERY_TIMEOUT: "soon" });
    assert.ok(!bad.ok && bad.code === "EXECUTOR_ENV_INVALID" && bad.message.includes("soon"));
  });
});

describe("the executor session", () => {
  const task = {
    name: "t",
    task_id: { value: "t1" },
    agent_id: { value: "S0" },
    resources: [],
  };

  test("unacknowledged tasks and updates go into SUBSCRIBE until the agent acknowledges", () => {
    const s = new ExecutorSession({ frameworkId: "fw", executorId: "ex", checkpoint: true });
    s.onLaunch(task);
    s.onUpdateSent({ task_id: { value: "t1" }, state: "TASK_RUNNING", uuid: "u1" });
    const call = s.subscribeCall();
    assert.equal(call.subscribe?.unacknowledged_tasks?.length, 1);
    assert.equal(call.subscribe?.unacknowledged_updates?.[0]?.status.uuid, "u1");
    s.onAcknowledged("t1", "u1");
    const after = s.subscribeCall();
    assert.deepEqual(after.subscribe, { unacknowledged_tasks: [], unacknowledged_updates: [] });
  });

  test("a non-checkpointing executor gives up at once; a checkpointing one within the recovery timeout", () => {
    const plain = new ExecutorSession({ frameworkId: "fw", executorId: "ex", checkpoint: false });
    assert.equal(plain.onDisconnected(0), false);
    const durable = new ExecutorSession({
      frameworkId: "fw",
      executorId: "ex",
      checkpoint: true,
      recoveryTimeoutMs: 1_000,
    });
    assert.equal(durable.onDisconnected(0), true);
    assert.equal(durable.onDisconnected(999), true);
    assert.equal(durable.onDisconnected(1_000), false);
    durable.onSubscribed();
    assert.equal(durable.onDisconnected(5_000), true);
  });
});
