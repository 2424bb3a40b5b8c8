// Conformance of the master <-> agent channel (DESIGN.md): SUBSCRIBE opens the master -> agent
// stream, other calls are POSTs carrying its stream id; bad calls get a clear 400/403.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { postCall } from "../../../src/http/client.ts";
import { AGENT_CHANNEL_PATH } from "../../../src/wire/agent-channel.ts";
import { eventually } from "../../support/eventually.ts";
import {
  acceptLaunch,
  currentOffer,
  type Loose,
  operatorCall,
  stableState,
  taskInfo,
} from "./helpers.ts";
import { masterSuite } from "./suite.ts";
import { TestAgent } from "./test-agent.ts";

describe("agent channel", () => {
  const { master, agent } = masterSuite({
    agent: { hostname: "channel-agent" },
    framework: false,
  });
  let url: string;
  before(() => {
    url = `${master.url}/master/${AGENT_CHANNEL_PATH}`;
  });

  it("SUBSCRIBE registers the agent: SUBSCRIBED names its new id and ping settings", async () => {
    assert.match(agent.agentId, new RegExp(`^${master.masterInfo.id}-S\\d+$`));
    const subscribed = agent.events.find((e) => e.type === "SUBSCRIBED") as Loose;
    assert.equal(subscribed.subscribed.ping_interval_seconds > 0, true);
    const agents = (await operatorCall(master, { type: "GET_AGENTS" })).json as Loose;
    assert.equal(agents.get_agents.agents[0].agent_info.hostname, "channel-agent");
  });

  it("bad agent calls get clear answers and change nothing", async () => {
    const before = await stableState(master);
    const withStream = { "Mesos-Stream-Id": agent.streamId };
    const cases: [string, Record<string, string>, number, RegExp][] = [
      ["{", withStream, 400, /^Failed to parse body into JSON/],
      [JSON.stringify({ type: "WHAT" }), withStream, 400, /^Failed to convert JSON into Call/],
      [JSON.stringify({ type: "UNKNOWN" }), withStream, 400, /Unsupported agent call type/],
      [
        JSON.stringify({ type: "UPDATE", agent_id: { value: agent.agentId } }),
        withStream,
        400,
        /Expecting 'update' to be present/,
      ],
      [
        JSON.stringify({ type: "PONG", agent_id: { value: agent.agentId } }),
        {},
        400,
        /should include the 'Mesos-Stream-Id' header/,
      ],
      [
        JSON.stringify({ type: "PONG", agent_id: { value: agent.agentId } }),
        { "Mesos-Stream-Id": "nope" },
        403,
        /not subscribed/,
      ],
      [
        JSON.stringify({ type: "PONG", agent_id: { value: "someone-else" } }),
        withStream,
        400,
        /does not match/,
      ],
      [
        JSON.stringify({ type: "PONG", agent_id: { value: agent.agentId } }),
        { ...withStream, "Tessera-Agent-Channel-Version": "99" },
        400,
        /Unsupported agent channel version/,
      ],
      [
        JSON.stringify({ type: "PONG", agent_id: { value: agent.agentId } }),
        { ...withStream, "Content-Type": "application/x-protobuf" },
        415,
        /speaks application\/json only/,
      ],
    ];
    for (const [body, headers, status, message] of cases) {
      const res = await postCall(url, body, { headers });
      assert.equal(res.status, status, `${body} -> ${res.body}`);
      assert.match(res.body, message);
    }
    assert.deepEqual(await stableState(master), before);
  });

  it("an agent whose stream breaks is shown as inactive", async () => {
    const other = await TestAgent.start(master.url, { hostname: "leaving-agent" });
    other.close();
    await eventually("the agent to be shown inactive", async () => {
      const agents = ((await operatorCall(master, { type: "GET_AGENTS" })).json as Loose).get_agents
        .agents;
      const mine = agents.find((a: Loose) => a.agent_info.id.value === other.agentId);
      return mine?.active === false;
    });
  });

  it("MARK_AGENT_GONE tells the agent to shut down and answers 200", async () => {
    const doomed = await TestAgent.start(master.url, { hostname: "doomed-agent" });
    const res = await operatorCall(master, {
      type: "MARK_AGENT_GONE",
      mark_agent_gone: { agent_id: { value: doomed.agentId } },
    });
    assert.equal(res.status, 200, res.body);
    await doomed.waitFor("SHUTDOWN");
    const again = await operatorCall(master, {
      type: "MARK_AGENT_GONE",
      mark_agent_gone: { agent_id: { value: doomed.agentId } },
    });
    assert.equal(again.status, 200);
    doomed.close();
  });
});

