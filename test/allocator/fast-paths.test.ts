// Behaviour at the allocator's performance shortcuts: an offer of a whole unreserved agent,
// recovery of a whole offer in one role, and a decline's filter over such an offer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Allocator } from "../../src/allocator/index.ts";
import { res, who } from "./helpers.ts";

const TOTAL = "cpus:4;mem:4096;ports:[31000-32000]";

function oneAgent(total = TOTAL) {
  const a = new Allocator({ seed: 5 });
  a.addAgent("a0", { hostname: "h0", total: res(total) });
  a.addFramework("f1", { roles: ["web"] });
  a.addFramework("f2", { roles: ["web"] });
  return a;
}

describe("allocator: whole-agent offers", () => {
  it("offers all of an unreserved agent and keeps the offer apart from its bookkeeping", () => {
    const a = oneAgent();
    const [offer] = a.allocate(0);
    assert.ok(offer !== undefined);
    assert.ok(a.available("a0").isEmpty());
    assert.ok(offer.resources.unallocate().equals(res(TOTAL)));
    // The caller owns the offered collection: changing it changes nothing in the allocator.
    offer.resources.subtractInPlace(offer.resources.clone());
    assert.ok(a.allocatedOn("a0").equals(res(TOTAL)));
    assert.ok(a.allocatedTo(offer.frameworkId).unallocate().equals(res(TOTAL)));
  });

  it("takes a recovered whole offer back, and its filter refuses the same offer again", () => {
    const a = oneAgent();
    const [first] = a.allocate(0);
    assert.ok(first !== undefined);
    a.recoverResources(first.frameworkId, "a0", first.resources, { refuseSeconds: 60 }, 0);
    assert.ok(a.available("a0").equals(res(TOTAL)));
    assert.ok(a.allocatedOn("a0").isEmpty());
    assert.equal(a.filterCount(), 1);
    const second = a.allocate(1000, { full: true });
    assert.equal(second.length, 1);
    assert.notEqual(second[0]!.frameworkId, first.frameworkId);
    a.recoverResources(
      second[0]!.frameworkId,
      "a0",
      second[0]!.resources,
      { refuseSeconds: 60 },
      1000,
    );
    assert.deepEqual(a.allocate(2000, { full: true }), []);
    // The first filter expires at 60 s: the first framework is offered the agent again.
    assert.deepEqual(who(a.allocate(61_000, { full: true })), [`${first.frameworkId} web a0`]);
  });

  it("still cuts reservations of other roles out of an agent that has some", () => {
    const a = oneAgent("cpus:4;mem:4096;cpus(ops):2");
    const [offer] = a.allocate(0);
    assert.ok(offer !== undefined);
    assert.equal(offer.resources.get("cpus"), 4000);
    assert.ok(a.available("a0").equals(res("cpus(ops):2")));
  });

  it("recovers part of an offer and keeps the rest allocated", () => {
    const a = oneAgent();
    const [offer] = a.allocate(0);
    assert.ok(offer !== undefined);
    const part = offer.resources.filter((r) => r.name === "mem");
    a.recoverResources(offer.frameworkId, "a0", part, undefined, 0);
    assert.ok(a.available("a0").equals(res("mem:4096")));
    assert.ok(a.allocatedOn("a0").equals(res("cpus:4;ports:[31000-32000]")));
  });
});
