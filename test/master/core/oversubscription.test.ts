// Oversubscribed resources at the master (Mesos's UpdateSlaveMessage with
// update_oversubscribed_resources): an agent's revocable resources join its total, are offered
// only to frameworks with REVOCABLE_RESOURCES, replace the previous estimate, and a change
// rescinds the offers holding revocable resources of that agent (others stand).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Allocator } from "../../../src/allocator/index.ts";
import type { Resource } from "../../../src/wire/resource.ts";
import { Harness } from "./harness.ts";

const revocableCpus = (value: number): Resource => ({
  name: "cpus",
  type: "SCALAR",
  scalar: { value },
  revocable: {},
});

function oversubscribe(h: Harness, agentId: string, resources: Resource[]) {
  h.agentCall(agentId, {
    type: "UPDATE_RESOURCES",
    agent_id: { value: agentId },
    update_resources: {
      total_resources: [],
      update_oversubscribed: true,
      oversubscribed_resources: resources,
    },
  });
}

const revocableIn = (offer: { resources?: Resource[] } | undefined) =>
  (offer?.resources ?? [])
    .filter((r) => r.revocable !== undefined)
    .reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);

describe("oversubscribed resources at the master", () => {
  it("are offered to REVOCABLE_RESOURCES frameworks only, and a new estimate replaces the old", () => {
    const h = new Harness({ allocator: new Allocator({ seed: 1 }) });
    const agent = h.addAgent("a1", "cpus:1;mem:256");
    oversubscribe(h, agent.agentId, [revocableCpus(2)]);
    const plain = h.subscribe({ roles: ["*"], capabilities: [{ type: "MULTI_ROLE" }] });
    h.allocate();
    const plainOffer = h.offers(plain.streamId)[0];
    assert.ok(plainOffer !== undefined, "the framework without the capability gets an offer");
    assert.equal(revocableIn(plainOffer), 0);

    const capable = h.subscribe({
      roles: ["*"],
      capabilities: [{ type: "MULTI_ROLE" }, { type: "REVOCABLE_RESOURCES" }],
    });
    h.allocate();
    const revocableOffer = h.offers(capable.streamId)[0];
    assert.equal(revocableIn(revocableOffer), 2);

    // A smaller estimate rescinds the offer with revocable resources, not the other one.
    oversubscribe(h, agent.agentId, [revocableCpus(0.5)]);
    const rescinded = h
      .frameworkEvents(capable.streamId)
      .filter((e) => e.type === "RESCIND")
      .map((e) => e.rescind?.offer_id.value);
    assert.deepEqual(rescinded, [revocableOffer?.id.value]);
    assert.ok(!h.frameworkEvents(plain.streamId).some((e) => e.type === "RESCIND"));
    h.allocate();
    assert.equal(revocableIn(h.offers(capable.streamId).at(-1)), 0.5);
    assert.deepEqual(h.master.invariantViolations(), []);
  });

  it("an unchanged estimate changes nothing", () => {
    const h = new Harness({ allocator: new Allocator({ seed: 1 }) });
    const agent = h.addAgent("a1", "cpus:1;mem:256");
    oversubscribe(h, agent.agentId, [revocableCpus(1)]);
    const capable = h.subscribe({
      roles: ["*"],
      capabilities: [{ type: "MULTI_ROLE" }, { type: "REVOCABLE_RESOURCES" }],
    });
    h.allocate();
    oversubscribe(h, agent.agentId, [revocableCpus(1)]);
    assert.ok(!h.frameworkEvents(capable.streamId).some((e) => e.type === "RESCIND"));
  });
});
