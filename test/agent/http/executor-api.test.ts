// The v1 executor API's status codes (reference §3.1) on a real agent with a real master and
// one running command task (so one framework and executor are known): both paths,
// `/api/v1/executor` and `/slave(1)/api/v1/executor`, answer 405 to GET, 415 to a wrong
// Content-Type, 400 to bad JSON, to JSON that is not a Call and to calls that fail validation,
// 406 to SUBSCRIBE without an acceptable Accept, 202 to HEARTBEAT, and 400 "Framework cannot
// be found" / "Executor cannot be found" to unknown ids; and the same to protobuf bodies.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ExecutorCall } from "../../../src/wire/executor.ts";
import { encodeProtobuf } from "../../../src/wire/protobuf.ts";
import { clusterForSuite } from "../integration/cluster.ts";
import { commandTask } from "../integration/helpers.ts";

describe("the v1 executor API's status codes", () => {
  // Stopping the cluster kills "long" and waits for its end.
  const cluster = clusterForSuite("execapi", { isolation: "posix/cpu,posix/mem" });
  before(async () => {
    await cluster.launch([commandTask("long", "sleep 1000")]);
    await cluster.framework.state("long", "TASK_RUNNING");
  });

  const call = (over: Record<string, unknown> = {}) =>
    JSON.stringify({
      type: "HEARTBEAT",
      framework_id: { value: cluster.framework.id },
      executor_id: { value: "long" },
      ...over,
    });

  const UNKNOWN_EXECUTOR_MESSAGE = {
    type: "MESSAGE",
    executor_id: { value: "no-such-executor" },
    message: { data: "aGk=" },
  };

  for (const path of ["/api/v1/executor", "/slave(1)/api/v1/executor"]) {
    const post = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
      fetch(`${cluster.agent.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });

    it(`${path}: GET is 405`, async () => {
      const res = await fetch(`${cluster.agent.url}${path}`);
      assert.equal(res.status, 405);
    });

    it(`${path}: a wrong Content-Type is 415`, async () => {
      const res = await post(call(), { "content-type": "text/plain" });
      assert.equal(res.status, 415);
    });

    it(`${path}: a body that is not JSON is 400`, async () => {
      const res = await post("{not json");
      assert.equal(res.status, 400);
    });

    it(`${path}: a call without its required executor_id is 400 (the JSON is not a Call)`, async () => {
      const res = await post(JSON.stringify({ type: "HEARTBEAT", framework_id: { value: "f" } }));
      assert.equal(res.status, 400);
      assert.match(await res.text(), /executor_id/);
    });

    it(`${path}: an UPDATE without its update fails validation with 400`, async () => {
      const res = await post(call({ type: "UPDATE" }));
      assert.equal(res.status, 400);
      assert.match(await res.text(), /^Failed to validate Executor::Call: /);
    });

    it(`${path}: HEARTBEAT is 202`, async () => {
      const res = await post(call());
      assert.equal(res.status, 202);
    });

    it(`${path}: SUBSCRIBE without an acceptable Accept (not JSON, not recordio's) is 406`, async () => {
      const res = await post(call({ type: "SUBSCRIBE", subscribe: {} }), { accept: "text/html" });
      assert.equal(res.status, 406);
    });

    it(`${path}: an unknown framework is 400 "Framework cannot be found"`, async () => {
      const res = await post(
        call({
          type: "MESSAGE",
          framework_id: { value: "no-such-framework" },
          message: { data: "aGk=" },
        }),
      );
      assert.equal(res.status, 400);
      assert.equal(await res.text(), "Framework cannot be found");
    });

    it(`${path}: an unknown executor of a known framework is 400 "Executor cannot be found"`, async () => {
      const res = await post(call(UNKNOWN_EXECUTOR_MESSAGE));
      assert.equal(res.status, 400);
      assert.equal(await res.text(), "Executor cannot be found");
    });

    // The same answers to protobuf bodies (reference §0.2).
    const PROTOBUF = { "content-type": "application/x-protobuf" };
    const postProtobuf = (call: Record<string, unknown>) =>
      post(encodeProtobuf(ExecutorCall, call), PROTOBUF);
    const protobufCall = (over: Record<string, unknown> = {}) => JSON.parse(call(over));

    it(`${path}: a protobuf HEARTBEAT is 202; an unknown executor is 400 as in JSON`, async () => {
      assert.equal((await postProtobuf(protobufCall())).status, 202);
      const unknown = await postProtobuf(protobufCall(UNKNOWN_EXECUTOR_MESSAGE));
      assert.equal(unknown.status, 400);
      assert.equal(await unknown.text(), "Executor cannot be found");
    });

    it(`${path}: a protobuf call without its required executor_id is 400 "Failed to parse body into Call protobuf"`, async () => {
      const res = await postProtobuf({ type: "HEARTBEAT", framework_id: { value: "f" } });
      assert.equal(res.status, 400);
      assert.equal(await res.text(), "Failed to parse body into Call protobuf");
    });
  }
});
