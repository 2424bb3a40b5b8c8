// The ExecutorClient with `mediaType: "application/x-protobuf"` against a scripted executor
// endpoint on a real socket that records what comes over the wire: every call is a protobuf
// body asking for protobuf back, and it reads the endpoint's protobuf RecordIO events
// (SUBSCRIBED, LAUNCH, ACKNOWLEDGED). The agent's real executor API takes calls only from the
// executor's own container, so the end-to-end run (protobuf-e2e.test.ts) cannot be watched
// there.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { EventStream } from "../../src/http/event-stream.ts";
import { response, streamReply } from "../../src/http/response.ts";
import { HttpServer } from "../../src/http/server.ts";
import { readV1Call } from "../../src/http/v1-request.ts";
import { ExecutorClient } from "../../src/sdk/executor-client.ts";
import { ExecutorCall, ExecutorEvent } from "../../src/wire/executor.ts";
import { encodeProtobufChecked } from "../../src/wire/protobuf.ts";

const PB = "application/x-protobuf";

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe("the executor client over protobuf", () => {
  test("calls go out as protobuf asking for protobuf; protobuf events are read", async () => {
    const server = new HttpServer();
    const seen: { type: string | undefined; contentType: string; accept: string }[] = [];
    let stream: EventStream | undefined;
    const event = (e: Parameters<typeof encodeProtobufChecked<typeof ExecutorEvent>>[1]) =>
      encodeProtobufChecked(ExecutorEvent, e);
    server.route({
      name: "api/v1/executor",
      methods: ["POST"],
      handler: (request) => {
        const read = readV1Call(request, ExecutorCall);
        if (!read.ok) return response(400, read.failure.message);
        const call = read.value.call;
        seen.push({
          type: call.type,
          contentType: String(request.headers["content-type"]),
          accept: String(request.headers.accept),
        });
        if (call.type !== "SUBSCRIBE") return response(202);
        return streamReply({ streamId: false, contentType: PB }, (s) => {
          stream = s;
          s.send(
            event({
              type: "SUBSCRIBED",
              subscribed: {
                executor_info: { executor_id: { value: "ex-1" } },
                framework_info: { user: "u", name: "fw" },
                agent_info: { hostname: "agent1" },
              },
            }),
          );
          s.send(
            event({
              type: "LAUNCH",
              launch: {
                task: {
                  name: "t",
                  task_id: { value: "t1" },
                  agent_id: { value: "S0" },
                  command: { value: "x" },
                },
              },
            }),
          );
        });
      },
    });
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => server.close());
    const executor = new ExecutorClient({
      env: {
        MESOS_AGENT_ENDPOINT: `127.0.0.1:${port}`,
        MESOS_FRAMEWORK_ID: "fw-1",
        MESOS_EXECUTOR_ID: "ex-1",
        MESOS_CHECKPOINT: "0",
      },
      mediaType: PB,
    });
    cleanups.push(() => executor.stop());
    let uuid = "";
    const acked = new Promise((resolve) => executor.on("acknowledged", resolve));
    executor.on("launch", async (task) => {
      uuid = (await executor.sendUpdate({ taskId: task.task_id.value, state: "TASK_RUNNING" }))
        .uuid;
      stream?.send(
        event({
          type: "ACKNOWLEDGED",
          acknowledged: { task_id: task.task_id, uuid },
        }),
      );
    });
    void executor.start();
    await acked;
    assert.deepEqual(
      seen.map((c) => c.type),
      ["SUBSCRIBE", "UPDATE"],
    );
    for (const c of seen) {
      assert.equal(c.contentType, PB);
      assert.equal(c.accept, PB);
    }
    assert.equal(executor.unacknowledgedUpdates.length, 0);
    await executor.stop();
  });
});
