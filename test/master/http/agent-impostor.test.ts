// An impostor on the agent channel (issue 18, finding 4), without agent authentication: a
// SUBSCRIBE with a connected agent's id (public in /master/slaves) is refused, its stream is
// closed with no SUBSCRIBED, the real agent stays connected and active, the next task's
// RUN_TASK reaches the real agent only, and the impostor cannot post an update. Once the real
// agent's stream is gone, the agent re-registers as before.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { postCall, subscribe } from "../../../src/http/client.ts";
import { AGENT_CHANNEL_PATH } from "../../../src/wire/agent-channel.ts";
import { eventually } from "../../support/eventually.ts";
import { acceptLaunch, currentOffer, type Loose, operatorCall, taskInfo } from "./helpers.ts";
import { masterSuite } from "./suite.ts";
import { DEFAULT_AGENT_RESOURCES, TestAgent } from "./test-agent.ts";

describe("an impostor subscribing with a connected agent's id", () => {
  const { master, agent, scheduler } = masterSuite({
    flags: { allocation_interval: "50ms" },
    agent: { hostname: "real-agent" },
  });
  const url = () => `${master.url}/master/${AGENT_CHANNEL_PATH}`;
  const impostorCall = (agentId: string) =>
    JSON.stringify({
      type: "SUBSCRIBE",
      agent_id: { value: agentId },
      subscribe: {
        agent_id: { value: agentId },
        agent_info: { hostname: "real-agent", port: 5051, resources: DEFAULT_AGENT_RESOURCES },
        version: "1.11.0",
        total_resources: DEFAULT_AGENT_RESOURCES,
        tasks: [],
        frameworks: [],
      },
    });
  const active = async (agentId: string) => {
    const agents = ((await operatorCall(master, { type: "GET_AGENTS" })).json as Loose).get_agents
      .agents as Loose[];
    return agents.find((a) => a.agent_info.id.value === agentId)?.active;
  };

  it("is refused: no SUBSCRIBED, the real agent keeps its stream and gets the next RUN_TASK", async () => {
    const slaves = (await (await fetch(`${master.url}/master/slaves`)).json()) as Loose;
    const agentId = slaves.slaves[0].id as string;
    assert.equal(agentId, agent.agentId);
    const impostor = await subscribe(url(), impostorCall(agentId));
    assert.ok(impostor.ok, "the stream opens (the core decides on it)");
    const events: Loose[] = [];
    const drained = (async () => {
      for await (const event of impostor.events) events.push(event);
      return "ended";
    })().catch(() => "ended");
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise((r) => {
      timer = setTimeout(() => r("still open"), 10_000);
    });
    const outcome = await Promise.race([drained, bound]);
    clearTimeout(timer);
    impostor.close();
    assert.equal(outcome, "ended", "the master closes the impostor's stream");
    assert.deepEqual(
      events.map((e) => e.type),
      [],
      "nothing was sent on it",
    );
    // The impostor's stream was never subscribed: it can post nothing.
    const forged = await postCall(
      url(),
      JSON.stringify({ type: "HEARTBEAT", agent_id: { value: agentId } }),
      { headers: { "Mesos-Stream-Id": impostor.streamId ?? "" } },
    );
    assert.equal(forged.status, 403);
    assert.equal(agent.ended, false, "the real agent's stream is still open");
    assert.equal(await active(agentId), true);
    const runTasksBefore = agent.events.filter((e) => e.type === "RUN_TASK").length;
    const offer = await currentOffer(master, scheduler);
    const res = await acceptLaunch(scheduler, [offer.id], [taskInfo(offer, "after-impostor")]);
    assert.equal(res.status, 202, res.body);
    await agent.waitFor("RUN_TASK");
    assert.equal(agent.events.filter((e) => e.type === "RUN_TASK").length, runTasksBefore + 1);
    const metrics = (await (await fetch(`${master.url}/metrics/snapshot`)).json()) as Loose;
    assert.equal(metrics["master/agent_subscriptions_refused"], 1);
  });

  it("an agent whose stream closed re-registers with its id as before", async () => {
    const other = await TestAgent.start(master.url, { hostname: "restarting-agent" });
    other.close();
    await eventually(
      "the agent to be shown inactive",
      async () => (await active(other.agentId)) === false,
    );
    const again = await TestAgent.start(master.url, {
      hostname: "restarting-agent",
      agentId: other.agentId,
    });
    assert.equal(again.agentId, other.agentId);
    assert.equal(await active(other.agentId), true);
    again.close();
  });
});
