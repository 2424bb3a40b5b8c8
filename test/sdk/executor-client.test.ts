// The ExecutorClient against a scripted executor endpoint on a real socket (the agent's own
// /api/v1/executor is not there yet): subscribe, LAUNCH, updates until ACKNOWLEDGED, and a
// resubscription that carries what was not acknowledged.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { EventStream } from "../../src/http/event-stream.ts";
import { response, streamReply } from "../../src/http/response.ts";
import { HttpServer } from "../../src/http/server.ts";
import { readV1Call } from "../../src/http/v1-request.ts";
import { ExecutorClient } from "../../src/sdk/executor-client.ts";
import { ExecutorCall } from "../../src/wire/executor.ts";

interface FakeAgent {
  readonly endpoint: string;
  readonly calls: ExecutorCall[];
  stream(): EventStream | undefined;
  waitFor(predicate: (calls: ExecutorCall[]) => boolean): Promise<void>;
  close(): Promise<void>;
}

const TASK = {
  name: "t",
  task_id: { value: "t1" },
  agent_id: { value: "S0" },
  command: { value: "x" },
};

async function startFakeAgent(): Promise<FakeAgent> {
  const server = new HttpServer();
  const calls: ExecutorCall[] = [];
  let current: EventStream | undefined;
  const waiters: Array<() => void> = [];
  server.route({
    name: "api/v1/executor",
    methods: ["POST"],
    handler: (request) => {
      const read = readV1Call(request, ExecutorCall);
      if (!read.ok) return response(400, read.failure.message);
      const call = read.value.call;
      calls.push(call);
      for (const w of waiters.splice(0)) w();
      if (call.type !== "SUBSCRIBE") return response(202);
      return streamReply({ streamId: false }, (stream) => {
        current = stream;
        stream.send(
          JSON.stringify({
            type: "SUBSCRIBED",
            subscribed: {
              executor_info: { executor_id: { value: "ex-1" } },
              framework_info: { user: "u", name: "fw" },
              agent_info: { hostname: "agent1" },
            },
          }),
        );
        if (calls.filter((c) => c.type === "SUBSCRIBE").length === 1) {
          stream.send(JSON.stringify({ type: "LAUNCH", launch: { task: TASK } }));
        }
      });
    },
  });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  return {
    endpoint: `127.0.0.1:${port}`,
    calls,
    stream: () => current,
    waitFor: (predicate) =>
      new Promise((resolve) => {
        const check = () => (predicate(calls) ? resolve() : waiters.push(check));
        check();
      }),
    close: () => server.close(),
  };
}

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function env(agent: FakeAgent, checkpoint: boolean) {
  return {
    MESOS_AGENT_ENDPOINT: agent.endpoint,
    MESOS_FRAMEWORK_ID: "fw-1",
    MESOS_EXECUTOR_ID: "ex-1",
    MESOS_CHECKPOINT: checkpoint ? "1" : "0",
    ...(checkpoint
      ? { MESOS_RECOVERY_TIMEOUT: "1mins", MESOS_SUBSCRIPTION_BACKOFF_MAX: "50ms" }
      : {}),
  };
}

describe("the executor client", () => {
  test("a launched task's update is sent with a uuid and kept until ACKNOWLEDGED", async () => {
    const agent = await startFakeAgent();
    cleanups.push(() => agent.close());
    const executor = new ExecutorClient({ env: env(agent, false) });
    cleanups.push(() => executor.stop());
    const acked = new Promise((resolve) => executor.on("acknowledged", resolve));
    executor.on("launch", async (task) => {
      const { sent } = await executor.sendUpdate({
        taskId: task.task_id.value,
        state: "TASK_RUNNING",
      });
      assert.equal(sent, true);
    });
    void executor.start();
    await agent.waitFor((calls) => calls.some((c) => c.type === "UPDATE"));
    const update = agent.calls.find((c) => c.type === "UPDATE")!.update!.status;
    assert.equal(update.source, "SOURCE_EXECUTOR");
    assert.equal(update.executor_id?.value, "ex-1");
    assert.equal(Buffer.from(update.uuid!, "base64").length, 16);
    assert.equal(executor.unacknowledgedUpdates.length, 1);
    agent.stream()?.send(
      JSON.stringify({
        type: "ACKNOWLEDGED",
        acknowledged: { task_id: { value: "t1" }, uuid: update.uuid },
      }),
    );
    await acked;
    assert.equal(executor.unacknowledgedUpdates.length, 0);
    await executor.stop();
  });

  test("a checkpointing executor resubscribes with its unacknowledged task and update", async () => {
    const agent = await startFakeAgent();
    cleanups.push(() => agent.close());
    const executor = new ExecutorClient({ env: env(agent, true) });
    cleanups.push(() => executor.stop());
    executor.on("launch", async (task) => {
      await executor.sendUpdate({ taskId: task.task_id.value, state: "TASK_RUNNING" });
    });
    void executor.start();
    await agent.waitFor((calls) => calls.some((c) => c.type === "UPDATE"));
    agent.stream()?.close();
    await agent.waitFor((calls) => calls.filter((c) => c.type === "SUBSCRIBE").length === 2);
    const resubscribe = agent.calls.filter((c) => c.type === "SUBSCRIBE")[1]!.subscribe!;
    assert.equal(resubscribe.unacknowledged_tasks?.[0]?.task_id.value, "t1");
    assert.equal(resubscribe.unacknowledged_updates?.[0]?.status.state, "TASK_RUNNING");
    await executor.stop();
  });

  test("a non-checkpointing executor stops when the agent goes away; SHUTDOWN stops it too", async () => {
    const agent = await startFakeAgent();
    cleanups.push(() => agent.close());
    const plain = new ExecutorClient({ env: env(agent, false) });
    const launched = new Promise((resolve) => plain.on("launch", resolve));
    const done = plain.start();
    await launched;
    agent.stream()?.close();
    assert.equal((await done).code, "AGENT_GONE");

    const durable = new ExecutorClient({ env: env(agent, true) });
    const subscribed = new Promise((resolve) => durable.on("subscribed", resolve));
    let shutdownSeen = false;
    durable.on("shutdown", () => {
      shutdownSeen = true;
    });
    const ended = durable.start();
    await subscribed;
    agent.stream()?.send('{"type":"SHUTDOWN"}');
    assert.equal((await ended).code, "SHUTDOWN");
    assert.equal(shutdownSeen, true);
  });

  test("an executor started outside an agent fails with the variable to set", () => {
    assert.throws(() => new ExecutorClient({ env: {} }), /MESOS_AGENT_ENDPOINT/);
  });
});