describe("agent channel: several calls in one POST", () => {
  const { master, agent, scheduler } = masterSuite({
    flags: { allocation_interval: "50ms" },
    agent: { hostname: "batch-agent" },
  });
  let url: string;
  before(async () => {
    url = `${master.url}/master/${AGENT_CHANNEL_PATH}`;
  });

  function update(taskId: string, state: string, uuid: string, agentId = agent.agentId): Loose {
    return {
      type: "UPDATE",
      agent_id: { value: agentId },
      update: {
        framework_id: { value: scheduler.frameworkId },
        status: {
          task_id: { value: taskId },
          state,
          source: "SOURCE_EXECUTOR",
          agent_id: { value: agentId },
          timestamp: Date.now() / 1000,
          uuid,
        },
        latest_state: state,
      },
    };
  }

  /** Tasks, executors and agents, times and offers left out (offers come and go meanwhile). */
  async function workload(): Promise<unknown> {
    const res = await operatorCall(master, { type: "GET_STATE" });
    assert.equal(res.status, 200);
    const state = JSON.parse(res.body, (key, value) =>
      key.endsWith("_time") || key === "offered_resources" ? undefined : value,
    ) as Loose;
    const { get_tasks, get_executors, get_agents } = state.get_state;
    return { get_tasks, get_executors, get_agents };
  }

  const post = (
    calls: unknown,
    headers: Record<string, string> = { "Mesos-Stream-Id": agent.streamId },
  ) => postCall(url, JSON.stringify(calls), { headers });

  it("are handled in their order: the scheduler gets each update as if posted alone", async () => {
    const offer = await currentOffer(master, scheduler);
    const res = await acceptLaunch(scheduler, [offer.id], [taskInfo(offer, "batched-1")]);
    assert.equal(res.status, 202, res.body);
    await agent.waitFor("RUN_TASK");
    const answer = await post([
      update("batched-1", "TASK_STARTING", "AAAAAAAAAAAAAAAAAAAAAQ=="),
      update("batched-1", "TASK_RUNNING", "AAAAAAAAAAAAAAAAAAAAAg=="),
      { type: "HEARTBEAT", agent_id: { value: agent.agentId } },
    ]);
    assert.equal(answer.status, 202, answer.body);
    const first = (await scheduler.events.next("UPDATE")) as Loose;
    const second = (await scheduler.events.next("UPDATE")) as Loose;
    assert.deepEqual(
      [first.update.status.state, second.update.status.state],
      ["TASK_STARTING", "TASK_RUNNING"],
    );
    assert.equal(second.update.status.uuid, "AAAAAAAAAAAAAAAAAAAAAg==");
  });

  it("are refused whole when one is bad, naming it, and change nothing", async () => {
    const before = await workload();
    const good = update("batched-1", "TASK_FINISHED", "AAAAAAAAAAAAAAAAAAAAAw==");
    const cases: [unknown, Record<string, string>, number, RegExp][] = [
      [[], { "Mesos-Stream-Id": agent.streamId }, 400, /^Expecting at least one agent call$/],
      [
        [good, { type: "WHAT" }],
        { "Mesos-Stream-Id": agent.streamId },
        400,
        /^Call \[1\]: Failed to convert JSON into Call protobuf/,
      ],
      [
        [good, { type: "UPDATE", agent_id: { value: agent.agentId } }],
        { "Mesos-Stream-Id": agent.streamId },
        400,
        /^Call \[1\]: Failed to validate agent Call: Expecting 'update' to be present/,
      ],
      [
        [good, { type: "SUBSCRIBE", subscribe: { agent_info: { hostname: "x" }, version: "1" } }],
        { "Mesos-Stream-Id": agent.streamId },
        400,
        /^Call \[1\]: .*SUBSCRIBE must be posted on its own/,
      ],
      [
        [good, update("batched-1", "TASK_FAILED", "AAAAAAAAAAAAAAAAAAAABA==", "someone-else")],
        { "Mesos-Stream-Id": agent.streamId },
        400,
        /does not match/,
      ],
      [[good], {}, 400, /should include the 'Mesos-Stream-Id' header/],
      [[good], { "Mesos-Stream-Id": "nope" }, 403, /not subscribed/],
    ];
    for (const [calls, headers, status, message] of cases) {
      const res = await post(calls, headers);
      assert.equal(res.status, status, `${JSON.stringify(calls)} -> ${res.body}`);
      assert.match(res.body, message);
    }
    assert.deepEqual(await workload(), before);
  });
});
