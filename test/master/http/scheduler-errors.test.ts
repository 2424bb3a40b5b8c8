// Conformance: every status code path of the scheduler endpoint (reference §1.1 handler order)
// with Mesos's exact body text; each refused call leaves the master's state unchanged.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { subscribe } from "../../../src/http/client.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import { eventually } from "../../support/eventually.ts";
import { launchCall, scalar } from "../scheduler-calls.ts";
import {
  EventReader,
  type Loose,
  operatorCall,
  schedulerUrl,
  stableState,
  subscribeScheduler,
  webFramework,
} from "./helpers.ts";
import { masterOnlySuite, masterSuite } from "./suite.ts";
import { TestAgent } from "./test-agent.ts";

async function post(
  master: RunningMaster,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  const res = await fetch(schedulerUrl(master), {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body,
    redirect: "manual",
  });
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    out[k] = v;
  });
  return { status: res.status, body: await res.text(), headers: out };
}

/** A SUBSCRIBE that is valid but for what each test changes around it. */
const MINIMAL_SUBSCRIBE = JSON.stringify({
  type: "SUBSCRIBE",
  subscribe: { framework_info: { user: "a", name: "b" } },
});

describe("scheduler API status codes", () => {
  let stateBefore: unknown;
  const { master, scheduler } = masterSuite({
    agent: false,
    // Every refusal below left the state as it was.
    beforeStop: async () => assert.deepEqual(await stableState(master), stateBefore),
  });
  before(async () => {
    stateBefore = await stableState(master);
  });

  it("a GET is answered 405 with Allow: POST", async () => {
    const res = await fetch(schedulerUrl(master));
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST");
  });

  it("a missing Content-Type is answered 400", async () => {
    // A byte body, so that fetch adds no Content-Type of its own.
    const res = await fetch(schedulerUrl(master), {
      method: "POST",
      body: new TextEncoder().encode("{}"),
    });
    assert.equal(res.status, 400);
    assert.equal(await res.text(), "Expecting 'Content-Type' to be present");
  });

  it("an unsupported Content-Type is answered 415", async () => {
    const res = await post(master, "{}", { "Content-Type": "text/plain" });
    assert.equal(res.status, 415);
  });

  it("a protobuf body that is no Call is answered 400 'Failed to parse body into Call protobuf'", async () => {
    // Field 1 (framework_id, a message) given as a varint.
    const res = await post(master, "\x08\x01", { "Content-Type": "application/x-protobuf" });
    assert.equal(res.status, 400);
    assert.equal(res.body, "Failed to parse body into Call protobuf");
  });

  it("malformed JSON is answered 400 'Failed to parse body into JSON'", async () => {
    const res = await post(master, "{not json");
    assert.equal(res.status, 400);
    assert.match(res.body, /^Failed to parse body into JSON: /);
  });

  it("JSON that is not a Call is answered 400 'Failed to convert JSON into Call protobuf'", async () => {
    const res = await post(master, JSON.stringify({ type: "SUBSCRIBE", subscribe: 42 }));
    assert.equal(res.status, 400);
    assert.match(res.body, /^Failed to convert JSON into Call protobuf: .*subscribe/);
  });

  it("an unknown call type name: Mesos's 400 'Expecting 'type' to be present', naming the unknown type", async () => {
    const res = await post(master, JSON.stringify({ type: "NO_SUCH_CALL" }));
    assert.equal(res.status, 400);
    assert.equal(
      res.body,
      "Failed to validate scheduler::Call: Expecting 'type' to be present ('NO_SUCH_CALL' is not a call type of this API)",
    );
    const absent = await post(master, JSON.stringify({}));
    assert.equal(absent.body, "Failed to validate scheduler::Call: Expecting 'type' to be present");
  });

  it("a call failing validation is answered 400 'Failed to validate scheduler::Call'", async () => {
    const res = await post(master, JSON.stringify({ type: "DECLINE" }));
    assert.equal(res.status, 400);
    assert.equal(
      res.body,
      "Failed to validate scheduler::Call: Expecting 'framework_id' to be present",
    );
  });

  it("an oversized body is answered 413 without being read", async () => {
    const res = await post(master, " ".repeat(5 * 1024 * 1024));
    assert.equal(res.status, 413);
  });

  it("SUBSCRIBE accepting neither JSON nor protobuf is answered 406", async () => {
    const res = await post(master, MINIMAL_SUBSCRIBE, { Accept: "text/html" });
    assert.equal(res.status, 406);
  });

  it("SUBSCRIBE with a Mesos-Stream-Id header is answered 400", async () => {
    const res = await post(master, MINIMAL_SUBSCRIBE, { "Mesos-Stream-Id": "x" });
    assert.equal(res.status, 400);
    assert.equal(res.body, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
  });

  /** A REVIVE of `frameworkId` POSTed with `headers`. */
  const revive = (frameworkId: string, headers: Record<string, string> = {}) =>
    post(master, JSON.stringify({ type: "REVIVE", framework_id: { value: frameworkId } }), headers);

  it("a call for an unknown framework is answered 400 'Framework cannot be found'", async () => {
    const res = await revive("unknown", { "Mesos-Stream-Id": scheduler.streamId });
    assert.equal(res.status, 400);
    assert.equal(res.body, "Framework cannot be found");
  });

  it("a call without Mesos-Stream-Id is answered 400", async () => {
    const res = await revive(scheduler.frameworkId);
    assert.equal(res.status, 400);
    assert.equal(res.body, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
  });

  it("a call with another stream's id is answered 400", async () => {
    const res = await revive(scheduler.frameworkId, {
      "Mesos-Stream-Id": "00000000-0000-0000-0000-000000000000",
    });
    assert.equal(res.status, 400);
    assert.match(res.body, /didn't match the stream ID currently associated with framework ID/);
  });

  it("an UNKNOWN call is answered 501", async () => {
    const res = await scheduler.call({ type: "UNKNOWN" });
    assert.equal(res.status, 501);
  });

  it("SUBSCRIBE with an invalid FrameworkInfo answers 200 with a single ERROR and closes", async () => {
    const sub = await subscribe(
      schedulerUrl(master),
      JSON.stringify({
        type: "SUBSCRIBE",
        subscribe: {
          framework_info: {
            user: "a",
            name: "b",
            role: "x",
            roles: ["y"],
            capabilities: [{ type: "MULTI_ROLE" }],
          },
        },
      }),
    );
    assert.ok(sub.ok);
    const events = new EventReader(sub.events);
    const error = await events.nextAny();
    assert.equal(error?.type, "ERROR");
    assert.equal(typeof (error as Loose).error.message, "string");
    await events.end();
  });
});

describe("scheduler API calls needing a subscription", () => {
  const master = masterOnlySuite();

  it("UPDATE_FRAMEWORK is answered 200 synchronously", async () => {
    const scheduler = await subscribeScheduler(master);
    try {
      const res = await scheduler.call({
        type: "UPDATE_FRAMEWORK",
        update_framework: {
          framework_info: {
            id: { value: scheduler.frameworkId },
            user: "alice",
            name: "renamed",
            roles: ["web"],
            capabilities: [{ type: "MULTI_ROLE" }],
          },
        },
      });
      assert.equal(res.status, 200, res.body);
      assert.equal(res.body, "");
      const frameworks = await operatorCall(master, { type: "GET_FRAMEWORKS" });
      const names = (frameworks.json as Loose).get_frameworks.frameworks.map(
        (f: Loose) => f.framework_info.name,
      );
      assert.deepEqual(names, ["renamed"]);
    } finally {
      scheduler.close();
    }
  });

  it("a framework whose stream broke is answered 403 'Framework is not subscribed'", async () => {
    // A failover timeout keeps the framework known while it is disconnected.
    const scheduler = await subscribeScheduler(master, {
      user: "alice",
      name: "away",
      failover_timeout: 3600,
    });
    scheduler.close();
    // Wait (bounded) until the master saw the connection go.
    const res = await eventually("REVIVE to be refused", async () => {
      const answer = await scheduler.call({ type: "REVIVE" });
      return answer.status === 403 ? answer : undefined;
    });
    assert.equal(res.body, "Framework is not subscribed");
  });

  it("ACCEPT with an invalid TaskInfo answers 202, sends TASK_ERROR and adds no task", async () => {
    const agent = await TestAgent.start(master.url, { hostname: "bad-task-agent" });
    const scheduler = await subscribeScheduler(master, webFramework("alice", "invalid"));
    try {
      const offers = (await scheduler.events.next("OFFERS")).offers as Loose;
      const offer = offers.offers[0];
      const task: Loose = {
        name: "too big",
        task_id: { value: "too-big" },
        agent_id: offer.agent_id,
        resources: [scalar("cpus", 1000, "web")],
        command: { value: "true" },
      };
      const res = await scheduler.call(launchCall([offer.id], [task]));
      assert.equal(res.status, 202, res.body);
      const update = (await scheduler.events.next("UPDATE")).update as Loose;
      assert.equal(update.status.task_id.value, "too-big");
      assert.equal(update.status.state, "TASK_ERROR");
      assert.equal(update.status.reason, "REASON_TASK_INVALID");
      const tasks = (await operatorCall(master, { type: "GET_TASKS" })).json as Loose;
      assert.equal(tasks.get_tasks.tasks, undefined);
      assert.equal(agent.events.filter((e) => e.type === "RUN_TASK").length, 0);
    } finally {
      scheduler.close();
      agent.close();
    }
  });
});
