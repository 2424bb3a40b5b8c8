// The scheduler client and maintenance inverse offers, against the scripted scheduler endpoint
// (fake-master.ts): INVERSE_OFFERS and RESCIND_INVERSE_OFFER reach their handlers, and the
// answers go out as ACCEPT_/DECLINE_INVERSE_OFFERS with their filters.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { SchedulerClient } from "../../src/sdk/scheduler-client.ts";
import { eventually } from "../support/eventually.ts";
import { startFakeMaster } from "./fake-master.ts";

const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
});

test("inverse offers reach the handler; accept and decline go out with their ids and filters", async () => {
  const master = await startFakeMaster();
  stops.push(() => master.close());
  const client = new SchedulerClient({
    master: master.url,
    frameworkInfo: { user: "tester", name: "maintenance", failover_timeout: 60 },
    backoffInitialMs: 10,
    backoffMaxMs: 50,
  });
  stops.push(() => client.stop());
  const rescinded: string[] = [];
  client.on("inverseOffers", async (list) => {
    const [first, second] = list;
    assert.deepEqual((await client.acceptInverseOffers([first!.id.value])).ok, true);
    await client.declineInverseOffers([second!.id.value], { refuseSeconds: 60 });
  });
  client.on("rescindInverseOffer", (id) => void rescinded.push(id));
  void client.start();
  await master.waitForSubscription(1);
  const inverse = (id: string) => ({
    id: { value: id },
    framework_id: { value: "fw-0" },
    agent_id: { value: "S0" },
    unavailability: { start: { nanoseconds: 1 } },
  });
  master.send({
    type: "INVERSE_OFFERS",
    inverse_offers: { inverse_offers: [inverse("I1"), inverse("I2")] },
  });
  const accept = await master.waitForCall((c) => c.type === "ACCEPT_INVERSE_OFFERS");
  assert.deepEqual(accept.accept_inverse_offers?.inverse_offer_ids, [{ value: "I1" }]);
  assert.equal(accept.accept_inverse_offers?.filters, undefined, "the master's default 5 s");
  const decline = await master.waitForCall((c) => c.type === "DECLINE_INVERSE_OFFERS");
  assert.deepEqual(decline.decline_inverse_offers?.inverse_offer_ids, [{ value: "I2" }]);
  assert.equal(decline.decline_inverse_offers?.filters?.refuse_seconds, 60);
  master.send({
    type: "RESCIND_INVERSE_OFFER",
    rescind_inverse_offer: { inverse_offer_id: { value: "I2" } },
  });
  await eventually("the rescind handler", () => (rescinded.length > 0 ? true : undefined));
  assert.deepEqual(rescinded, ["I2"]);
});
