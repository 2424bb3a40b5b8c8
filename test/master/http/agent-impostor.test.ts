// An impostor on the agent channel (issue 18, finding 4), without agent authentication: a
// SUBSCRIBE with a connected agent's id (public in /master/slaves) from another address is refused, its stream is
// closed with no SUBSCRIBED, the real agent stays connected and active, the next task's
// RUN_TASK reaches the real agent only, and the impostor cannot post an update. Once the real
// agent's stream is gone, the agent re-registers as before.
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { describe, it } from "node:test";
import { postCall } from "../../../src/http/client.ts";
import { AGENT_CHANNEL_PATH } from "../../../src/wire/agent-channel.ts";
import { eventually } from "../../support/eventually.ts";
import { acceptLaunch, currentOffer, type Loose, operatorCall, taskInfo } from "./helpers.ts";
import { masterSuite } from "./suite.ts";
import { DEFAULT_AGENT_RESOURCES, TestAgent } from "./test-agent.ts";

/** A loopback address other than the agents' 127.0.0.1: the impostor's "other host". */
const IMPOSTOR_ADDRESS = "127.0.0.2";

/** Opens a SUBSCRIBE stream from `localAddress`; `ended` settles when the master closes it. */
function streamFrom(
  localAddress: string,
  url: string,
  body: string,
): Promise<{
  status: number;
  streamId: string | undefined;
  ended: Promise<string>;
  received(): number;
  close(): void;
}> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: "POST",
        localAddress,
        headers: { "Content-Type": "application/json", Accept: "application/json" },
      },
      (res) => {
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
        });
        const ended = new Promise<string>((done) => {
          res.once("end", () => done("ended"));
          res.once("close", () => done("ended"));
        });
        const id = res.headers["mesos-stream-id"];
        resolve({
          status: res.statusCode ?? 0,
          streamId: Array.isArray(id) ? id[0] : id,
          ended,
          received: () => bytes,
          close: () => req.destroy(),
        });
      },
    );
    req.once("error", reject);
    req.end(body);
  });
}

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
    // From another address than the agent's (another host, as an impostor would be).
    const impostor = await streamFrom(IMPOSTOR_ADDRESS, url(), impostorCall(agentId));
    assert.equal(impostor.status, 200, "the stream opens (the core decides on it)");
    const outcome = await Promise.race([
      impostor.ended,
      new Promise((r) => setTimeout(() => r("still open"), 10_000).unref()),
    ]);
    impostor.close();
    assert.equal(outcome, "ended", "the master closes the impostor's stream");
    assert.equal(impostor.received(), 0, "nothing was sent on it");
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

  it("a newcomer from the agent's own address is the agent restarted: it takes over at once", async () => {
    const first = await TestAgent.start(master.url, { hostname: "restarted-agent" });
    // Its old stream still looks open (the close was lost, as in a partition).
    const again = await TestAgent.start(master.url, {
      hostname: "restarted-agent",
      agentId: first.agentId,
    });
    assert.equal(again.agentId, first.agentId);
    assert.equal(await active(first.agentId), true);
    again.close();
    first.close();
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
