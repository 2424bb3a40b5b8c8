// A scheduler stream nobody reads (issue 22, fault 6): 500 subscriptions opened and never read
// held offers for good and a framework that read got none. Here one real HTTP subscription
// whose socket is never read holds the only agent; the reading framework gets the agent once
// the silent one's offer is rescinded (silentOfferTimeoutMs, 10 s: the kernel's socket buffers
// take the offer, so nothing backs up in the master for the back-pressure bound to see).
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import type { RunningMaster } from "../../../src/master/server.ts";
import { eventually } from "../../support/eventually.ts";
import {
  type Loose,
  operatorCall,
  startTestMaster,
  subscribeScheduler,
  type TestScheduler,
} from "./helpers.ts";
import { TestAgent } from "./test-agent.ts";

/** POSTs SUBSCRIBE on a raw socket and then never reads from it. */
function silentSubscribe(master: RunningMaster): Promise<Socket> {
  const url = new URL(master.url);
  const body = JSON.stringify({
    type: "SUBSCRIBE",
    subscribe: {
      framework_info: {
        user: "mute",
        name: "silent",
        roles: ["web"],
        capabilities: [{ type: "MULTI_ROLE" }],
      },
    },
  });
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        `POST /api/v1/scheduler HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      socket.pause();
      resolve(socket);
    });
    socket.on("error", reject);
  });
}

async function heldOffers(master: RunningMaster, name: string): Promise<number> {
  const res = await operatorCall(master, { type: "GET_FRAMEWORKS" });
  const frameworks = ((res.json as Loose)?.get_frameworks?.frameworks ?? []) as Loose[];
  return frameworks.find((f) => f.framework_info.name === name)?.offers?.length ?? 0;
}

describe("silent scheduler streams", () => {
  let master: RunningMaster;
  let agent: TestAgent;
  let silent: Socket;
  let reading: TestScheduler | undefined;
  before(async () => {
    master = await startTestMaster();
    agent = await TestAgent.start(master.url);
  });
  after(async () => {
    reading?.close();
    silent.destroy();
    agent.close();
    await master.close();
  });

  it("a framework that reads gets the agent a stream that is never read was holding", async () => {
    silent = await silentSubscribe(master);
    await eventually(
      "the silent framework to get the offer",
      async () => (await heldOffers(master, "silent")) > 0,
      { everyMs: 50 },
    );
    reading = await subscribeScheduler(master);
    const offers = (await reading.events.next("OFFERS", 20_000)).offers as Loose;
    assert.equal(offers.offers[0].agent_id.value, agent.agentId);
    assert.equal(await heldOffers(master, "silent"), 0);
  });
});
