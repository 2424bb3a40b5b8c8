// Conformance of the master <-> agent channel (DESIGN.md): SUBSCRIBE opens the master -> agent
// stream, other calls are POSTs carrying its stream id; bad calls get a clear 400/403.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { postCall } from "../../../src/http/recordio-client.ts";
import { AGENT_CHANNEL_PATH } from "../../../src/master/http/agent-channel.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import { type Loose, operatorCall, stableState, startTestMaster } from "./helpers.ts";
import { TestAgent } from "./test-agent.ts";

describe("agent channel", () => {
  let master: RunningMaster;
  let agent: TestAgent;
  let url: string;
  before(async () => {
    master = await startTestMaster();
    url = `${master.url}/master/${AGENT_CHANNEL_PATH}`;
    agent = await TestAgent.start(master.url, { hostname: "channel-agent" });
  });
  after(async () => {
    agent.close();
    await master.close();
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
    const deadline = Date.now() + 10_000;
    for (;;) {
      const agents = ((await operatorCall(master, { type: "GET_AGENTS" })).json as Loose).get_agents
        .agents;
      const mine = agents.find((a: Loose) => a.agent_info.id.value === other.agentId);
      if (mine?.active === false) break;
      assert.ok(Date.now() < deadline, "agent still active");
      await new Promise((resolve) => setImmediate(resolve));
    }
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
